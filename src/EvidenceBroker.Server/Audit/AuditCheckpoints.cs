using EvidenceBroker.Server.Jobs;
using EvidenceBroker.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Audit;

/// <summary>Signs the chain head. Run by Hangfire every few minutes; safe to run twice or on two nodes at once.</summary>
public sealed class AuditCheckpoints(BrokerDbContext db, AuditSigningKey key, TimeProvider clock, ILogger<AuditCheckpoints> logger)
{
    public const string RecurringJobId = "audit-checkpoint";

    /// <summary>Writes a checkpoint when the head moved since the last one; returns it, or null when nothing moved.</summary>
    public async Task<AuditCheckpoint?> WriteIfMovedAsync(CancellationToken ct)
    {
        // The write transaction serialises with appenders (and with other nodes on PostgreSQL), so the head read
        // here is the head that gets signed.
        await using var transaction = await db.BeginWriteAsync(ct);
        var head = await db.AuditEntries.AsNoTracking()
            .OrderByDescending(e => e.Sequence)
            .Select(e => new { e.Sequence, e.Hash })
            .FirstOrDefaultAsync(ct);
        if (head is null)
        {
            return null;
        }

        var last = await db.AuditCheckpoints.AsNoTracking()
            .Where(c => c.KeyId == key.KeyId)
            .OrderByDescending(c => c.Sequence)
            .Select(c => (long?)c.Sequence)
            .FirstOrDefaultAsync(ct);
        if (last >= head.Sequence)
        {
            return null;
        }

        var at = AuditHashing.Normalise(clock.GetUtcNow());
        var sealedFrom = await SealedFromAsync(head.Sequence, ct);
        var checkpoint = new AuditCheckpoint
        {
            Sequence = head.Sequence,
            HeadHash = head.Hash,
            At = at,
            KeyId = key.KeyId,
            Algorithm = AuditCheckpoint.EcdsaP256Sha256,
            SealedFrom = sealedFrom,
            Signature = key.Sign(AuditCheckpoint.MessageFor(head.Sequence, head.Hash, at, sealedFrom)),
        };
        db.AuditCheckpoints.Add(checkpoint);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("Audit checkpoint at entry {Sequence} signed by key {KeyId}", head.Sequence, key.KeyId);
        return checkpoint;
    }

    /// <summary>
    /// The entry from which every entry up to <paramref name="head"/> lies under a valid seal, for the checkpoint to
    /// vouch for; null, and logged, when an entry lies under none: the checkpoint then still records the head, but
    /// vouches for no seal, and verification keeps finding the unsealed entry. Null too while nothing is sealed.
    /// </summary>
    private async Task<long?> SealedFromAsync(long head, CancellationToken ct)
    {
        var vouching = await db.AuditCheckpoints.AsNoTracking()
            .Where(c => c.SealedFrom != null)
            .OrderByDescending(c => c.Sequence)
            .Take(20)
            .ToListAsync(ct);
        var seals = await SealCoverage.ReadAsync(db, vouching, key, ct);
        if (seals.SealedFrom is not { } sealedFrom)
        {
            return null;
        }

        // What the open batch appended is sealed when it commits, in the transaction that writes this checkpoint.
        var through = db.ChainCursor?.UnsealedFrom is { } pending ? pending - 1 : head;
        if (seals.FirstUnsealed(through, key) is { } unsealed)
        {
            logger.LogError("Audit checkpoint at entry {Sequence} vouches for no seal: {Reason}", head, unsealed.Reason);
            return null;
        }

        return sealedFrom;
    }

    /// <summary>The Hangfire entry point; takes nothing, re-reads everything.</summary>
    [AutomaticRetry(Attempts = 3)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task RunAsync(CancellationToken ct) => WriteIfMovedAsync(ct);
}

/// <summary>Registers the recurring checkpoint job when the host starts.</summary>
internal sealed class AuditCheckpointSchedule(
    IRecurringJobManager jobs, JobStorage storage, IOptions<AuditOptions> options, AuditSigningKey key, ILogger<AuditCheckpointSchedule> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var minutes = options.Value.CheckpointIntervalMinutes;
        RecurringSchedules.AddOrKeep(logger, storage, AuditCheckpoints.RecurringJobId, () =>
            jobs.AddOrUpdate<AuditCheckpoints>(AuditCheckpoints.RecurringJobId, c => c.RunAsync(CancellationToken.None), $"*/{minutes} * * * *"));
        logger.LogInformation("Audit checkpoints every {Minutes} min, signed by key {KeyId} ({Origin})", minutes, key.KeyId, key.Origin);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
