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
        // The seals written so far are checked first, outside the writers' turn, where checking thousands of them would
        // hold up every writer; inside it, only the few written since.
        var before = await CheckSealsBeforeTheTurnAsync(ct);

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
        var sealedFrom = before.Sound ? await SealedFromAsync(head.Sequence, before.CheckedUpTo, ct) : null;
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
    /// The seals of every entry committed by now, checked outside the writers' turn: how far, and whether each entry
    /// lay under one. If one did not, the checkpoint vouches for no seal (and the reason is logged).
    /// </summary>
    private async Task<(bool Sound, long CheckedUpTo)> CheckSealsBeforeTheTurnAsync(CancellationToken ct)
    {
        var committed = await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Sequence).Select(e => e.Sequence).FirstOrDefaultAsync(ct);
        var seals = await SealCoverage.ReadAsync(db, await VouchingCheckpointsAsync(ct), key, ct);
        if (seals.FirstUnsealed(committed, chainEndsThere: true, key) is { } unsealed)
        {
            logger.LogError("Audit checkpoints vouch for no seal: {Reason}", unsealed.Reason);
            return (false, committed);
        }

        return (true, committed);
    }

    /// <summary>
    /// The entry from which every entry up to <paramref name="head"/> lies under a valid seal, for the checkpoint to
    /// vouch for, given that those up to <paramref name="checkedUpTo"/> were checked before the turn; null, and
    /// logged, when an entry lies under none: the checkpoint then still records the head, but vouches for no seal, and
    /// verification keeps finding the unsealed entry. Null too while nothing is sealed.
    /// </summary>
    private async Task<long?> SealedFromAsync(long head, long checkedUpTo, CancellationToken ct)
    {
        var seals = await SealCoverage.ReadAsync(db, await VouchingCheckpointsAsync(ct), key, ct, checkedUpTo);
        if (seals.SealedFrom is not { } sealedFrom || sealedFrom > head)
        {
            return null;
        }

        // What the open batch appended is sealed when it commits, in the transaction that writes this checkpoint.
        var through = db.ChainCursor?.UnsealedFrom is { } pending ? pending - 1 : head;
        if (seals.FirstUnsealed(through, chainEndsThere: true, key) is { } unsealed)
        {
            logger.LogError("Audit checkpoint at entry {Sequence} vouches for no seal: {Reason}", head, unsealed.Reason);
            return null;
        }

        return sealedFrom;
    }

    /// <summary>The newest checkpoints that say they vouch for seals, under a key this broker can check (their signatures are checked by the caller).</summary>
    private Task<List<AuditCheckpoint>> VouchingCheckpointsAsync(CancellationToken ct)
    {
        var keyIds = key.KeyIds;
        return db.AuditCheckpoints.AsNoTracking()
            .Where(c => c.SealedFrom != null && keyIds.Contains(c.KeyId))
            .OrderByDescending(c => c.Sequence)
            .Take(20)
            .ToListAsync(ct);
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
