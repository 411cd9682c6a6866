using System.Globalization;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Exports.Pdf;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Exports;

/// <summary>
/// The entries an audit trail export lists: those recorded from <see cref="From"/> to <see cref="To"/> (whole days, UTC,
/// inclusive), optionally only those about one subject type (and one subject) or of one action.
/// </summary>
public sealed record AuditTrailExportParameters(
    DateOnly From,
    DateOnly To,
    string? SubjectType = null,
    string? SubjectId = null,
    string? Action = null)
{
    /// <summary>The parameters of a request that <see cref="ExportsApi.CheckAuditTrail"/> found nothing wrong with.</summary>
    public static AuditTrailExportParameters Of(AuditTrailExportRequest checkedRequest)
    {
        ArgumentNullException.ThrowIfNull(checkedRequest);
        return new(checkedRequest.From!.Value, checkedRequest.To!.Value, checkedRequest.SubjectType, checkedRequest.SubjectId, checkedRequest.Action);
    }

    /// <summary>The export's file name, wherever it is made.</summary>
    public string FileName => $"audit-trail-{Formatting.Date(From)}-{Formatting.Date(To)}.pdf";
}

/// <summary>One entry as the export prints it: every hashed field, without the payload itself unless it is printed.</summary>
public sealed record AuditTrailLine(
    long Sequence, DateTimeOffset At, string ActorId, string ActorRole, string ActorTenant, string Action, string SubjectType, string SubjectId,
    string? StateBefore, string? StateAfter, string? PolicyVersion, string? Payload, string PayloadHash, string PreviousHash, string Hash);

/// <summary>The latest checkpoint the verification held the chain against, with its signature and the public key that checks it.</summary>
public sealed record AuditTrailCheckpoint(CheckpointCheck Check, long? Id, long? SealedFrom, string? Signature, string? PublicKeyPem);

public sealed record AuditTrailExportData(
    AuditTrailExportParameters Parameters,
    ChainVerification Chain,
    AuditTrailCheckpoint? Checkpoint,
    long ChainHead,
    long Matched,
    IReadOnlyList<AuditTrailLine> Entries,
    string RequestedBy,
    string RequestedByTenant,
    DateTimeOffset GeneratedAt);

public static class AuditTrailExportQuery
{
    /// <summary>Payloads are printed up to this length: the details of a suspension or a registration, not a whole report's totals.</summary>
    public const int PrintedPayloadLength = 2_000;

    /// <summary>The entries a period and filters select, in any order: counted when the export is asked for, read when it is built.</summary>
    public static IQueryable<AuditEntry> Matching(BrokerDbContext db, AuditTrailExportParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(parameters);
        var from = WholeDays.Start(parameters.From);
        var entries = db.AuditEntries.AsNoTracking().Where(e => e.At >= from);
        if (WholeDays.End(parameters.To) is { } end) { entries = entries.Where(e => e.At < end); }
        if (parameters.SubjectType is { } type) { entries = entries.Where(e => e.SubjectType == type); }
        if (parameters.SubjectId is { } id) { entries = entries.Where(e => e.SubjectId == id); }
        if (parameters.Action is { } action) { entries = entries.Where(e => e.Action == action); }
        return entries;
    }

    /// <summary>
    /// Verifies the whole chain first, as <c>GET /api/v1/audit/verify</c> does, and lists the matching entries up to the
    /// head it found then: an entry appended during the build is left out, not listed unverified.
    /// </summary>
    public static async Task<AuditTrailExportData> BuildAsync(
        BrokerDbContext db, AuditSigningKey key, AuditTrailExportParameters parameters, int maxEntries, string requestedBy, string requestedByTenant,
        DateTimeOffset now, ReportProgress? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(key);
        await progress.ReportAsync(10, "verifying the audit chain");
        var head = await db.AuditEntries.MaxAsync(e => (long?)e.Sequence, ct) ?? 0;
        var chain = await AuditVerifier.VerifyAsync(db, key, ct);
        var checkpoint = chain.Checkpoint is { } check ? await CheckpointAsync(db, key, check, ct) : null;

        await progress.ReportAsync(40, "reading entries");
        var matching = Matching(db, parameters).Where(e => e.Sequence <= head);
        var count = await matching.LongCountAsync(ct);

        // A payload about a request is its content, its decision or a note: the request's dossier shows them, and one
        // decision alone is some 6 KB. Other entries (a suspension's reason, who registered what) are printed.
        var entries = await matching
            .OrderBy(e => e.Sequence)
            .Take(maxEntries)
            .Select(e => new AuditTrailLine(
                e.Sequence, e.At, e.ActorId, e.ActorRole, e.ActorTenant, e.Action, e.SubjectType, e.SubjectId, e.StateBefore, e.StateAfter,
                e.PolicyVersion, e.SubjectType == "request" ? null : e.PayloadJson, e.PayloadHash, e.PreviousHash, e.Hash))
            .ToListAsync(ct);
        await progress.ReportAsync(70, "rendering");
        return new AuditTrailExportData(parameters, chain, checkpoint, head, count, entries, requestedBy, requestedByTenant, now);
    }

