using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Retention;

/// <summary>What one sweep removed.</summary>
public sealed record RetentionResult(int IdempotencyKeys, int DeliveredWebhooks, int UnrecordedPackages = 0, int ReportIdempotencyKeys = 0);

/// <summary>
/// Forgets Idempotency-Keys and delivered webhook messages older than their retention, so that tables written on
/// every filing do not grow for ever, and removes production packages whose production was never recorded. Deletes a
/// bounded number of rows per write turn, each turn with an audit entry saying what went and up to when; run daily by
/// Hangfire, safe to run twice or on two nodes at once.
/// </summary>
public sealed class RetentionSweep(
    BrokerDbContext db, AuditTrail audit, IOptions<RetentionOptions> options, TimeProvider clock, ProductionStore packages,
    ILogger<RetentionSweep> logger)
{
    /// <summary>
    /// How old a package without a production must be before it is removed: an upload is recorded seconds after its
    /// file is written, so a younger one may still be on its way.
    /// </summary>
    public static readonly TimeSpan UnrecordedPackageAge = TimeSpan.FromDays(1);

    public const string RecurringJobId = "retention-sweep";
    public const string Actor = "retention";

    public async Task<RetentionResult> SweepAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var keysBefore = now.AddDays(-settings.IdempotencyKeyDays);
        var webhooksBefore = now.AddDays(-settings.DeliveredWebhookDays);
        var keys = 0;
        var webhooks = 0;
        var reportKeys = 0;
        while (true)
        {
            var (keysNow, webhooksNow, reportKeysNow) = await SweepOneTurnAsync(keysBefore, webhooksBefore, settings.RowsPerTurn, ct);
            keys += keysNow;
            webhooks += webhooksNow;
            reportKeys += reportKeysNow;
            if (keysNow < settings.RowsPerTurn && webhooksNow < settings.RowsPerTurn && reportKeysNow < settings.RowsPerTurn)
            {
                return new RetentionResult(keys, webhooks, await RemoveUnrecordedPackagesAsync(now - UnrecordedPackageAge, settings.RowsPerTurn, ct), reportKeys);
            }
        }
    }

    /// <summary>
    /// Evidence data a provider sent whose production was never recorded (the node stopped between storing and
    /// recording it): personal data the broker holds without any record of it. Removed, and the removal recorded.
    /// </summary>
    private async Task<int> RemoveUnrecordedPackagesAsync(DateTimeOffset writtenBefore, int perTurn, CancellationToken ct)
    {
        var removed = 0;
        foreach (var chunk in packages.StoredBefore(writtenBefore).Chunk(perTurn))
        {
            var ids = chunk.Select(p => p.ProductionId).ToList();

            // In the writers' turn, which a production's recording also takes and which another sweep waits for: the
            // files still there and still old are recorded, and removed once the record is committed. Evidence data is
            // never removed without its record; a removal that then fails is recorded again by the next sweep.
            List<string> unrecorded;
            await using (var transaction = await db.BeginWriteAsync(ct))
            {
                var recorded = (await db.Productions.AsNoTracking().Where(p => ids.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct)).ToHashSet();
                unrecorded = [.. chunk.Where(p => !recorded.Contains(p.ProductionId) && packages.WrittenBefore(p.RelativePath, writtenBefore))
                    .Select(p => p.RelativePath)];
                if (unrecorded.Count == 0)
                {
                    continue;
                }

                await audit.AppendAsync(db, Actor, AuditTrail.SystemRole, AuditTrail.SystemTenant, new AuditRecord(
                    "retention.unrecorded-packages-removed", "retention", RecurringJobId, new { files = unrecorded, writtenBefore }), ct);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
            }

            // Each file on its own: one that cannot be removed (a permission, a disk fault) must not keep the others,
            // which the committed record names, on disk. The trail then says which were not removed after all; still
            // unrecorded as productions, they are recorded and tried again by the next sweep.
            var kept = new List<string>();
            foreach (var path in unrecorded)
            {
                try
                {
                    packages.Delete(path);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    logger.LogWarning(e, "Retention: the unrecorded package {Path} could not be removed; the next sweep tries again", path);
                    kept.Add(path);
                }
            }

            if (kept.Count > 0)
            {
                await using var transaction = await db.BeginWriteAsync(ct);
                await audit.AppendAsync(db, Actor, AuditTrail.SystemRole, AuditTrail.SystemTenant, new AuditRecord(
                    "retention.unrecorded-packages-not-removed", "retention", RecurringJobId, new { files = kept }), ct);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
            }
        }

        return removed;
    }

    private async Task<(int Keys, int Webhooks, int ReportKeys)> SweepOneTurnAsync(
        DateTimeOffset keysBefore, DateTimeOffset webhooksBefore, int rows, CancellationToken ct)
    {
        await using var transaction = await db.BeginWriteAsync(ct);
        var keys = await db.IdempotencyRecords
            .Where(k => k.CreatedAt < keysBefore)
            .OrderBy(k => k.CreatedAt)
            .Take(rows)
            .ExecuteDeleteAsync(ct);
        var webhooks = await db.Outbox
            .Where(m => m.DeliveredAt != null && m.DeliveredAt < webhooksBefore)
            .OrderBy(m => m.DeliveredAt)
            .Take(rows)
            .ExecuteDeleteAsync(ct);
        // A report order's key is forgotten too (the order itself is kept): after that, the same key orders anew.
        var reportKeys = await db.ExportJobs
            .Where(j => j.IdempotencyKey != null && j.CreatedAt < keysBefore)
            .OrderBy(j => j.CreatedAt)
            .Take(rows)
            .ExecuteUpdateAsync(set => set.SetProperty(j => j.IdempotencyKey, (string?)null), ct);
        if (keys + webhooks + reportKeys > 0)
        {
            await audit.AppendAsync(db, Actor, AuditTrail.SystemRole, AuditTrail.SystemTenant, new AuditRecord(
                "retention.swept", "retention", RecurringJobId,
                new
                {
                    idempotencyKeys = keys, reportIdempotencyKeys = reportKeys, idempotencyKeysCreatedBefore = keysBefore,
                    deliveredWebhooks = webhooks, webhooksDeliveredBefore = webhooksBefore,
                }),
                ct);
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return (keys, webhooks, reportKeys);
    }

    /// <summary>The Hangfire entry point; takes nothing, re-reads everything.</summary>
    [AutomaticRetry(Attempts = 3)]
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public Task RunAsync(CancellationToken ct) => SweepAsync(ct);
}
