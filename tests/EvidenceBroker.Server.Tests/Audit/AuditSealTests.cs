using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Audit;

/// <summary>
/// The broker seals what each write batch appends, in the batch's transaction, and a checkpoint vouches for the seals
/// it found. Against a live broker on SQLite and on PostgreSQL, with an entry added to its database from outside, as
/// someone who can write to the database (the append-only triggers refuse changes, not inserts) could.
/// </summary>
public sealed class AuditSealTests
{
    [Fact]
    public Task On_SQLite_filings_in_parallel_with_checkpoints_are_all_sealed_and_an_entry_added_from_outside_is_not() =>
        SealsHoldAsync(new BrokerFactory());

    [PostgresFact]
    public Task On_PostgreSQL_filings_in_parallel_with_checkpoints_are_all_sealed_and_an_entry_added_from_outside_is_not() =>
        SealsHoldAsync(new PostgresBrokerFactory());

    private static async Task SealsHoldAsync(BrokerFactory factory)
    {
        using var broker = factory;
        using var met = await broker.ClientAsync("met-case-system");

        // Checkpoints taken while filings are in flight land inside write batches whose entries are sealed only when
        // the batch commits: they must count those as sealed, not as added from outside.
        var filings = Enumerable.Range(0, 40).Select(_ => met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber())).ToList();
        var checkpoints = new List<AuditCheckpoint>();
        while (filings.Any(f => !f.IsCompleted))
        {
            if (await CheckpointAsync(broker) is { } checkpoint)
            {
                checkpoints.Add(checkpoint);
            }
        }

        foreach (var filing in filings)
        {
            using var response = await filing;
            response.EnsureSuccessStatusCode();
        }

        if (await CheckpointAsync(broker) is { } last) // null if the loop's last one saw the last filing
        {
            checkpoints.Add(last);
        }

        var sound = await VerifyAsync(broker);
        var seals = await broker.WithDbAsync(db => db.AuditSeals.AsNoTracking().OrderBy(s => s.LastSequence).ToListAsync());

        Assert.True(sound.Intact, sound.Reason);
        Assert.Equal(1, sound.SealedFrom);
        Assert.All(checkpoints, checkpoint => Assert.Equal(1, checkpoint.SealedFrom));
        Assert.All(seals.Zip(seals.Skip(1)), pair => Assert.Equal(pair.First.LastSequence + 1, pair.Second.FirstSequence));
        Assert.Equal(sound.Entries, seals[^1].LastSequence);

        var forged = await broker.WithDbAsync(TamperTests.AppendFromOutsideAsync);
        (await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber())).EnsureSuccessStatusCode();
        var vouchingForNothing = await CheckpointAsync(broker);
        var found = await VerifyAsync(broker);

        Assert.NotNull(vouchingForNothing);
        Assert.Null(vouchingForNothing.SealedFrom); // it still records the head, but cannot vouch for the entry it found unsealed
        Assert.False(found.Intact);
        Assert.Equal(forged, found.BrokenAt);
        Assert.Contains($"no seal of the broker covers entry {forged}", found.Reason, StringComparison.Ordinal);
    }

    private static async Task<AuditCheckpoint?> CheckpointAsync(BrokerFactory broker)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(CancellationToken.None);
    }

    private static Task<ChainVerification> VerifyAsync(BrokerFactory broker) =>
        broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, broker.Services.GetRequiredService<AuditSigningKey>(), CancellationToken.None));
}
