using System.Data;
using System.Data.Common;
using EvidenceBroker.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// A node's write batches keep their connection from one batch to the next (<see cref="BatchConnection"/>). What must
/// hold: a batch that committed hands its connection to the next; a batch that failed does not, nor does a connection
/// left unused past the idle limit, held past the hold limit or closed meanwhile. How a node uses it:
/// <see cref="PostgresGroupCommitTests"/> and <see cref="GroupCommitTests"/>.
/// </summary>
public sealed class BatchConnectionTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new();
    private readonly List<DbConnection> opened = [];

    [Fact]
    public async Task A_batch_that_committed_hands_its_connection_to_the_next_batch()
    {
        var connections = Keeping();
        var first = await connections.OpenAsync(CancellationToken.None);
        await connections.ReturnAsync(first, committed: true);
        clock.Advance(BatchConnection.IdleLimit);

        var second = await connections.OpenAsync(CancellationToken.None);

        Assert.Same(first, second);
        Assert.Equal(ConnectionState.Open, second.State);
        Assert.Single(opened);
    }

    [Fact]
    public async Task A_batch_that_failed_closes_its_connection_and_the_next_batch_opens_another()
    {
        var connections = Keeping();
        var failed = await connections.OpenAsync(CancellationToken.None);
        await connections.ReturnAsync(failed, committed: false);

        var next = await connections.OpenAsync(CancellationToken.None);

        Assert.NotSame(failed, next);
        Assert.Equal(ConnectionState.Closed, failed.State);
    }

    [Fact]
    public async Task A_connection_left_unused_past_the_idle_limit_is_closed_and_the_next_batch_opens_another()
    {
        var connections = Keeping();
        var stale = await connections.OpenAsync(CancellationToken.None);
        await connections.ReturnAsync(stale, committed: true);
        clock.Advance(BatchConnection.IdleLimit + TimeSpan.FromMilliseconds(1));

        var next = await connections.OpenAsync(CancellationToken.None);

        Assert.NotSame(stale, next);
        Assert.Equal(ConnectionState.Closed, stale.State);
    }

    [Fact]
    public async Task A_connection_that_served_batches_for_the_hold_limit_goes_back_to_the_pool()
    {
        var connections = Keeping();
        var held = await connections.OpenAsync(CancellationToken.None);
        for (var batch = 0; batch < 20; batch++)
        {
            await connections.ReturnAsync(held, committed: true);
            clock.Advance(BatchConnection.HoldLimit / 20); // busy: never idle past the idle limit
            Assert.Same(held, await connections.OpenAsync(CancellationToken.None));
        }

        await connections.ReturnAsync(held, committed: true);
        var next = await connections.OpenAsync(CancellationToken.None);

        Assert.NotSame(held, next);
        Assert.Equal(ConnectionState.Closed, held.State);
    }

    [Fact]
    public async Task A_kept_connection_that_was_closed_meanwhile_is_not_handed_out()
    {
        var connections = Keeping();
        var dropped = await connections.OpenAsync(CancellationToken.None);
        await connections.ReturnAsync(dropped, committed: true);
        await dropped.CloseAsync(); // as Npgsql marks a connection the server or the network broke

        var next = await connections.OpenAsync(CancellationToken.None);

        Assert.NotSame(dropped, next);
        Assert.Equal(ConnectionState.Open, next.State);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in opened)
        {
            await connection.DisposeAsync();
        }
    }

    private BatchConnection Keeping() => new("Data Source=:memory:", Connect, clock);

    private SqliteConnection Connect(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        opened.Add(connection);
        return connection;
    }
}
