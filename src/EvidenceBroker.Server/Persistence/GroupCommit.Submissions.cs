using System.Data.Common;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// Submitted changes (<see cref="SubmittedChange"/>): a change that only inserts need not take the writers' turn
/// itself. Handing the turn from writer to writer costs each change a wake-up on the thread pool, which under load
/// waits behind other requests' work while the turn stays held, plus EF Core's switch of the writer's context onto
/// the shared connection and back. Instead one loop per database takes the turn and applies every submitted change
/// in a row, with its audit entries chained there: on SQLite each inside its own savepoint, on a database across the
/// network (PostgreSQL) all of them in one round trip (GroupCommit.RoundTrips.cs). The changes commit with the write
/// batch as any other.
/// </summary>
internal sealed partial class GroupCommit
{
    private readonly Channel<SubmittedChange> submissions =
        Channel.CreateUnbounded<SubmittedChange>(new UnboundedChannelOptions { SingleReader = true });

    private const string SavepointStatement = "SAVEPOINT " + SavepointName;
    private const string ReleaseStatement = "RELEASE SAVEPOINT " + SavepointName;
    private const string RollBackStatement = "ROLLBACK TO SAVEPOINT " + SavepointName;

    private int submissionLoopStarted;

    /// <summary>
    /// Queues the change for the batch's writer loop; the task completes once the change is durable, or fails with a
    /// <see cref="DbUpdateException"/> (a refused row) or a <see cref="StaleChangeException"/> (its precondition no
    /// longer held), the change having left no trace, or with its batch's failure.
    /// </summary>
    public Task SubmitAsync(SubmittedChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!submissions.Writer.TryWrite(change))
        {
            throw new InvalidOperationException("The write batch takes no more changes."); // unbounded: never
        }

        if (Interlocked.CompareExchange(ref submissionLoopStarted, 1, 0) == 0)
        {
            _ = Task.Run(WriteSubmissionsAsync);
        }

