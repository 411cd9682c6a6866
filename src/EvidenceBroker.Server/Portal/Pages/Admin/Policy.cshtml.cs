using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Routing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Portal.Pages.Admin;

/// <summary>What activating a version would change, replayed on recent decisions before anyone commits to it.</summary>
public sealed record WhatIf(string Version, int Replayed, int Changed, List<(string Reference, string Before, string After)> Examples);

/// <summary>
/// Policy pack versions (activation only after a what-if summary) and the C11 switch: suspend a country at
/// once with a reason, or reinstate it. Activation goes through <see cref="PolicyPackStore"/>, like the API.
/// </summary>
public sealed class PolicyModel(BrokerDbContext db, PolicyPackStore store, PolicyRegistry registry, AuditTrail audit, TimeProvider clock) : PageModel
{
    public List<PolicyPackVersion> Versions { get; private set; } = [];
    public List<CountrySuspension> Suspensions { get; private set; } = [];
    public IReadOnlyList<CountryResource> Countries { get; private set; } = [];
    public WhatIf? Preview { get; private set; }
    public Dictionary<string, string> Errors { get; } = [];

    [BindProperty] public string? Country { get; set; }
    [BindProperty] public string? Reason { get; set; }

    private Caller Me => Caller.From(User)!;

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnGetWhatIfAsync(string version, CancellationToken ct)
    {
        if (!await db.PolicyPacks.AnyAsync(p => p.Version == version, ct))
        {
            return NotFound();
        }

        var engine = await registry.EngineForAsync(db, version, ct);
        var recent = await db.Decisions.AsNoTracking().OrderByDescending(d => d.RequestId).Take(500)
            .Join(db.Requests.AsNoTracking(), d => d.RequestId, r => r.Id, (d, r) => new { d.InputJson, d.Outcome, r.Reference })
            .ToListAsync(ct);
        var examples = new List<(string, string, string)>();
        var changed = 0;
        foreach (var decision in recent)
        {
            var replayed = engine.Evaluate(StoredPolicyInput.FromJson(decision.InputJson).ToInput());
            if (replayed.Outcome != decision.Outcome)
            {
                changed++;
                if (examples.Count < 10)
                {
                    examples.Add((decision.Reference, PortalText.Outcome(decision.Outcome), PortalText.Outcome(replayed.Outcome)));
                }
            }
        }

        Preview = new WhatIf(version, recent.Count, changed, examples);
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostActivateAsync(string version, CancellationToken ct)
    {
        if (!await store.ActivateAsync(version, Me.Subject, Me.Role, Me.Tenant.ToString(), ct))
        {
            return NotFound();
        }

        TempData["Flash"] = $"Policy pack {version} is now active for new requests. Earlier decisions keep their own version.";
        return RedirectToPage();
    }

    /// <summary>The same checks, record and audit entry as POST /api/v1/policy/suspensions.</summary>
    public async Task<IActionResult> OnPostSuspendAsync(CancellationToken ct)
    {
        var country = Country?.Trim().ToUpperInvariant() ?? "";
        if (!RequestContentValidator.IsCountryCode(country) || !registry.KnowsCountry(country))
        {
            Errors["country"] = "Choose a country of the active policy pack.";
        }

        if (string.IsNullOrWhiteSpace(Reason) || Reason.Length > 2000 || Reason.Any(c => char.IsControl(c) && c is not ('\n' or '\r')))
        {
            Errors["reason"] = "State the reason, in at most 2,000 characters.";
        }

        if (Errors.Count > 0)
        {
            await LoadAsync(ct);
            return Page();
        }

        await using var transaction = await db.BeginWriteAsync(ct);
        if (await db.CountrySuspensions.FindAsync([country], ct) is null)
        {
            db.CountrySuspensions.Add(new CountrySuspension { Country = country, Reason = Reason!.Trim(), SuspendedAt = clock.GetUtcNow(), SuspendedBy = Me.Subject });
            await audit.AppendAsync(db, Me, new AuditRecord("country.suspended", "country", country,
                new { Reason = Reason.Trim() }, StateBefore: "eligible", StateAfter: "suspended"), ct);
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        TempData["Flash"] = $"{country} is suspended: no direct channel for new requests from it.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostLiftAsync(string country, CancellationToken ct)
    {
        await using var transaction = await db.BeginWriteAsync(ct);
        var suspension = await db.CountrySuspensions.FindAsync([country], ct);
        if (suspension is null)
        {
            return NotFound();
        }

        db.CountrySuspensions.Remove(suspension);
        await audit.AppendAsync(db, Me, new AuditRecord("country.reinstated", "country", country,
            new { previousReason = suspension.Reason }, StateBefore: "suspended", StateAfter: "eligible"), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        TempData["Flash"] = $"{country} is reinstated.";
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Versions = await db.PolicyPacks.AsNoTracking().OrderByDescending(p => p.Version).ToListAsync(ct);
        Suspensions = await db.CountrySuspensions.AsNoTracking().OrderBy(s => s.Country).ToListAsync(ct);
        Countries = registry.Countries();
    }
}
