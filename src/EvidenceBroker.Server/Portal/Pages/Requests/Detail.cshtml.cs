using System.Text;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Mlat;
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
    PortalRequests requests, RequestActions actions, RequestProductions productions, EmergencyValidation validation, BrokerDbContext db,
    TimeProvider clock) : PageModel
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

    public const string ProduceForm = "produce";
    public const string ValidationForm = "validation";
    public const string ValidationRefusalForm = "validation-refusal";

    public static string ActionForm(RequestTrigger trigger) => "action-" + Wire.Name(trigger);

    /// <summary>The lifecycle actions offered, each its own form; a production is offered by its upload form instead.</summary>
    public IEnumerable<RequestTrigger> ActionForms => Allowed.Where(t => t is not (RequestTrigger.Produce or RequestTrigger.ProducePartially));

    public bool MayProduce => Allowed.Contains(RequestTrigger.Produce) || Allowed.Contains(RequestTrigger.ProducePartially);

    /// <summary>The form the post was refused in, shown again with what was typed; none after a GET.</summary>
    public RefusedForm RefusedForm { get; private set; } = RefusedForm.None;

    // What the forms post, bound on every post so that a refused form can show it again.
    [BindProperty] public string? Text { get; set; }
    [BindProperty] public List<string> Grounds { get; set; } = [];
    [BindProperty(Name = "partial")] public bool OnlyPart { get; set; }
    [BindProperty] public string? ValidatorType { get; set; }
    [BindProperty] public string? ValidatorName { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct) => await LoadAsync(id, ct) ? Page() : NotFound();

    private async Task<bool> LoadAsync(Guid id, CancellationToken ct)
    {
        if (await requests.FindAsync(Me, id, ct) is not { } item)
        {
            return false;
        }

        Item = item;
        Now = clock.GetUtcNow();
        Clarifications = await db.Clarifications.AsNoTracking().Where(c => c.RequestId == id).OrderBy(c => c.Id).ToListAsync(ct);
        var provider = ProviderView.IsFor(Me);
        Notes = await db.RequestNotes.AsNoTracking().Where(n => n.RequestId == id && (!provider || ProviderView.NoteKinds.Contains(n.Kind)))
            .OrderBy(n => n.Id).ToListAsync(ct);
        Productions = await db.Productions.AsNoTracking().Where(p => p.RequestId == id).OrderBy(p => p.Id).ToListAsync(ct);
        // The actions the API would take: the MLAT request a request is queued for decides when it may be closed or withdrawn.
        var mlatState = await MlatDrafting.QueuedStateAsync(db, item.Request, ct);
        Allowed = [.. RequestActions.AllowedTo(Me, item.Request, mlatState)];
        MayRecordValidation = Me.Tenant.Kind == TenantKind.Agency && Me.Can(BrokerScopes.RequestsWrite)
            && await EmergencyValidation.PendingAsync(db, id, ct);
        ValidationRefused = Productions.Count > 0 && await EmergencyValidation.RefusedAsync(db, id, ct);
        return true;
    }

    /// <summary>R4: who validated the emergency order afterwards.</summary>
    public async Task<IActionResult> OnPostValidationAsync(Guid id, CancellationToken ct)
    {
        if (!Wire.TryParse<AuthorityType>(ValidatorType ?? "", out var type))
        {
            return await RefuseAsync(id, ValidationForm, new() { ["validatedBy"] = "Choose who validated the order." }, ct);
        }

        var validatedBy = new Authority { Type = type, Name = ValidatorName?.Trim() ?? "" };
        return await ReportAsync(await validation.RecordAsync(Me, id, validatedBy, ct), id, "Validation recorded", ValidationForm, ct);
    }

    /// <summary>Art. 4(5): validation was refused; the order is withdrawn and nothing produced under it is released.</summary>
    public async Task<IActionResult> OnPostValidationRefusalAsync(Guid id, CancellationToken ct) =>
        await ReportAsync(await validation.RecordRefusalAsync(Me, id, Text?.Trim(), ct), id, "Refused validation recorded", ValidationRefusalForm, ct);

    /// <summary>Any lifecycle action with an optional text and grounds: acknowledge, clarify, refuse, withdraw, confirm…</summary>
    public async Task<IActionResult> OnPostActionAsync(Guid id, string trigger, CancellationToken ct)
    {
        if (!Wire.TryParse<RequestTrigger>(trigger, out var parsed))
        {
            return BadRequest();
        }

        var parsedGrounds = new List<RefusalGround>();
        foreach (var g in Grounds)
        {
            if (!Wire.TryParse<RefusalGround>(g, out var ground))
            {
                // As the API does: a ground the broker does not know is refused, not dropped from the refusal.
                return await RefuseAsync(id, ActionForm(parsed), new() { ["grounds"] = $"'{g}' is not a ground of refusal; nothing was recorded." }, ct);
            }

            parsedGrounds.Add(ground);
        }

        try
        {
            var input = new ActionInput(string.IsNullOrWhiteSpace(Text) ? null : Text.Trim(), parsedGrounds.Count > 0 ? parsedGrounds : null);
            return await ReportAsync(await actions.ApplyAsync(Me, id, parsed, input, ct), id, PortalText.Trigger(parsed), ActionForm(parsed), ct);
        }
        catch (InvalidTransitionException e)
        {
            TempData["Flash"] = $"Not possible now: the request is {PortalText.StateInSentence(e.State)}.";
            return RedirectToPage(new { id });
        }
    }

    public async Task<IActionResult> OnPostProduceAsync(Guid id, IFormFile? package, CancellationToken ct)
    {
        if (package is null || package.Length == 0)
        {
            return await RefuseAsync(id, ProduceForm, new() { ["package"] = "Choose the file to upload." }, ct);
        }

        await using var body = package.OpenReadStream();
        try
        {
            var name = Path.GetFileName(package.FileName);
            var type = string.IsNullOrWhiteSpace(package.ContentType) ? "application/octet-stream" : package.ContentType;
            return await ReportAsync(await productions.ProduceAsync(Me, id, OnlyPart, name, type, body, ct), id,
                PortalText.Trigger(OnlyPart ? RequestTrigger.ProducePartially : RequestTrigger.Produce), ProduceForm, ct);
        }
        catch (InvalidTransitionException e)
        {
            TempData["Flash"] = $"Not possible now: the request is {PortalText.StateInSentence(e.State)}.";
            return RedirectToPage(new { id });
        }
    }

    public async Task<IActionResult> OnGetProductionAsync(Guid id, Guid productionId, CancellationToken ct)
    {
        if (this.RefuseHead() is { } head)
        {
            return head;
        }

        var (result, production, content) = await productions.OpenProductionAsync(Me, id, productionId, sent: true, ct); // a HEAD was refused
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
    public async Task<IActionResult> OnGetDossierAsync(
        [FromServices] Exports.DocumentDownloads downloads, [FromServices] Audit.AuditSigningKey key, Guid id, CancellationToken ct)
    {
        if (this.RefuseHead() is { } head)
        {
            return head;
        }

        var data = await Exports.DossierQuery.LoadAsync(db, key, Me, id, clock.GetUtcNow(), ct);
        if (data is null)
        {
            return NotFound();
        }

        var (pdf, name) = await downloads.DossierAsync(Me, data, sent: true, ct); // a HEAD was refused
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

    /// <summary>What became of a post in <paramref name="form"/>: said at the top of the page, or the form again if its input was refused.</summary>
    private async Task<IActionResult> ReportAsync(ActionResult result, Guid id, string what, string form, CancellationToken ct)
    {
        switch (result)
        {
            case ActionResult.Done done:
                TempData["Flash"] = $"{what}: done. The request is now {PortalText.StateInSentence(done.Request.State)}.";
                break;
            case ActionResult.NotFound:
                return NotFound();
            case ActionResult.Forbidden forbidden:
                TempData["Flash"] = forbidden.Reason;
                break;
            case ActionResult.Invalid invalid:
                return await RefuseAsync(id, form, invalid.Errors.ToDictionary(e => e.Key, e => string.Join(" ", e.Value), StringComparer.Ordinal), ct);
            case ActionResult.NotPermittedByPolicy refused:
                TempData["Flash"] = $"{refused.Title} {refused.Detail}";
                break;
            case ActionResult.WaitsOnMlat waits:
                TempData["Flash"] = $"Not possible now: {waits.Detail}";
                break;
        }

        return RedirectToPage(new { id });
    }

    /// <summary>
    /// The page again rather than a redirect, so that the refused form keeps what was typed (a reason may be long) and
    /// says what is wrong beside its fields. Should the form no longer be offered (the request moved on meanwhile), what
    /// is wrong is said at the top of the page instead.
    /// </summary>
    private async Task<IActionResult> RefuseAsync(Guid id, string form, Dictionary<string, string> errors, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct))
        {
            return NotFound();
        }

        if (!Offers(form))
        {
            TempData["Flash"] = string.Join(" ", errors.Values);
            return RedirectToPage(new { id });
        }

        RefusedForm = new RefusedForm(form, errors);
        return Page();
    }

    private bool Offers(string form) => form switch
    {
        ProduceForm => MayProduce,
        ValidationForm or ValidationRefusalForm => MayRecordValidation,
        _ => ActionForms.Any(t => ActionForm(t) == form),
    };
}
