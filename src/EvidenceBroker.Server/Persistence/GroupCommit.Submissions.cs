using System.Data.Common;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// Submitted changes (<see cref="SubmittedChange"/>): a change that only inserts need not take the writers' turn
/// itself. Handing the turn from writer to writer costs each change a wake-up on the thread pool, which under load
/// waits behind other requests' work while the turn stays held, plus EF Core's switch of the writer's context onto
/// the shared connection and back. Instead one loop per database takes the turn and applies every submitted change
/// in a row, each inside its own savepoint, with its audit entries chained there; on a database across the network
/// (PostgreSQL) all of them go in one round trip. The changes commit with the write batch as any other.
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
            catch (Exception)
#pragma warning restore CA1031
            {
                // Only disposing the committed batch's connection can throw this far, once every change has its answer.
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
        var states = new Dictionary<ITurnState, object>(); // read once: no writer can change them while the turn lasts
        try
        {
            while (committed.Count < MaxChangesPerCommit && waiting.TryRead(out var first))
            {
                turn.Clear();
                turn.Add(first);
                while (committed.Count + turn.Count < MaxChangesPerCommit && waiting.TryRead(out var next))
                {
                    turn.Add(next);
                }

                if (batch is null && await OpenedWithTurnWrittenAsync(turn, states))
                {
                    continue; // written in the round trip that opened the batch
                }

                if (batch is null) // no head to start from: the batch opens in a round trip of its own
                {
                    batch = await OpenBatchAsync(CancellationToken.None, [.. ReadsUnderLock(turn, states)]);
                    headStayed = chainHead is not null && chainHead == committedHead;
                }

                var held = await WithPreconditionsHeldAsync(turn, states);
                if (connection!.CanCreateBatch)
                {
                    if (await WriteInRoundTripsAsync(held, commit: NobodyElseWaits(waiting)))
                    {
                        await EndCommittedBatchAsync();
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
    /// Whether this round of changes is the batch's last, as far as can be known before sending it: no change waits for
    /// the next round and no writer for the turn, and nothing failed in the batch (whose transaction must then be checked
    /// before it commits). One that arrives meanwhile goes into the next batch.
    /// </summary>
    private bool NobodyElseWaits(ChannelReader<SubmittedChange> waiting) =>
        !changeFailed && !changeUnrecoverable && Volatile.Read(ref queued) == 0 && !waiting.TryPeek(out _);

    /// <summary>
    /// Opens a batch on PostgreSQL and writes the turn in the same round trip as the lock and the reads made under it,
    /// its audit entries chained from the head this process's last batch left, if no other writer moved it between the
    /// last two. Whether the head and the states the changes were prepared under still held is known only once the
    /// round trip is back: if not, the turn rolls back to its savepoint and is written again on what was read. False
    /// then, or if the batch opened otherwise (SQLite, no head known), with the batch open or not.
    /// </summary>
    private async Task<bool> OpenedWithTurnWrittenAsync(List<SubmittedChange> turn, Dictionary<ITurnState, object> states)
    {
        if (lockStatement is null || !headStayed || committedHead is not { } guess)
        {
            return false;
        }

        var transaction = await BeginBatchAsync(CancellationToken.None);
        batch = transaction;
        try
        {
            await using var savepoints = new SavepointCommands(connection!, transaction);
            var reads = LockedReads([.. ReadsUnderLock(turn, states)]);
            if (await WriteTogetherAsync(turn, savepoints, guess, reads, () => chainHead == guess && turn.TrueForAll(
                change => change.Precondition is not { } precondition || Equals(states[precondition.State], precondition.Expected))))
            {
                return true;
            }

            headStayed = chainHead == guess;
            return false;
        }
        catch
        {
            batch = null;
            await AbandonBatchAsync(transaction);
            throw;
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
                var (entries, head) = change.Chained.Follow(await HeadAsync(change.Chained), savepoints.ParameterFactory);
                await AddedRows.InsertBoundAsync(connection!, batch!, change.Rows.Concat(entries), CancellationToken.None);
                await savepoints.Release.ExecuteNonQueryAsync();
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

    /// <summary>
    /// A database across the network (PostgreSQL): every row of the turn in one round trip, one statement per table
    /// (<see cref="WriteTogetherAsync"/>). If the database refuses a row, the turn is written again change by change,
    /// each between its SAVEPOINT and RELEASE, still in one batch of statements: a refused row makes the database skip
    /// the rest of the batch, the changes before it stand, its own change rolls back to its savepoint and fails, and
    /// the ones after it go again, chained anew. With <paramref name="commit"/>, the rows carry the batch's COMMIT in
    /// their round trip if they all go in together; true if they did, and the batch is committed.
    /// </summary>
    private async Task<bool> WriteInRoundTripsAsync(List<SubmittedChange> turn, bool commit)
    {
        if (turn.Count == 0)
        {
            return false; // every change of the turn was stale
        }

        await using var savepoints = new SavepointCommands(connection!, batch!); // for a refused change's rollback
        if (await WriteTogetherAsync(turn, savepoints, await HeadAsync(turn[0].Chained), reads: [], commit: commit))
        {
            return commit;
        }

        var pending = turn;
        while (pending.Count > 0)
        {
            var head = await HeadAsync(pending[0].Chained);
            await using var statements = connection!.CreateBatch();
            statements.Transaction = batch;
            var ends = new List<(int LastStatement, (long Sequence, string Hash) Head)>(pending.Count);
            foreach (var change in pending)
            {
                statements.BatchCommands.Add(AddedRows.Statement(statements, SavepointStatement));
                var (entries, after) = change.Chained.Follow(head, savepoints.ParameterFactory);
                foreach (var row in change.Rows.Concat(entries))
                {
                    AddedRows.AddTo(statements, row);
                }

                statements.BatchCommands.Add(AddedRows.Statement(statements, ReleaseStatement));
                ends.Add((statements.BatchCommands.Count - 1, after));
                head = after;
            }

            var standing = pending.Count;
            DbException? refusal = null;
            try
            {
                await statements.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (DbException e) when (FirstRefused(statements, ends) is var refused and >= 0)
            {
                standing = refused;
                refusal = e;
            }
            finally
            {
                foreach (var statement in statements.BatchCommands)
                {
                    statement.Parameters.Clear(); // a parameter belongs to one statement: those going again are free
                }
            }

            for (var i = 0; i < standing; i++)
            {
                committed.Add(pending[i].Durable);
                chainHead = ends[i].Head;
            }

            if (refusal is null)
            {
                return false;
            }

            await UndoAsync(savepoints);
            pending[standing].Durable.TrySetException(Refused(refusal));
            pending = pending[(standing + 1)..];
        }

        return false;
    }

    /// <summary>
    /// Every row of the turn's changes, their audit entries chained in turn order from <paramref name="head"/>, in one
    /// INSERT per table (<see cref="ArrayInsert"/>), parents first, between one SAVEPOINT and its RELEASE, after the
    /// given <paramref name="reads"/> in the same round trip (made in every case). False, with nothing written, if a table's rows cannot go
    /// as arrays, if the database refused a row (which of them it cannot tell), or if <paramref name="asRead"/> finds
    /// that the reads do not show the head or the states the turn was written on: the turn then goes change by change.
    /// With <paramref name="commit"/> the round trip ends with the batch's COMMIT, which PostgreSQL skips if a statement
    /// before it failed (a batch of statements stops at its first error).
    /// </summary>
    private async Task<bool> WriteTogetherAsync(
        List<SubmittedChange> turn, SavepointCommands savepoints, (long Sequence, string Hash) head, IReadOnlyList<ReadUnderLock> reads,
        Func<bool>? asRead = null, bool commit = false)
    {
        if (commit && reads.Count > 0)
        {
            throw new ArgumentException("A round checked only once it is back must not commit in it.", nameof(commit));
        }

        var rows = new List<AddedRows.BoundInsert>(turn.Count * (turn[0].Rows.Count + 2));
        foreach (var change in turn)
        {
            var (entries, after) = change.Chained.Follow(head, savepoints.ParameterFactory);
            rows.AddRange(change.Rows);
            rows.AddRange(entries);
            head = after;
        }

        await using var statements = connection!.CreateBatch();
        statements.Transaction = batch;
        foreach (var query in reads.Select(read => read.Query))
        {
            statements.BatchCommands.Add(AddedRows.Statement(statements, query));
        }

        statements.BatchCommands.Add(AddedRows.Statement(statements, SavepointStatement));
        var tables = rows.GroupBy(row => row.Table).OrderBy(table => table.Key.Rank).ToList(); // stable: chain order kept
        foreach (var table in tables)
        {
            if (ArrayInsert.Statement(statements, table.Key, [.. table]) is not { } insert)
            {
                await QueryAsync(connection!, batch!, reads, CancellationToken.None); // made even so: the caller relies on them
                return false;
            }

            statements.BatchCommands.Add(insert);
        }

        statements.BatchCommands.Add(AddedRows.Statement(statements, ReleaseStatement));
        if (commit)
        {
            statements.BatchCommands.Add(AddedRows.Statement(statements, "COMMIT")); // skipped if a statement before it failed
        }

        var read = 0;
        try
        {
            await using var results = await statements.ExecuteReaderAsync(CancellationToken.None);
            for (; read < reads.Count; read++)
            {
                if (read > 0 && !await results.NextResultAsync())
                {
                    throw new InvalidOperationException($"The database gave no result for: {reads[read].Query}");
                }

                await reads[read].ReadAsync(results);
            }

            while (await results.NextResultAsync())
            {
                // the inserts' results: only their row counts, read below
            }
        }
        catch (DbException) when (read == reads.Count) // the reads are in: only an insert could have failed
        {
            await UndoAsync(savepoints);
            if (changeUnrecoverable)
            {
                throw;
            }

            return false;
        }

        var first = reads.Count + 1;
        for (var i = 0; i < tables.Count; i++)
        {
            if (statements.BatchCommands[first + i].RecordsAffected != tables[i].Count())
            {
                throw new InvalidOperationException($"An INSERT of {tables[i].Count()} rows reported {statements.BatchCommands[first + i].RecordsAffected}.");
            }
        }

        if (asRead is not null && !asRead())
        {
            await UndoAsync(savepoints); // read under the lock in the same round trip: not as the turn was written
            return false;
        }

        foreach (var change in turn)
        {
            committed.Add(change.Durable);
        }

        chainHead = head;
        return true;
    }

    /// <summary>
    /// The change whose INSERT the database refused: the first with an INSERT that did not report its row (those
    /// before the refusal did; the refused one and those skipped after it did not). -1 if every INSERT went in, as
    /// when something else failed: then nobody knows what the batch holds.
    /// </summary>
    private static int FirstRefused(DbBatch statements, List<(int LastStatement, (long Sequence, string Hash) Head)> ends)
    {
        var first = 0;
        for (var change = 0; change < ends.Count; change++)
        {
            for (var insert = first + 1; insert < ends[change].LastStatement; insert++) // between SAVEPOINT and RELEASE
            {
                if (statements.BatchCommands[insert].RecordsAffected != 1)
                {
                    return change;
                }
            }

            first = ends[change].LastStatement + 1;
        }

        return -1;
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