        return change.Durable.Task;
    }

    /// <summary>Runs for the life of the process: takes the turn whenever changes wait, as a writer would.</summary>
    private async Task WriteSubmissionsAsync()
    {
        var waiting = submissions.Reader;
        while (await waiting.WaitToReadAsync())
        {
            try
            {
                await TakeTurnAsync(waiting);
            }
#pragma warning disable CA1031 // every change the failure concerned has been given it; the loop must outlive it
            catch (Exception e)
#pragma warning restore CA1031
            {
                // Only disposing the committed batch's connection should throw this far, once every change has its answer.
                log.LogError(e, "A write turn for submitted changes failed after the changes had their answers");
            }
        }
    }

    private async Task TakeTurnAsync(ChannelReader<SubmittedChange> waiting)
    {
        Interlocked.Increment(ref queued);
        await gate.WaitAsync();
        Interlocked.Decrement(ref queued);
        try
        {
            await WriteTurnAsync(waiting);
        }
        finally
        {
            await EndTurnAsync(context: null);
        }
    }

    /// <summary>Applies waiting changes until none is left or the batch is full.</summary>
    private async Task WriteTurnAsync(ChannelReader<SubmittedChange> waiting)
    {
        var turn = new List<SubmittedChange>();
        var states = new Dictionary<ITurnState, object>(); // read once per batch: no writer can change them while it holds the lock
        try
        {
            while (committed.Count < MaxChangesPerCommit && waiting.TryRead(out var first))
            {
                if (batch is null)
                {
                    states.Clear(); // read under an earlier batch's lock, which a writer may have taken since
                }

                turn.Clear();
                turn.Add(first);
                while (committed.Count + turn.Count < MaxChangesPerCommit && waiting.TryRead(out var next))
                {
                    turn.Add(next);
                }

                if (batch is null && await OpenedWithTurnWrittenAsync(turn, states, waiting))
                {
                    continue; // written in the round trip that opened the batch, and committed in it if nobody else waited
                }

                if (batch is null) // no head to start from: the batch opens in a round trip of its own
                {
                    batch = await OpenBatchAsync(CancellationToken.None, [.. ReadsUnderLock(turn, states)]);
                    NoteWhetherHeadStayed();
                }

                var held = await WithPreconditionsHeldAsync(turn, states);
                if (connection!.CanCreateBatch)
                {
                    if (await WriteInRoundTripsAsync(held, commit: NobodyElseWaits(waiting)))
                    {
                        await EndCommittedBatchAsync(CommittedIn.LaterRoundTrip);
                    }
                }
                else
                {
                    await WriteOneByOneAsync(held);
                }
            }
        }
        catch (Exception e)
        {
            // Not a refused row (each change handles its own): the batch could not open, or is in a state nobody knows.
            // The changes not in it yet fail now; those in it fail with it.
            changeUnrecoverable |= batch is not null;
            foreach (var change in turn.Where(change => !committed.Contains(change.Durable)))
            {
                change.Durable.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// The changes whose preconditions still hold, reading each state they name once per turn (into
    /// <paramref name="states"/>). The others fail as stale before any of their rows is written, and are prepared again
    /// by their writers.
    /// </summary>
    private async Task<List<SubmittedChange>> WithPreconditionsHeldAsync(List<SubmittedChange> turn, Dictionary<ITurnState, object> states)
    {
        if (turn.TrueForAll(change => change.Precondition is null))
        {
            return turn;
        }

        var held = new List<SubmittedChange>(turn.Count);
        foreach (var change in turn)
        {
            if (change.Precondition is { } precondition)
            {
                if (!states.TryGetValue(precondition.State, out var current))
                {
                    await QueryAsync(connection!, batch!, [StateRead(precondition.State, states)], CancellationToken.None);
                    current = states[precondition.State];
                }

                if (!Equals(current, precondition.Expected))
                {
                    change.Durable.TrySetException(new StaleChangeException("The state this change was prepared under changed before its turn."));
                    continue;
                }
            }

            held.Add(change);
        }

        return held;
    }

    /// <summary>
    /// What a new batch reads for the changes of its first turn, in the round trip that takes its lock: the states their
    /// preconditions name, and the audit chain's head.
    /// </summary>
    private IEnumerable<ReadUnderLock> ReadsUnderLock(List<SubmittedChange> turn, Dictionary<ITurnState, object> states)
    {
        foreach (var state in turn.Select(change => change.Precondition?.State).OfType<ITurnState>().Distinct())
        {
            yield return StateRead(state, states);
        }

        yield return HeadRead(turn[0].Chained);
    }

    private static ReadUnderLock StateRead(ITurnState state, Dictionary<ITurnState, object> states) =>
        new(state.Query, async reader => states[state] = await state.ReadAsync(reader));

    private ReadUnderLock HeadRead(IChainedRows chained) =>
        new(chained.HeadQuery, async reader => chainHead = await chained.ReadHeadAsync(reader));

    /// <summary>The chain's head as the changes applied so far left it, read from the database if none was.</summary>
    private async Task<(long Sequence, string Hash)> HeadAsync(IChainedRows chained)
    {
        if (chainHead is null)
        {
            await QueryAsync(connection!, batch!, [HeadRead(chained)], CancellationToken.None);
        }

        return chainHead!.Value;
    }

    /// <summary>An embedded database (SQLite): each change's statements run in turn, with no round trip to save.</summary>
    private async Task WriteOneByOneAsync(List<SubmittedChange> turn)
    {
        await using var savepoints = new SavepointCommands(connection!, batch!);
        foreach (var change in turn)
        {
            await savepoints.Savepoint.ExecuteNonQueryAsync();
            try
            {
                var before = await HeadAsync(change.Chained);
                var (entries, head) = change.Chained.Follow(before, savepoints.ParameterFactory);
                await AddedRows.InsertBoundAsync(connection!, batch!, change.Rows.Concat(entries), CancellationToken.None);
                await savepoints.Release.ExecuteNonQueryAsync();
                NoteAppended(before, head);
                chainHead = head;
                committed.Add(change.Durable);
            }
            catch (DbException e)
            {
                await UndoAsync(savepoints);
                change.Durable.TrySetException(Refused(e));
            }
        }
    }

    /// <summary>Rolls a failed change back to its savepoint; if even that fails, the whole batch must fail.</summary>
    private async Task UndoAsync(SavepointCommands savepoints)
    {
        changeFailed = true;
        try
        {
            await savepoints.RollBack.ExecuteNonQueryAsync();
            await savepoints.Release.ExecuteNonQueryAsync();
        }
        catch (DbException)
        {
            changeUnrecoverable = true;
        }
    }

    private static DbUpdateException Refused(DbException e) => new("The database refused a new row.", e);

    /// <summary>The statements each change of a turn runs around its own, compiled once per turn.</summary>
    private sealed class SavepointCommands : IAsyncDisposable
    {
        public SavepointCommands(DbConnection connection, DbTransaction transaction)
        {
            Savepoint = Command(connection, transaction, SavepointStatement);
            Release = Command(connection, transaction, ReleaseStatement);
            RollBack = Command(connection, transaction, RollBackStatement);
            ParameterFactory = connection.CreateCommand();
        }

        public DbCommand Savepoint { get; }

        public DbCommand Release { get; }

        public DbCommand RollBack { get; }

        /// <summary>Type mappings make their parameters through a command of the connection.</summary>
        public DbCommand ParameterFactory { get; }

        public async ValueTask DisposeAsync()
        {
            await Savepoint.DisposeAsync();
            await Release.DisposeAsync();
            await RollBack.DisposeAsync();
            await ParameterFactory.DisposeAsync();
        }

        private static DbCommand Command(DbConnection connection, DbTransaction transaction, string sql)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            return command;
        }
    }
}