    private static async Task<AuditTrailCheckpoint> CheckpointAsync(BrokerDbContext db, AuditSigningKey key, CheckpointCheck check, CancellationToken ct)
    {
        var row = await db.AuditCheckpoints.AsNoTracking()
            .Where(c => c.Sequence == check.Sequence && c.HeadHash == check.HeadHash && c.KeyId == check.KeyId)
            .OrderByDescending(c => c.Id)
            .FirstOrDefaultAsync(ct);
        var publicKey = check.KeyId == key.KeyId ? key.PublicKeyPem : key.PreviousPublicKeysPem.GetValueOrDefault(check.KeyId);
        return new AuditTrailCheckpoint(check, row?.Id, row?.SealedFrom, row?.Signature, publicKey);
    }
}

/// <summary>Audit entries of a period, with the chain's verification when the export was produced, as oversight would file them.</summary>
public static class AuditTrailExportDocument
{
    public static byte[] Render(AuditTrailExportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var p = data.Parameters;
        var period = $"{Formatting.Date(p.From)} – {Formatting.Date(p.To)}";
        var filter = Filter(p);
        using var pdf = new PdfLayout();
        pdf.Title("Audit trail", $"Entries recorded {period} · {filter} · generated {Formatting.Time(data.GeneratedAt)}");

        pdf.Heading("1. What this export covers");
        var listed = data.Entries.Count;
        pdf.Fields(
        [
            ("Period", $"{period}: entries recorded from {Formatting.Date(p.From)} 00:00 UTC up to the end of {Formatting.Date(p.To)} (UTC)"),
            ("Subject", p.SubjectType is null ? "every subject" : p.SubjectId is null ? $"type {p.SubjectType}, any" : $"{p.SubjectType} {p.SubjectId}"),
            ("Action", p.Action ?? "every action"),
            ("Entries", listed == data.Matched
                ? $"{Formatting.Count(listed)}, every entry that matches, up to entry {Number(data.ChainHead)}"
                : $"the first {Formatting.Count(listed)} of {Formatting.Count(data.Matched)} that match up to entry {Number(data.ChainHead)}: more were " +
                  "recorded in this period after the export was asked for than one export holds; ask for the rest as a later period"),
            ("Produced", $"{Formatting.PreciseTime(data.GeneratedAt)}, for {data.RequestedBy} ({data.RequestedByTenant})"),
        ]);

        pdf.Heading("2. The chain when this export was produced");
        var chain = data.Chain;
        pdf.Fields(
        [
            ("Status", chain.Intact
                ? $"Intact: every entry's hash recomputed from its content and the entry before it, up to entry {Number(chain.IntactUpTo)}"
                : $"BROKEN at entry {Number(chain.BrokenAt ?? 0)}: {chain.Reason} Intact up to entry {Number(chain.IntactUpTo)}"),
            ("Summary", chain.Summary),
            ("Head", chain.Head ?? "none: the chain is empty or broken at its first entry"),
            ("Sealed", chain.SealedFrom switch
            {
                null => "no entry carries the broker's seal",
                1 => "every entry lies under the broker's seal: none was added to the database from outside",
                long from => $"every entry from {Number(from)} on lies under the broker's seal; those before were written before the broker sealed its writes",
            }),
            ("Latest signed checkpoint", data.Checkpoint is { } c ? Checkpoint(c) : "none signed yet"),
        ]);
        if (data.Checkpoint is { Signature: { } signature } signed)
        {
            pdf.Paragraph("The checkpoint's signature covers these lines, each ended by a line feed (UTF-8): \"evidence-broker audit checkpoint " +
                          "v1\" (\"v2\" when it vouches for seals), the entry it covers up to, its head hash, its signing time as shown, and for v2 the " +
                          "entry it is sealed from. Its signature (ECDSA P-256, IEEE P1363, base64) and the public key that checks it follow.", PdfStyle.Small);
            pdf.Paragraph(signature, PdfStyle.Hash);
            if (signed.PublicKeyPem is { } pem)
            {
                pdf.Paragraph(pem, PdfStyle.Hash);
            }
        }

        pdf.Heading("3. Entries");
        pdf.Paragraph("Each entry's hash is the SHA-256 of its fields (sequence, time to the tenth of a millisecond, actor id, role and tenant, action, " +
                      "subject type and id, state before and after, policy version, the SHA-256 of its payload) and of the previous entry's " +
                      "hash, in the canonical encoding the broker's audit verification uses: a changed, removed or reordered entry breaks the " +
                      "chain there. An entry's payload is printed unless it is about a request, whose content, decision and notes its " +
                      "decision dossier shows; its SHA-256 is always printed.", PdfStyle.Small);
        if (listed == 0)
        {
            pdf.Paragraph("No entry matches.");
        }
        else
        {
            pdf.Table(
                [new("#", 0.45f, PdfAlign.Right), new("When / actor", 1.75f), new("Action / subject / state", 1.8f),
                 new("Hash, previous hash, payload", 4.7f, Style: PdfStyle.Hash)],
                data.Entries.Select(e => (IReadOnlyList<string>)
                [
                    Number(e.Sequence),
                    $"{Formatting.PreciseTime(e.At)}\n{e.ActorRole} {e.ActorId}\n{e.ActorTenant}",
                    $"{e.Action}\n{e.SubjectType} {e.SubjectId}" + (e.StateBefore is null && e.StateAfter is null ? string.Empty : $"\n{e.StateBefore ?? "—"} → {e.StateAfter ?? "—"}") +
                    (e.PolicyVersion is null ? string.Empty : $"\npolicy {e.PolicyVersion}"),
                    $"hash {e.Hash}\nprev {e.PreviousHash}\npayload sha256 {e.PayloadHash}" + Payload(e) + Unverified(e, chain),
                ]));
        }

        return pdf.Render(new PdfInfo("Audit trail " + period, "Audit trail export", "Evidence Broker", "audit trail; hash chain; oversight",
            $"Audit trail {period} · {filter} · generated {Formatting.Time(data.GeneratedAt)}", data.GeneratedAt));
    }

