using System.Data.Common;
using System.Threading.Channels;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// Submitted changes on a database across the network (PostgreSQL), where each round trip counts: a round of changes
/// goes in one round trip, one INSERT per table; a batch opens in the round trip of its first round, and its last round
/// carries its COMMIT. A refused row sends the round back change by change, so that only its own change fails.
/// </summary>
internal sealed partial class GroupCommit
{
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
    /// last two. If nobody else waits to join the batch, the round trip reads nothing and carries the COMMIT, behind a
    /// guard for each thing the turn was written on (<see cref="GuardsFor"/>), which PostgreSQL checks under the lock
    /// before the rows: true then, with the batch committed and closed. Otherwise the round trip reads the head and the
    /// states the changes were prepared under, and whether they still held is known only once it is back. If a guard
    /// failed, or the reads show that they did not hold, the turn rolls back to its savepoint and is written again on
    /// what is read. False then, or if the batch opened otherwise (SQLite, no head known), with the batch open or not.
    /// </summary>
    private async Task<bool> OpenedWithTurnWrittenAsync(
        List<SubmittedChange> turn, Dictionary<ITurnState, object> states, ChannelReader<SubmittedChange> waiting)
    {
        if (lockStatement is null || !headStayed || committedHead is not { } guess)
        {
            return false;
        }

        var transaction = await BeginBatchAsync(CancellationToken.None);
        batch = transaction;
        List<RoundTripGuard>? guards;
        try
        {
            await using var savepoints = new SavepointCommands(connection!, transaction);
            guards = NobodyElseWaits(waiting) ? GuardsFor(turn, guess) : null;
            var written = guards is not null
                ? await WriteTogetherAsync(turn, savepoints, guess, LockedReads([]), guards: guards) // the guards check what reads would show
                : await WriteTogetherAsync(turn, savepoints, guess, LockedReads([.. ReadsUnderLock(turn, states)]), () => chainHead == guess
                    && turn.TrueForAll(change => change.Precondition is not { } precondition || Equals(states[precondition.State], precondition.Expected)));
            if (!written)
            {
                NoteWhetherHeadStayed();
                return false;
            }
        }
        catch
        {
            await AbandonBatchAsync(transaction);
            throw;
        }

        if (guards is not null)
        {
            await EndCommittedBatchAsync(CommittedIn.OpeningRoundTrip);
        }

        return true;
    }

    /// <summary>
    /// Guards for what a turn opening a batch was written on: the chain's head it assumed, and each state its changes
    /// were prepared under. Null if two changes expect a state to read differently (one of them is stale, which only
    /// the state as read can tell), a state cannot be guarded, or two guards name the same parameter (PostgreSQL would
    /// check both against one value): the batch then waits for its reads before committing.
    /// </summary>
    private static List<RoundTripGuard>? GuardsFor(List<SubmittedChange> turn, (long Sequence, string Hash) head)
    {
        var expected = new Dictionary<ITurnState, object>();
        foreach (var precondition in turn.Select(change => change.Precondition).OfType<ChangePrecondition>())
        {
            if (expected.TryGetValue(precondition.State, out var other) && !Equals(other, precondition.Expected))
            {
                return null;
            }

            expected[precondition.State] = precondition.Expected;
        }

        var guards = new List<RoundTripGuard>(expected.Count + 1) { RoundTripGuard.ChainHead(turn[0].Chained.HeadQuery, head) };
        foreach (var (state, value) in expected)
        {
            if (state.Guard(value) is not { } guard)
            {
                return null;
            }

            guards.Add(guard);
        }

        return RoundTripGuard.ShareOneStatement(guards) ? guards : null;
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
            var roundStart = head;
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
                NoteAppended(roundStart, ends[i].Head);
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
    /// INSERT per table (<see cref="ArrayInsert"/>), parents first, after one SAVEPOINT and the given
    /// <paramref name="reads"/> (made in every case), in one round trip. The rows are followed by the savepoint's
    /// RELEASE, except when <paramref name="asRead"/> checks them once they are back: the turn must then still be able
    /// to roll back to it. False, with nothing written, if a table's rows cannot go as arrays, if the database refused a
    /// row (which of them it cannot tell) or a guard, or if <paramref name="asRead"/> finds that the reads do not show the
    /// head or the states the turn was written on: the turn then goes change by change.
    /// With <paramref name="commit"/>, or with <paramref name="guards"/> (checked after the SAVEPOINT, before the rows),
    /// the round trip ends with the batch's COMMIT, which PostgreSQL skips if a statement before it failed (a batch of
    /// statements stops at its first error).
    /// </summary>
    private async Task<bool> WriteTogetherAsync(
        List<SubmittedChange> turn, SavepointCommands savepoints, (long Sequence, string Hash) head, IReadOnlyList<ReadUnderLock> reads,
        Func<bool>? asRead = null, bool commit = false, List<RoundTripGuard>? guards = null)
    {
        guards ??= [];
        commit |= guards.Count > 0;
        if (commit && asRead is not null)
        {
            throw new ArgumentException("A round checked only once it is back must not commit in it: guards check in the round trip instead.", nameof(asRead));
        }

        var start = head;
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
        AddQueries(statements, reads);
        statements.BatchCommands.Add(AddedRows.Statement(statements, SavepointStatement));
        if (guards.Count > 0)
        {
            statements.BatchCommands.Add(RoundTripGuard.Statement(statements, guards));
        }

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

        if (asRead is null)
        {
            statements.BatchCommands.Add(AddedRows.Statement(statements, ReleaseStatement));
        }
        // else the savepoint is kept, for the turn to roll back to if the reads show that it was written on something
        // else; once they do not, it stays until the batch ends, which costs nothing more.

        if (commit)
        {
            // The batch's seal goes in with its COMMIT, over every entry it appended, this round's included.
            if (seal is not null && (sealFrom ?? (head.Sequence > start.Sequence ? start.Sequence + 1 : null)) is { } sealedFrom && head.Sequence >= sealedFrom)
            {
                AddedRows.AddTo(statements, seal.Bind(sealedFrom, head, savepoints.ParameterFactory));
            }

            statements.BatchCommands.Add(AddedRows.Statement(statements, "COMMIT")); // skipped if a statement before it failed
        }

        var readsDone = reads.Count == 0; // until they are, a failure is the lock's or a read's, not an insert's
        try
        {
            await using var results = await statements.ExecuteReaderAsync(CancellationToken.None);
            await ReadEachAsync(results, reads, CancellationToken.None);
            readsDone = true;
            while (await results.NextResultAsync())
            {
                // the inserts' results: only their row counts, read below
            }
        }
        catch (DbException) when (readsDone) // the reads are in: only an insert could have failed
        {
            await UndoAsync(savepoints);
            if (changeUnrecoverable)
            {
                throw;
            }

            return false;
        }

        var first = reads.Count + (guards.Count > 0 ? 2 : 1); // after the reads, the SAVEPOINT and the guards
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

        NoteAppended(start, head);
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
}
