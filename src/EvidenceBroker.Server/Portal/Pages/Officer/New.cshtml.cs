using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using EvidenceBroker.Server.Hosting;
using Microsoft.AspNetCore.RateLimiting;

namespace EvidenceBroker.Server.Portal.Pages.Officer;

/// <summary>
/// The request form (domain.md §3). The preview handler answers the page's script as the officer types; filing
/// goes through <see cref="RequestIntake"/>, the same service the API uses, under the officer's own tenant.
/// </summary>
/// <remarks>
/// The form may be larger than the API's JSON limit: form encoding spells each Cyrillic or Greek letter in six bytes,
/// so a justification, offence and threat within the validator's lengths come to about 71 KB.
/// </remarks>
[BodySizeLimit(PortalExtensions.FormBytes)]
[EnableRateLimiting(RateLimiting.IntakePolicy)] // filing through the form counts as filing through the API
public sealed class NewModel(BrokerDbContext db, PortalPreview preview, RequestIntake intake) : PageModel
{
    [BindProperty]
    public RequestForm Form { get; set; } = new();

    public List<ReferenceData.Provider> Providers { get; private set; } = [];
    public string? AgencyName { get; private set; }
    public Caller Officer => Caller.From(User) ?? throw new InvalidOperationException("The portal policy admits only tenants.");

    /// <summary>What stops the form being filed, by field as the form names it: shown with the field, and in the summary at the top.</summary>
    public Dictionary<string, string> Errors { get; private set; } = [];
    public PreviewDecision? Decision { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Form.SubmissionKey = Guid.NewGuid().ToString("N");
        Form.Urgency = "standard";
        await LoadAsync(ct);
    }

    /// <summary>Live preview: validation errors by field and the engine's decision, as JSON for portal.js.</summary>
    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var content = Form.ToContent(Officer.Tenant.Country ?? "", Officer.Tenant.Id, errors);
        var result = await preview.PreviewAsync(content, errors, ct);
        return new JsonResult(result with { Errors = Form.ByFormField(result.Errors) });
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var content = Form.ToContent(Officer.Tenant.Country ?? "", Officer.Tenant.Id, errors);
        if (errors.Count == 0)
        {
            var key = Form.SubmissionKey is { Length: > 0 and <= 64 } k ? "portal-" + k : null;
            switch (await intake.FileAsync(Officer, content, key, ct))
            {
                case IntakeResult.Filed filed:
                    TempData["Flash"] = $"Request {filed.Request.Reference} filed: {PortalText.Outcome(filed.Request.Outcome)}.";
                    return RedirectToPage("/Requests/Detail", new { id = filed.Request.Id });
                case IntakeResult.Invalid invalid:
                    foreach (var (field, messages) in invalid.Errors) { errors[field] = messages; }
                    break;
                case IntakeResult.KeyReused:
                    errors[""] = ["This form was already filed with different content. Reload the page to start a new request."];
                    break;
            }
        }

        // The preview adds what the form's own reading did not find (a field left empty, say), so that every error shows
        // at once; it keeps those already found.
        var previewed = await preview.PreviewAsync(content, errors, ct);
        Errors = Form.ByFormField(previewed.Errors).ToDictionary(e => e.Key, e => string.Join(" ", e.Value), StringComparer.Ordinal);
        Decision = previewed.Decision;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Providers = await db.Providers.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct);
        AgencyName = await db.Agencies.AsNoTracking().Where(a => a.Id == Officer.Tenant.Id).Select(a => a.Name).SingleOrDefaultAsync(ct);
        while (Form.IdentifierValues.Count < RequestForm.IdentifierRows) { Form.IdentifierValues.Add(""); }
        while (Form.IdentifierTypes.Count < RequestForm.IdentifierRows) { Form.IdentifierTypes.Add("email"); }
    }
}
