using System.Security.Cryptography;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;

namespace EvidenceBroker.Server.Exports;

/// <summary>
/// Records that a document left the broker: a request's dossier or MLAT draft, or a finished report. Who took which
/// file, and its SHA-256, is part of the record an oversight body may be asked about, like the download of a
/// production. The entries have subjects of their own ("dossier", "mlat-draft", "export"), so they do not join a
/// request's timeline, which its provider reads.
/// </summary>
public sealed class DocumentDownloads(BrokerDbContext db, AuditTrail audit)
{
    public const string Dossier = "dossier";
    public const string MlatDraft = "mlat-draft";
    public const string Export = "export";

    /// <summary>
    /// A request's dossier, rendered and, if it is <paramref name="sent"/> (not only its headers, for a HEAD), its
    /// download recorded: the API's and the portal's.
    /// </summary>
    public async Task<(byte[] Pdf, string FileName)> DossierAsync(Caller caller, DossierData data, bool sent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(data);
        var file = (DossierDocument.Render(data), $"dossier-{data.Request.Reference}.pdf");
        if (sent)
        {
            await RecordAsync(caller, Dossier, data.Request.Id.ToString(), file.Item2, file.Item1, ct);
        }

        return file;
    }

    /// <summary>A request's MLAT draft, rendered and, if it is <paramref name="sent"/>, its download recorded.</summary>
    public async Task<(byte[] Pdf, string FileName)> MlatDraftAsync(Caller caller, DossierData data, bool sent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(data);
        var file = (MlatDraftDocument.Render(data), $"mlat-draft-{data.Request.Reference}.pdf");
        if (sent)
        {
            await RecordAsync(caller, MlatDraft, data.Request.Id.ToString(), file.Item2, file.Item1, ct);
        }

        return file;
    }

    /// <summary>Records the download before the first byte leaves; a failed write sends nothing.</summary>
    public async Task RecordAsync(Caller caller, string subjectType, string subjectId, string fileName, byte[] content, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(content);
        await using var transaction = await db.BeginWriteAsync(ct);
        await audit.AppendAsync(db, caller, new AuditRecord(
            $"{subjectType}.downloaded", subjectType, subjectId,
            new { fileName, sha256 = Convert.ToHexStringLower(SHA256.HashData(content)), sizeBytes = content.Length }), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
