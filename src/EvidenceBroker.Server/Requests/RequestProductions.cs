using System.Globalization;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Requests;

/// <summary>
/// What a provider produces and the agency downloads: packages kept in <see cref="ProductionStore"/>, recorded through
/// the lifecycle's action pipeline (<see cref="RequestActions"/>), every download audited. Used by the API and the
/// portal alike.
/// </summary>
public sealed class RequestProductions(BrokerDbContext db, RequestActions actions, AuditTrail audit, ProductionStore store, TimeProvider clock)
{
    /// <summary>A package's name and type as the productions table holds them (255 and 100 characters), or why not.</summary>
    private static ActionResult.Invalid? PackageProblem(string? fileName, string? contentType)
    {
        // Formatting characters are invisible and reorder what is shown: U+202E makes "\u202Egpj.exe" read "exe.jpg"
        // in the agency's download.
        if (fileName is null || fileName.Length is 0 or > 255 || fileName is "." or ".."
            || fileName.Any(c => char.IsControl(c) || c is '/' or '\\' || char.GetUnicodeCategory(c) == UnicodeCategory.Format))
        {
            return new ActionResult.Invalid(new Dictionary<string, string[]>
            {
                ["fileName"] = ["Name the package (1–255 characters, no path separators, control or invisible formatting characters)."],
            });
        }

        return contentType is null || contentType.Length > 100 || !Production.IsServable(contentType)
            ? new ActionResult.Invalid(new Dictionary<string, string[]> { ["Content-Type"] = ["A media type such as application/zip, in at most 100 characters."] })
            : null;
    }

    /// <summary>
    /// Streams a response package to storage, then records the production. The package is checked for who may
    /// send it before a byte is stored, and removed again if the production cannot be recorded.
    /// </summary>
    public async Task<ActionResult> ProduceAsync(
        Caller caller, Guid requestId, bool partial, string fileName, string contentType, Stream body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (PackageProblem(fileName, contentType) is { } invalid)
        {
            return invalid;
        }

        var trigger = partial ? RequestTrigger.ProducePartially : RequestTrigger.Produce;
        var request = await db.RequestsVisibleTo(caller).AsNoTracking().SingleOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return new ActionResult.NotFound();
        }

        if (RequestActions.WhoMay(caller, request, trigger) is { } refusal)
        {
            return new ActionResult.Forbidden(refusal);
        }

        if (!request.CanFire(trigger))
        {
            throw RequestActions.NotNow(caller, request, trigger);
        }

        var productionId = RowIds.Version7(clock.GetUtcNow());
        var (path, size, sha256) = await store.SaveAsync(requestId, productionId, body, ct);
        if (size == 0)
        {
            // A body lost on the way (a stream already read, a forgotten file) would otherwise end the request as
            // produced, with nothing to download and no way to upload the real package.
            store.Delete(path);
            return new ActionResult.Invalid(new Dictionary<string, string[]> { ["package"] = ["The package is empty: send the file's content."] });
        }

        try
        {
            var result = await actions.RecordProductionAsync(caller, requestId, trigger, (now, _) =>
            {
                db.Productions.Add(new Production
                {
                    Id = productionId, RequestId = requestId, FileName = fileName, ContentType = contentType, SizeBytes = size,
                    Sha256 = sha256, StoredPath = path, Partial = partial, UploadedBy = caller.DisplayName, UploadedAt = now,
                });
                return new { productionId, fileName, size, sha256, partial };
            }, ct);
            if (result is not ActionResult.Done)
            {
                store.Delete(path);
            }

            return result;
        }
        catch
        {
            store.Delete(path);
            throw;
        }
    }

    /// <summary>Who downloads what was produced: the requesting agency, whoever of it reads its requests.</summary>
    public static ActionRole Downloader { get; } = new(TenantKind.Agency, BrokerScopes.RequestsRead, "Only the requesting agency can download what was produced.");

    /// <summary>
    /// Opens a production for the requesting agency only (oversight sees metadata, never content). The download
    /// is audited before the first byte leaves; one that is not <paramref name="sent"/> (a HEAD, its headers only) is
    /// not, and takes no writers' turn.
    /// </summary>
    public async Task<(ActionResult Result, Production? Production, Stream? Content)> OpenProductionAsync(
        Caller caller, Guid requestId, Guid productionId, bool sent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        // Both before the writers' turn, which every node waits for: a guessed id, or a caller who sees the request but
        // may not download (its provider, oversight), must not hold it up. An agency sees only its own requests.
        if (!await db.SeesRequestAsync(caller, requestId, ct))
        {
            return (new ActionResult.NotFound(), null, null);
        }

        if (Downloader.RefusalOf(caller) is { } refused)
        {
            return (new ActionResult.Forbidden(refused), null, null);
        }

        await using var transaction = sent ? await db.BeginWriteAsync(ct) : null;
        var request = await db.RequestsVisibleTo(caller).AsNoTracking().SingleOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return (new ActionResult.NotFound(), null, null);
        }

        var production = await db.Productions.AsNoTracking().SingleOrDefaultAsync(p => p.Id == productionId && p.RequestId == requestId, ct);
        if (production is null)
        {
            return (new ActionResult.NoSuchProduction(productionId), null, null);
        }

        // Decided in the writers' turn, which a refusal of validation also takes: no download slips past one.
        if (await EmergencyValidation.RefusedAsync(db, requestId, ct))
        {
            return (new ActionResult.Forbidden(
                "The emergency order was refused validation afterwards (Art. 4(5)): what was produced under it is no longer released."), null, null);
        }

        // Opened first: a package that cannot be read is not recorded as downloaded.
        var content = store.Open(production.StoredPath);
        if (!sent)
        {
            return (new ActionResult.Done(RequestResource.From(request)), production, content);
        }

        try
        {
            await audit.AppendAsync(db, caller, new AuditRecord("production.downloaded", "request", requestId.ToString(),
                new { productionId, production.Sha256, production.SizeBytes }), ct);
            await db.SaveChangesAsync(ct);
            await transaction!.CommitAsync(ct);
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }

        return (new ActionResult.Done(RequestResource.From(request)), production, content);
    }
}
