using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Hosting;
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
public sealed class PolicyModel(
    BrokerDbContext db, PolicyPackStore store, PolicyRegistry registry, PolicyWhatIf whatIf, SuspensionSwitch suspensions, WholeStoreLimit limit) : PageModel
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

    /// <summary>A POST: each comparison re-decides every stored request and is recorded in the audit trail, which a reload or a prefetch must not repeat.</summary>
    public async Task<IActionResult> OnPostWhatIfAsync(string version, CancellationToken ct)
    {
        if (!await db.PolicyPacks.AnyAsync(p => p.Version == version, ct))
        {
            return NotFound();
        }

        if (await limit.RefusalPageAsync(HttpContext) is { } tooMany)
        {
            return tooMany;
        }

        var report = await whatIf.CompareAsync(await registry.EngineForAsync(db, version, ct), Me, ct);
        Preview = new WhatIf(version, report.Replayed, report.Changed,
            [.. report.Changes.Take(10).Select(c => (c.Reference, PortalText.Outcome(c.Before), PortalText.Outcome(c.After)))]);
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostActivateAsync(string version, CancellationToken ct)
    {
        var activation = await store.ActivateAsync(version, Me.Subject, Me.Role, Me.Tenant.ToString(), ct);
        switch (activation.Outcome)
        {
            case PackActivationOutcome.NotFound:
                return NotFound();
            case PackActivationOutcome.NotYetInEffect:
                TempData["FlashProblem"] = $"Policy pack {version} is not yet in effect: it can be activated from its effectiveFrom date. Nothing changed.";
                return RedirectToPage();
            case PackActivationOutcome.FailsTodaysChecks:
                TempData["FlashProblem"] = $"Policy pack {version} fails checks added since it was stored ({activation.Problems[0]}); it is kept for replay only. Nothing changed.";
                return RedirectToPage();
            default:
                break;
        }

        TempData["Flash"] = $"Policy pack {version} is now active for new requests. Earlier decisions keep their own version.";
        return RedirectToPage();
    }

    /// <summary>The same checks, record and audit entry as POST /api/v1/policy/suspensions.</summary>
    public async Task<IActionResult> OnPostSuspendAsync(CancellationToken ct)
    {
        var country = Country?.Trim().ToUpperInvariant();
        var outcome = await suspensions.SuspendAsync(Me, country, Reason, ct);
        if (outcome is SuspendOutcome.Invalid invalid)
        {
            foreach (var (field, messages) in invalid.Errors)
            {
                Errors[field] = messages[0];
            }
        }
        else if (outcome is SuspendOutcome.AlreadySuspended already)
        {
            Errors["country"] = already.Detail;
        }

        if (Errors.Count > 0)
        {
            await LoadAsync(ct);
            return Page();
        }

        TempData["Flash"] = $"{country} is suspended: no direct channel for new requests from it.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostLiftAsync(string country, CancellationToken ct)
    {
        if (!await suspensions.ReinstateAsync(Me, country, ct))
        {
            return NotFound();
        }

        TempData["Flash"] = $"{country} is reinstated.";
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        // Newest first, as GET /api/v1/policy/versions lists them; the version is a content hash, whose order means nothing.
        Versions = await db.PolicyPacks.AsNoTracking().OrderByDescending(p => p.StoredAt).ToListAsync(ct);
        Suspensions = await db.CountrySuspensions.AsNoTracking().OrderBy(s => s.Country).ToListAsync(ct);
        Countries = await registry.CountriesAsync(db, ct);
    }
}
