using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Hosting;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Portal.Pages.Oversight;

/// <summary>
/// Audit-chain status: every hash recomputed now and checked against the signed checkpoints (which alone show a tail
/// cut off), as <c>GET /api/v1/audit/verify</c> does, and the latest entries; and the audit trail of a period as PDF,
/// as the API's export makes it, for periods small enough to lay out while the browser waits.
/// </summary>
public sealed class AuditModel(BrokerDbContext db, AuditSigningKey key, WholeStoreLimit limit) : PageModel
{
    /// <summary>
    /// The most entries the portal lays out while its user waits (about 1.5 s of work); the API's queued export takes
    /// up to <see cref="ExportOptions.AuditTrailMaxEntries"/>.
    /// </summary>
    public const int PortalTrailEntries = 2_000;

    public ChainVerification Chain { get; private set; } = null!;
    public List<AuditEntry> Latest { get; private set; } = [];

    /// <summary>An entry among the latest holds a value the broker never writes, such as a time that is no instant.</summary>
    public bool LatestUnreadable { get; private set; }

    [BindProperty(SupportsGet = true)] public DateOnly? From { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? SubjectType { get; set; }
    [BindProperty(SupportsGet = true)] public string? SubjectId { get; set; }
    [BindProperty(SupportsGet = true)] public string? AuditAction { get; set; }

    public Dictionary<string, string> Errors { get; } = [];

    /// <summary>Every showing of the page verifies the whole chain, and so takes a <see cref="WholeStoreLimit"/> permit.</summary>
    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (await limit.RefusalPageAsync(HttpContext) is { } tooMany)
        {
            return tooMany;
        }

        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Chain = await AuditVerifier.VerifyAsync(db, key, ct);
        try
        {
            Latest = await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Sequence).Take(30).ToListAsync(ct);
        }
        catch (Exception e) when (!Chain.Intact && e is ArgumentException or InvalidOperationException or FormatException)
        {
            // Reading the entries failed on a value written from outside; the verification above says where. An intact
            // chain holds no such value, so there the failure is the broker's own and goes on as one.
            LatestUnreadable = true;
        }
    }

    /// <summary>The audit trail of a period as PDF/A; its download is recorded with its hash, as every report's is.</summary>
    public async Task<IActionResult> OnGetTrailAsync([FromServices] DocumentDownloads downloads, [FromServices] TimeProvider clock, CancellationToken ct)
    {
        if (this.RefuseHead() is { } head)
        {
            return head;
        }

        // Refused or not, the answer walks the chain: the page again with its verification, or the trail with its own.
        if (await limit.RefusalPageAsync(HttpContext) is { } tooMany)
        {
            return tooMany;
        }

        var request = new AuditTrailExportRequest(From, To, Blank(SubjectType), Blank(SubjectId), Blank(AuditAction));
        foreach (var (field, messages) in ExportsApi.CheckAuditTrail(request))
        {
            Errors[field] = messages[0];
        }

        // A date that could not be read binds as none, which the check above calls missing.
        if (ModelState[nameof(From)]?.Errors.Count > 0) { Errors["from"] = QueryFilters.DateRule; }
        if (ModelState[nameof(To)]?.Errors.Count > 0) { Errors["to"] = QueryFilters.DateRule; }

        var parameters = Errors.Count > 0 ? null : AuditTrailExportParameters.Of(request);
        if (parameters is not null && await AuditTrailExportQuery.Matching(db, parameters).LongCountAsync(ct) is var matching && matching > PortalTrailEntries)
        {
            Errors["from"] = $"{matching:N0} entries match; the portal lays out at most {PortalTrailEntries:N0} at once. Choose a shorter period, " +
                             "one subject or one action, or order the export through the API (POST /api/v1/exports/audit-trails), which takes more.";
        }

        if (Errors.Count > 0)
        {
            await LoadAsync(ct);
            return Page();
        }

        var caller = Caller.From(User)!;
        var data = await AuditTrailExportQuery.BuildAsync(
            db, key, parameters!, PortalTrailEntries, caller.Subject, caller.Tenant.ToString(), clock.GetUtcNow(), progress: null, ct);
        var pdf = AuditTrailExportDocument.Render(data);
        await downloads.RecordAsync(caller, DocumentDownloads.Export, "audit-trail", parameters!.FileName, pdf, ct);
        return File(pdf, "application/pdf", parameters.FileName);
    }

    /// <summary>The first twelve characters of a hash, as the page shows it; all of one that is shorter (written from outside).</summary>
    public static string Abbreviated(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
