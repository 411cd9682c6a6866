using System.Text;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using ActionResult = EvidenceBroker.Server.Requests.ActionResult;

namespace EvidenceBroker.Server.Portal.Pages.Requests;

/// <summary>
/// One request, for every role that may see it: content, decision with every rule's reason, the audited
/// timeline, clarifications, productions, and the actions open to this role in this state. Actions go through
/// <see cref="RequestActions"/>, the service the API uses. Another tenant's request is a plain 404. Uploads may be
/// as large as <see cref="StorageOptions.MaxProductionBytes"/> (set in PortalExtensions).
/// </summary>
public sealed class DetailModel(
    PortalRequests requests, RequestActions actions, EmergencyValidation validation, BrokerDbContext db, TimeProvider clock) : PageModel
{
    public PortalRequest Item { get; private set; } = null!;
    public DateTimeOffset Now { get; private set; }
    public List<Clarification> Clarifications { get; private set; } = [];

    /// <summary>What was said with an action: a provider's grounds, a reviewer's reasons, a withdrawal (to a provider, only what it may read).</summary>
    public List<RequestNote> Notes { get; private set; } = [];
    public List<Production> Productions { get; private set; } = [];
    public List<RequestTrigger> Allowed { get; private set; } = [];

    /// <summary>The filing agency may record that its emergency order was validated afterwards, or that validation was refused.</summary>
    public bool MayRecordValidation { get; private set; }

    /// <summary>Validation was refused (Art. 4(5)): productions are listed, never released.</summary>
    public bool ValidationRefused { get; private set; }

    public IReadOnlyList<AuthorityType> Validators { get; } =
        [AuthorityType.Judge, AuthorityType.InvestigatingJudge, AuthorityType.Court, AuthorityType.Prosecutor];

    public Caller Me => Caller.From(User)!;
    public string? Role => User.FindFirst(PortalRoles.RoleClaim)?.Value;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (await requests.FindAsync(Me, id, ct) is not { } item)
        {
            return NotFound();
        }

        Item = item;
        Now = clock.GetUtcNow();
        Clarifications = await db.Clarifications.AsNoTracking().Where(c => c.RequestId == id).OrderBy(c => c.Id).ToListAsync(ct);
        var provider = ProviderView.IsFor(Me);
        Notes = await db.RequestNotes.AsNoTracking().Where(n => n.RequestId == id && (!provider || ProviderView.NoteKinds.Contains(n.Kind)))
            .OrderBy(n => n.Id).ToListAsync(ct);
        Productions = await db.Productions.AsNoTracking().Where(p => p.RequestId == id).OrderBy(p => p.Id).ToListAsync(ct);
        Allowed = [.. item.Request.PermittedTriggers.Where(t => RequestActions.WhoMay(Me, item.Request, t) is null)];
        MayRecordValidation = Me.Tenant.Kind == TenantKind.Agency && Me.Can(BrokerScopes.RequestsWrite)
            && await EmergencyValidation.PendingAsync(db, id, ct);
        ValidationRefused = Productions.Count > 0 && await EmergencyValidation.RefusedAsync(db, id, ct);
        return Page();
    }

    /// <summary>R4: who validated the emergency order afterwards.</summary>
    public async Task<IActionResult> OnPostValidationAsync(Guid id, string? validatorType, string? validatorName, CancellationToken ct)
    {
        if (!Wire.TryParse<AuthorityType>(validatorType ?? "", out var type))
        {
            TempData["Flash"] = "Choose who validated the order.";
            return RedirectToPage(new { id });
        }

        return Report(await validation.RecordAsync(Me, id, new Authority { Type = type, Name = validatorName?.Trim() ?? "" }, ct), id, "Validation recorded");
    }

    /// <summary>Art. 4(5): validation was refused; the order is withdrawn and nothing produced under it is released.</summary>
    public async Task<IActionResult> OnPostValidationRefusalAsync(Guid id, string? text, CancellationToken ct) =>
        Report(await validation.RecordRefusalAsync(Me, id, text?.Trim(), ct), id, "Refused validation recorded");

    /// <summary>Any lifecycle action with an optional text and grounds: acknowledge, clarify, refuse, withdraw, confirm…</summary>
    public async Task<IActionResult> OnPostActionAsync(Guid id, string trigger, string? text, List<string>? grounds, CancellationToken ct)
    {
        if (!Wire.TryParse<RequestTrigger>(trigger, out var parsed))
        {
            return BadRequest();
        }

        var parsedGrounds = new List<RefusalGround>();
        foreach (var g in grounds ?? [])
        {
            if (!Wire.TryParse<RefusalGround>(g, out var ground))
            {
                // As the API does: a ground the broker does not know is refused, not dropped from the refusal.
                TempData["Flash"] = $"'{g}' is not a ground of refusal; nothing was recorded.";
                return RedirectToPage(new { id });
            }

            parsedGrounds.Add(ground);
        }

        try
        {
            var input = new ActionInput(string.IsNullOrWhiteSpace(text) ? null : text.Trim(), parsedGrounds.Count > 0 ? parsedGrounds : null);
            return Report(await actions.ApplyAsync(Me, id, parsed, input, ct), id, parsed);
        }
        catch (InvalidTransitionException e)
        {
            TempData["Flash"] = $"Not possible now: the request is {PortalText.State(e.State)}.";
            return RedirectToPage(new { id });
        }
    }

    public async Task<IActionResult> OnPostProduceAsync(Guid id, IFormFile? package, bool partial, CancellationToken ct)
    {
        if (package is null || package.Length == 0)
        {
            TempData["Flash"] = "Choose the file to upload.";
            return RedirectToPage(new { id });
        }

        await using var body = package.OpenReadStream();
        try
        {
            var name = Path.GetFileName(package.FileName);
            var type = string.IsNullOrWhiteSpace(package.ContentType) ? "application/octet-stream" : package.ContentType;
            return Report(await actions.ProduceAsync(Me, id, partial, name, type, body, ct), id,
                partial ? RequestTrigger.ProducePartially : RequestTrigger.Produce);
        }
        catch (InvalidTransitionException e)
        {
            TempData["Flash"] = $"Not possible now: the request is {PortalText.State(e.State)}.";
            return RedirectToPage(new { id });
        }
    }

    public async Task<IActionResult> OnGetProductionAsync(Guid id, Guid productionId, CancellationToken ct)
    {
        if (this.RefuseHead() is { } head)
        {
            return head;
        }

        var (result, production, content) = await actions.OpenProductionAsync(Me, id, productionId, ct);
        return result switch
        {
            ActionResult.Done when production is not null && content is not null => File(content, production.ServedContentType, production.FileName),
            ActionResult.Forbidden forbidden => Refused(forbidden, id),
            _ => NotFound(),
        };
    }

    private RedirectToPageResult Refused(ActionResult.Forbidden forbidden, Guid id)
    {
        TempData["Flash"] = forbidden.Reason;
        return RedirectToPage(new { id });
    }

    /// <summary>The decision dossier (PDF/A), the same document the API serves; tenant rules as for the request itself.</summary>
    public async Task<IActionResult> OnGetDossierAsync([FromServices] Exports.DocumentDownloads downloads, Guid id, CancellationToken ct)
    {
        if (this.RefuseHead() is { } head)
        {
            return head;
        }

        var data = await Exports.DossierQuery.LoadAsync(db, Me, id, clock.GetUtcNow(), ct);
        if (data is null)
        {
            return NotFound();
        }

        var (pdf, name) = await downloads.DossierAsync(Me, data, ct);
        return File(pdf, "application/pdf", name);
    }

    /// <summary>The stored decision exactly as the engine wrote it, for a case file.</summary>
    public async Task<IActionResult> OnGetDecisionAsync(Guid id, CancellationToken ct)
    {
        if (await requests.FindAsync(Me, id, ct) is not { Decision: not null } item)
        {
            return NotFound();
        }

        // A provider's copy leaves out the deadlines that bind the agency alone, as its dossier does.
        var decision = ProviderView.DecisionFor(Me, item.Decision);
        var json = System.Text.Json.JsonSerializer.Serialize(decision, EvidenceBroker.Policies.DecisionJson.Options);
        return File(Encoding.UTF8.GetBytes(json), "application/json", $"{item.Request.Reference}-decision.json");
    }

    private IActionResult Report(ActionResult result, Guid id, RequestTrigger trigger) => Report(result, id, PortalText.Trigger(trigger));

    private IActionResult Report(ActionResult result, Guid id, string what)
    {
        switch (result)
        {
            case ActionResult.Done done:
                TempData["Flash"] = $"{what}: done. The request is now {PortalText.State(done.Request.State).ToLowerInvariant()}.";
                break;
            case ActionResult.NotFound:
                return NotFound();
            case ActionResult.Forbidden forbidden:
                TempData["Flash"] = forbidden.Reason;
                break;
            case ActionResult.Invalid invalid:
                TempData["Flash"] = string.Join(" ", invalid.Errors.SelectMany(e => e.Value));
                break;
            case ActionResult.NotPermittedByPolicy refused:
                TempData["Flash"] = $"{refused.Title} {refused.Detail}";
                break;
        }

        return RedirectToPage(new { id });
    }
}
