using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// SQLite writers share one transaction and one disk flush (GroupCommit). What must hold: a commit returns
/// only once its change is visible to any other connection; a change that fails is undone alone; a writer that
/// gives up while queueing does not strand the changes before it; the next batch runs on the same connection.
/// </summary>
public sealed class GroupCommitTests : IAsyncLifetime
{
    private readonly BrokerFactory broker = new();

    public async Task InitializeAsync()
    {
        broker.CreateClient().Dispose(); // start, on the migrated database
        await using var scope = broker.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<BrokerDbContext>().Database
            .ExecuteSqlRawAsync("CREATE TABLE probe (writer INTEGER NOT NULL)");
    }

    public async Task DisposeAsync() => await broker.DisposeAsync();

    [Fact]
    public async Task Every_commit_returns_only_when_another_connection_sees_it_and_a_failed_change_is_undone_alone()
    {
        const int writers = 40;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            await using var scope = broker.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
            try
            {
                await using var transaction = await db.BeginWriteAsync(CancellationToken.None);
                await db.Database.ExecuteSqlAsync($"INSERT INTO probe (writer) VALUES ({writer})");
                if (writer % 7 == 3)
                {
                    throw new InvalidOperationException("this writer fails after writing");
                }

                await transaction.CommitAsync();
            }
            catch (InvalidOperationException)
            {
                return (writer, committed: false, visible: await VisibleAsync(writer));
            }

            return (writer, committed: true, visible: await VisibleAsync(writer));
        })));

        Assert.All(outcomes, o => Assert.Equal(o.committed, o.visible));
        Assert.Equal(writers - outcomes.Count(o => !o.committed), await CountAsync());
        Assert.Contains(outcomes, o => !o.committed);
    }

    [Fact]
    public async Task A_writer_that_gives_up_while_queueing_leaves_the_batch_before_it_committed()
    {
        await using var first = broker.Services.CreateAsyncScope();
        await using var second = broker.Services.CreateAsyncScope();
        var holder = first.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var quitter = second.ServiceProvider.GetRequiredService<BrokerDbContext>();

        var held = await holder.BeginWriteAsync(CancellationToken.None);
        await holder.Database.ExecuteSqlAsync($"INSERT INTO probe (writer) VALUES (1)");
        using var patience = new CancellationTokenSource();
        var queued = quitter.BeginWriteAsync(patience.Token);
        await patience.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);

        var commit = held.CommitAsync();
        var finished = await Task.WhenAny(commit, Task.Delay(TimeSpan.FromSeconds(10)));
        await held.DisposeAsync();

        Assert.Same(commit, finished);
        Assert.True(await VisibleAsync(1));
    }

    [Fact]
    public async Task Concurrent_filings_through_the_group_commit_leave_one_valid_chain()
    {
        var before = await broker.WithDbAsync(db => db.AuditEntries.CountAsync());
        await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber())));

        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));

        Assert.True(verification.Intact, verification.Summary);
        Assert.Equal(before + 48, verification.Entries); // filed and decided, for each
    }

    [Fact]
    public async Task Consecutive_batches_run_on_the_connection_the_first_one_opened()
    {
        await using var scope = broker.Services.CreateAsyncScope();
        var writer = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();

        var first = await BatchConnectionAsync(writer, 1);
        var second = await BatchConnectionAsync(writer, 2);

        Assert.Same(first, second);
        Assert.Equal(2, await CountAsync());
    }

    [Fact]
    public async Task A_batch_keeps_its_savepoint_journals_in_memory()
    {
        await using var scope = broker.Services.CreateAsyncScope();
        var writer = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        await using var change = await writer.BeginWriteAsync(CancellationToken.None);

        var batch = writer.Database.CurrentTransaction!.GetDbTransaction();
        Assert.Equal(2L, await TempStoreAsync(batch.Connection!, batch)); // 2 = MEMORY
    }

    [Fact]
    public async Task A_write_batch_connection_keeps_temp_store_in_memory_each_time_it_opens()
    {
        var unpooled = new SqliteConnectionStringBuilder(broker.ConnectionString) { Pooling = false }.ToString();
        await using var connection = SqliteBrokerDbContext.ConnectWithTempStoreInMemory(unpooled);

        await connection.OpenAsync();
        var first = await TempStoreAsync(connection);
        await connection.CloseAsync();
        await connection.OpenAsync();

        Assert.Equal((2L, 2L), (first, await TempStoreAsync(connection)));
    }

    private static async Task<long> TempStoreAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA temp_store";
        command.Transaction = transaction;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The connection a write batch ran on: one change, committed.</summary>
    private static async Task<System.Data.Common.DbConnection> BatchConnectionAsync(BrokerDbContext writer, int probe)
    {
        await using var change = await writer.BeginWriteAsync(CancellationToken.None);
        var connection = writer.Database.GetDbConnection();
        await writer.Database.ExecuteSqlAsync($"INSERT INTO probe (writer) VALUES ({probe})");
        await change.CommitAsync();
        return connection;
    }

    /// <summary>Reads through a connection of its own, outside the broker's group.</summary>
    private async Task<bool> VisibleAsync(int writer)
    {
        await using var connection = new SqliteConnection(broker.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM probe WHERE writer = $writer";
        command.Parameters.AddWithValue("$writer", writer);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private async Task<long> CountAsync()
    {
        await using var connection = new SqliteConnection(broker.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM probe";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
