using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// Changes share one PostgreSQL transaction per write batch, each inside its savepoint. What must hold: a write batch
/// whose transaction was aborted never acknowledges the changes it held (PostgreSQL answers COMMIT on an aborted
/// transaction by rolling it back, without an error); a change whose savepoint travels in its own insert batch
/// still fails alone when a row is refused; and a change undone after its rows joined the batch takes the batch down
/// with it rather than leaving its rows behind.
/// </summary>
public sealed class PostgresGroupCommitTests
{
    [PostgresFact]
    public async Task A_batch_whose_transaction_was_aborted_fails_every_change_in_it_instead_of_acknowledging_them()
    {
        await using var broker = new PostgresBrokerFactory();
        await broker.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("CREATE TABLE probe (writer INTEGER NOT NULL)"));
        await using var first = broker.Services.CreateAsyncScope();
        await using var second = broker.Services.CreateAsyncScope();
        var committer = first.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var breaker = second.ServiceProvider.GetRequiredService<BrokerDbContext>();

        var committed = await committer.BeginWriteAsync(CancellationToken.None);
        var queued = breaker.BeginWriteAsync(CancellationToken.None); // so the first change waits for the batch to end
        await committer.Database.ExecuteSqlAsync($"INSERT INTO probe (writer) VALUES (1)");
        var acknowledged = committed.CommitAsync();

        await using (await queued)
        {
            // A change that lost its savepoint and then failed: nothing can undo the abort but the whole batch.
            await breaker.Database.ExecuteSqlRawAsync($"RELEASE SAVEPOINT {GroupCommit.SavepointName}");
            await Assert.ThrowsAnyAsync<Exception>(() => breaker.Database.ExecuteSqlRawAsync("SELECT 1/0"));
        }

        await Assert.ThrowsAnyAsync<Exception>(() => acknowledged);
        Assert.Equal(0, await broker.WithDbAsync(db => db.Database.SqlQueryRaw<int>("SELECT count(*)::int AS \"Value\" FROM probe").SingleAsync()));
    }

    [PostgresFact]
    public async Task A_change_whose_savepoint_travels_with_its_rows_fails_alone_when_a_row_is_refused()
    {
        await using var broker = new PostgresBrokerFactory();
        await broker.WithDbAsync(db =>
        {
            db.IdempotencyRecords.Add(Key("taken"));
            return db.SaveChangesAsync();
        });
        await using var first = broker.Services.CreateAsyncScope();
        await using var second = broker.Services.CreateAsyncScope();
        var committer = first.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var refused = second.ServiceProvider.GetRequiredService<BrokerDbContext>();

        var committed = await committer.BeginInsertingWriteAsync(CancellationToken.None);
        var queued = refused.BeginInsertingWriteAsync(CancellationToken.None); // the same batch, after the first change
        committer.IdempotencyRecords.Add(Key("kept"));
        await committer.InsertAddedAsync(CancellationToken.None);
        var acknowledged = committed.CommitAsync();

        await using (await queued)
        {
            refused.IdempotencyRecords.Add(Key("taken"));
            await Assert.ThrowsAsync<DbUpdateException>(() => refused.InsertAddedAsync(CancellationToken.None));
        }

        await acknowledged;
        Assert.Equal(["kept", "taken"], await KeysAsync(broker));
    }

    [PostgresFact]
    public async Task A_change_undone_after_its_rows_joined_the_batch_fails_the_whole_batch()
    {
        await using var broker = new PostgresBrokerFactory();
        await using var first = broker.Services.CreateAsyncScope();
        await using var second = broker.Services.CreateAsyncScope();
        var committer = first.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var undone = second.ServiceProvider.GetRequiredService<BrokerDbContext>();

        var committed = await committer.BeginInsertingWriteAsync(CancellationToken.None);
        var queued = undone.BeginInsertingWriteAsync(CancellationToken.None);
        committer.IdempotencyRecords.Add(Key("first"));
        await committer.InsertAddedAsync(CancellationToken.None);
        var acknowledged = committed.CommitAsync();

        await using (await queued)
        {
            undone.IdempotencyRecords.Add(Key("second"));
            await undone.InsertAddedAsync(CancellationToken.None); // its batch released its savepoint: no way back alone
        }

        await Assert.ThrowsAsync<DbUpdateException>(() => acknowledged);
        Assert.Empty(await KeysAsync(broker));
    }

    private static IdempotencyRecord Key(string key) => new()
    {
        ClientId = "group-commit-test", Key = key, BodyHash = new string('0', 64), RequestId = Guid.NewGuid(),
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    private static Task<List<string>> KeysAsync(PostgresBrokerFactory broker) => broker.WithDbAsync(db =>
        db.IdempotencyRecords.Where(k => k.ClientId == "group-commit-test").OrderBy(k => k.Key).Select(k => k.Key).ToListAsync());
}