    private static string Filter(AuditTrailExportParameters p)
    {
        var parts = new[]
        {
            p.SubjectType is null ? null : p.SubjectId is null ? $"subject type {p.SubjectType}" : $"subject {p.SubjectType} {p.SubjectId}",
            p.Action is null ? null : $"action {p.Action}",
        }.Where(f => f is not null);
        var filter = string.Join(", ", parts);
        return filter.Length > 0 ? filter : "every subject and action";
    }

    private static string Checkpoint(AuditTrailCheckpoint c)
    {
        var check = c.Check;
        var id = c.Id is { } number ? $"#{Number(number)}, " : string.Empty;
        var sealedFrom = c.SealedFrom is { } from ? $"; vouches that every entry from {Number(from)} on is sealed" : string.Empty;
        return $"{id}entries up to {Number(check.Sequence)}, head hash {check.HeadHash}, signed {AuditCheckpoint.SignedTime(check.At)}, key {check.KeyId}; " +
               $"signature {(check.SignatureValid ? "valid" : "NOT valid")}; {(check.Covered ? "the chain holds it" : "the chain does NOT hold it")}{sealedFrom}";
    }

    private static string Payload(AuditTrailLine e) => e.Payload switch
    {
        null => string.Empty,
        { Length: <= AuditTrailExportQuery.PrintedPayloadLength } payload => $"\n{payload}",
        var payload => $"\n{payload[..AuditTrailExportQuery.PrintedPayloadLength]}… ({Formatting.Count(payload.Length)} characters; the rest is left out)",
    };

    /// <summary>Entries from the break on are listed as stored, and said to be unverified.</summary>
    private static string Unverified(AuditTrailLine e, ChainVerification chain) =>
        chain.BrokenAt is { } broken && e.Sequence >= broken ? $"\nNOT VERIFIED: the chain is broken at entry {Number(broken)}" : string.Empty;

    /// <summary>An entry's or a checkpoint's number, as the verification report and the dossier write it.</summary>
    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
