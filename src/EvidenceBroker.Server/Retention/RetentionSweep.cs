using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Retention;

/// <summary>What one sweep removed.</summary>
public sealed record RetentionResult(int IdempotencyKeys, int DeliveredWebhooks);

/// <summary>
/// Forgets Idempotency-Keys and delivered webhook messages older than their retention, so that tables written on
/// every filing do not grow for ever. Deletes a bounded number of rows per write turn, each turn with an audit entry
/// saying what went and up to when; run daily by Hangfire, safe to run twice or on two nodes at once.
/// </summary>
public sealed class RetentionSweep(BrokerDbContext db, AuditTrail audit, IOptions<RetentionOptions> options, TimeProvider clock)
{
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
        while (true)
        {
            var (keysNow, webhooksNow) = await SweepOneTurnAsync(keysBefore, webhooksBefore, settings.RowsPerTurn, ct);
            keys += keysNow;
            webhooks += webhooksNow;
            if (keysNow < settings.RowsPerTurn && webhooksNow < settings.RowsPerTurn)
            {
                return new RetentionResult(keys, webhooks);
            }
        }
    }

    private async Task<(int Keys, int Webhooks)> SweepOneTurnAsync(
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
        if (keys + webhooks > 0)
        {
            await audit.AppendAsync(db, Actor, AuditTrail.SystemRole, AuditTrail.SystemTenant, new AuditRecord(
                "retention.swept", "retention", RecurringJobId,
                new { idempotencyKeys = keys, idempotencyKeysCreatedBefore = keysBefore, deliveredWebhooks = webhooks, webhooksDeliveredBefore = webhooksBefore }),
                ct);
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return (keys, webhooks);
    }

    /// <summary>The Hangfire entry point; takes nothing, re-reads everything.</summary>
    [AutomaticRetry(Attempts = 3)]
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public Task RunAsync(CancellationToken ct) => SweepAsync(ct);
}
