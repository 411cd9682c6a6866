using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// Changes share one PostgreSQL transaction per write batch, each inside its savepoint. What must hold: a write batch
/// whose transaction was aborted never acknowledges the changes it held (PostgreSQL answers COMMIT on an aborted
/// transaction by rolling it back, without an error); and a write batch holds the audit chain's lock, which serialises
/// every node's writers, from its first statement until it ends. That a refused change fails alone:
/// <see cref="SubmittedChangeTests"/>.
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
    public async Task A_write_batch_holds_the_chain_lock_in_its_transaction_until_it_commits()
    {
        await using var broker = new PostgresBrokerFactory();
        await using var scope = broker.Services.CreateAsyncScope();
        var writer = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();

        var change = await writer.BeginWriteAsync(CancellationToken.None);
        var whileOpen = await ChainLocksHeldAsync(broker);
        await change.CommitAsync();
        await change.DisposeAsync();
        var afterCommit = await ChainLocksHeldAsync(broker);

        // Taken outside a transaction, a transaction-scoped lock would be gone as soon as its statement ended.
        Assert.Equal(1, whileOpen);
        Assert.Equal(0, afterCommit);
    }

    [PostgresFact]
    public async Task Consecutive_batches_run_in_the_same_backend_while_other_work_takes_the_pooled_connections()
    {
        await using var broker = new PostgresBrokerFactory();
        await using var scope = broker.Services.CreateAsyncScope();
        var writer = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();

        var first = await BatchBackendAsync(writer);
        // Holds a pooled connection through the next batch: a batch that went back to the pool would find its own
        // connection taken and run in another backend.
        await using var other = new NpgsqlConnection(writer.Database.GetConnectionString());
        await other.OpenAsync();
        var second = await BatchBackendAsync(writer);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other.ProcessID);
    }

    [PostgresFact]
    public async Task A_batch_that_chained_from_the_head_its_node_last_left_after_another_node_moved_it_chains_again_from_the_real_head()
    {
        await using var first = new PostgresBrokerFactory();
        await using var second = new SecondPostgresNode(first);
        List<Guid> filed = [];
        for (var i = 0; i < 3; i++)
        {
            // Two batches that find the head where the node's previous one left it: the next one writes without reading it.
            filed.Add(await first.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()));
        }

        filed.Add(await second.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber())); // moves the head
        filed.Add(await first.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()));
        filed.Add(await first.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()));

        var verification = await first.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(verification.Intact, verification.Reason);
        var audited = await first.WithDbAsync(db => db.AuditEntries.Where(e => e.Action == "request.filed")
            .OrderBy(e => e.Sequence).Select(e => e.SubjectId).ToListAsync());
        Assert.Equal(filed.Select(id => id.ToString()), audited);
    }

    [PostgresFact]
    public async Task A_filing_chained_from_the_head_its_node_last_left_commits_in_the_round_trip_that_opens_its_batch()
    {
        await using var broker = new PostgresBrokerFactory();
        await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()); // the node reads the head
        using var commits = new WriteBatchCommits(new NpgsqlConnectionStringBuilder(broker.ConnectionString).Database!);

        for (var i = 0; i < 3; i++)
        {
            await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        }

        // The first may still read the head to learn that it stayed; the next ones need not, and commit as they open.
        Assert.True(commits.CommittedIn.Count(how => how == "opening_round_trip") >= 2, string.Join(", ", commits.CommittedIn));
        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(4, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "request.filed")));
    }

    /// <summary>Advisory locks granted in the broker's database to any session other than the asking one.</summary>
    /// <summary>The PostgreSQL backend a write batch ran in: one change, committed.</summary>
    private static async Task<int> BatchBackendAsync(BrokerDbContext writer)
    {
        await using var change = await writer.BeginWriteAsync(CancellationToken.None);
        var backend = await writer.Database.SqlQueryRaw<int>("SELECT pg_backend_pid() AS \"Value\"").SingleAsync();
        await change.CommitAsync();
        return backend;
    }

    private static Task<int> ChainLocksHeldAsync(BrokerFactory broker) =>
        broker.WithDbAsync(db => db.Database.SqlQueryRaw<int>(
            "SELECT count(*)::int AS \"Value\" FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()" +
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").SingleAsync());
}
