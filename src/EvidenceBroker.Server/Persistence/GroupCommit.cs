using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics.Metrics;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Observability;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// Group commit for the writers of one database in this process. Writers that append to the audit chain run one
/// at a time (SQLite has one writer; on PostgreSQL the chain's advisory lock serialises every node's writers), and
/// every commit waits for the disk, so committing each change alone caps the broker at the disk's flush rate.
/// Instead, writers queue at a gate and take turns in one open transaction on a shared connection, each inside its
/// own savepoint; when nobody is queueing (or the batch is full) the writer at the gate commits the whole batch
/// with one flush. Nobody's commit returns before the batch holding it is durable, so nothing is acknowledged
/// early; a change that fails rolls back to its savepoint and leaves the others be. A change that only inserts is
/// handed to the batch whole instead of taking the turn itself (GroupCommit.Submissions.cs). Whichever way a batch
/// commits, its COMMIT carries the seal over the audit entries it appended (<see cref="AuditSeal"/>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "One per database for the life of the process; a batch's connection is closed or kept (BatchConnection) when it ends.")]
internal sealed partial class GroupCommit
{
    /// <summary>Enough to amortise a flush over many changes, small enough to keep each batch's latency low.</summary>
    private const int MaxChangesPerCommit = 64;

    internal const string SavepointName = "broker_change";

    private static readonly ConcurrentDictionary<string, GroupCommit> Databases = new(StringComparer.Ordinal);

    /// <summary>Batches committed, by database and by the round trip that carried the COMMIT (<see cref="CommittedIn"/>).</summary>
    private static readonly Counter<long> Commits = BrokerTelemetry.Meter.CreateCounter<long>(
        "broker.write_batch.commits", description: "Write batches committed, by the round trip that carried their COMMIT.");

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly string connectionString;
    private readonly Func<string, DbConnection> connect;
    private readonly BatchConnection connections;
    private readonly string? lockStatement;
    private readonly string database;
    private readonly List<TaskCompletionSource> committed = [];
    private int queued;
    private DbConnection? connection;
    private DbTransaction? batch;
    private (long Sequence, string Hash)? chainHead; // as the changes committed so far in the open batch left it
    private (long Sequence, string Hash)? committedHead; // as this process's last batch left it, if it moved it
    private long? sealFrom; // the first audit entry the open batch appended, sealed with the rest at its commit
    private BatchSeal? seal;
    private ILogger log = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private bool headStayed; // no other writer moved the head between this process's last two batches
    private bool changeFailed; // a change in the open batch failed: its transaction is checked before it commits
    private bool changeUnrecoverable; // a change could not be undone alone: the whole batch must fail

    private GroupCommit(
        string connectionString, Func<string, DbConnection> connect, string? lockStatement)
    {
        this.connectionString = connectionString;
        this.connect = connect;
        this.lockStatement = lockStatement;
        connections = new BatchConnection(connectionString, connect, TimeProvider.System);
        using var unopened = connect(connectionString);
        database = unopened.Database;
    }

    /// <summary>Which round trip carried a batch's COMMIT.</summary>
    internal enum CommittedIn
    {
        /// <summary>One of its own, after the batch's changes (and always on SQLite).</summary>
        OwnRoundTrip,

        /// <summary>The round trip of the batch's last round of changes, after the one that opened it.</summary>
        LaterRoundTrip,

        /// <summary>The round trip that opened the batch, took the lock and wrote its only round, behind guards.</summary>
        OpeningRoundTrip,
    }

    /// <param name="connect">A new, closed connection of the database's provider.</param>
    /// <param name="lockStatement">
    /// The statement that takes the lock serialising the chain, if beginning the transaction does not (PostgreSQL). It
    /// is the batch's first statement; what the batch must read under the lock travels in the same round trip.
    /// </param>
    /// <param name="seal">
    /// Seals the entries each batch appends (<see cref="AuditSeal"/>); null where the broker's key is not at hand, and
    /// then the batch writes entries unsealed, which verification reports.
    /// </param>
    /// <param name="log">Where a failure no writer is left to hear of goes.</param>
    public static GroupCommit For(
        string connectionString, Func<string, DbConnection> connect, BatchSeal? seal, ILogger log, string? lockStatement = null)
    {
        var group = Databases.GetOrAdd(connectionString, cs => new GroupCommit(cs, connect, lockStatement));
        group.seal = seal ?? group.seal; // the writing host's key: a host disposed since takes its key with it
        group.log = log;
        return group;
    }

    /// <summary>Waits for the gate, then points the context at the batch's connection and transaction.</summary>
    public async Task<IDbContextTransaction> BeginAsync(BrokerDbContext context, CancellationToken ct)
    {
        Interlocked.Increment(ref queued);
        try
        {
            await gate.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref queued);
            await CommitIfAbandonedAsync();
            throw;
        }

        Interlocked.Decrement(ref queued);
        try
        {
            batch ??= await OpenBatchAsync(ct);

            context.Database.SetDbConnection(connection, contextOwnsConnection: false);
            var transaction = await context.Database.UseTransactionAsync(batch, ct)
                ?? throw new InvalidOperationException("EF Core did not take the batch transaction.");
            await transaction.CreateSavepointAsync(SavepointName, ct);

            // The change has a savepoint of its own; SaveChanges need not add another.
            context.Database.AutoSavepointsEnabled = false;
            var change = new Change(this, context, transaction);
            context.ChainCursor = change;
            return change;
        }
        catch
        {
            changeFailed |= batch is not null; // the savepoint may have failed half-way, aborting the transaction
            await EndTurnAsync(context);
            throw;
        }
    }

    /// <summary>
    /// Opens the shared connection and the batch's transaction, takes the lock, and makes the given reads under it, all
    /// in one round trip. A connection whose transaction could not begin (the writer was cancelled while waiting for
    /// the lock, the database was busy past its timeout) is closed here, or it would stay out of the pool for good.
    /// </summary>
    private async Task<DbTransaction> OpenBatchAsync(CancellationToken ct, params IReadOnlyList<ReadUnderLock> reads)
    {
        var transaction = await BeginBatchAsync(ct);
        try
        {
            await QueryAsync(connection!, transaction, LockedReads(reads), ct);
            return transaction;
        }
        catch
        {
            await AbandonBatchAsync(transaction);
            throw;
        }
    }

    /// <summary>
    /// Opens the shared connection (or takes the one the last batch kept) and the batch's transaction. On PostgreSQL
    /// this is no round trip yet: the provider sends BEGIN with the batch's first statements, which must start with
    /// <see cref="LockedReads"/>. A connection whose transaction could not begin is closed here, or it would stay out
    /// of the pool for good.
    /// </summary>
    private async Task<DbTransaction> BeginBatchAsync(CancellationToken ct)
    {
        var opened = await connections.OpenAsync(ct);
        chainHead = null; // read from the database by the batch's first appender, unless one of the reads does
        sealFrom = null;
        try
        {
            // SQLite: BEGIN IMMEDIATE, Microsoft.Data.Sqlite's default. PostgreSQL: Npgsql sends BEGIN with the first statement.
            var transaction = await opened.BeginTransactionAsync(ct);
            connection = opened;
            changeFailed = false;
            changeUnrecoverable = false;
            return transaction;
        }
        catch
        {
            await opened.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// After a new batch read the chain's head under its lock: whether it is where this process's last batch left it,
    /// so that no other writer moved it in between and the next batch may start from there without reading it first.
    /// </summary>
    private void NoteWhetherHeadStayed() => headStayed = chainHead is not null && chainHead == committedHead;

    /// <summary>The lock statement, if the transaction does not take the lock itself, followed by the reads made under it.</summary>
    private IReadOnlyList<ReadUnderLock> LockedReads(IReadOnlyList<ReadUnderLock> reads) =>
        lockStatement is null ? reads : [new(lockStatement, _ => Task.CompletedTask), .. reads];

    /// <summary>
    /// Closes a batch that failed in its first round trip, before any change was in it: the writer was cancelled while
    /// waiting for the lock, the database was busy past its timeout or could not be reached.
    /// </summary>
    private async Task AbandonBatchAsync(DbTransaction transaction)
    {
        batch = null;
        chainHead = null;
        sealFrom = null;
        await transaction.DisposeAsync();
        await connections.ReturnAsync(connection!, committed: false);
        connection = null;
    }

    /// <summary>
    /// Runs the queries, handing each its own result set: on a database across the network (PostgreSQL) in one round
    /// trip, on an embedded one (SQLite, which has no round trip to save) one after another.
    /// </summary>
    private static async Task QueryAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<ReadUnderLock> reads, CancellationToken ct)
    {
        if (!connection.CanCreateBatch)
        {
            foreach (var read in reads)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = read.Query;
                await using var reader = await command.ExecuteReaderAsync(ct);
                await read.ReadAsync(reader);
            }

            return;
        }

        if (reads.Count == 0)
        {
            return;
        }

        await using var statements = connection.CreateBatch();
        statements.Transaction = transaction;
        AddQueries(statements, reads);
        await using var results = await statements.ExecuteReaderAsync(ct);
        await ReadEachAsync(results, reads, ct);
    }

    /// <summary>Adds the reads' queries to a batch of statements, in order, to be read back by <see cref="ReadEachAsync"/>.</summary>
    private static void AddQueries(DbBatch statements, IReadOnlyList<ReadUnderLock> reads)
    {
        foreach (var read in reads)
        {
            statements.BatchCommands.Add(AddedRows.Statement(statements, read.Query));
        }
    }

    /// <summary>Hands each read its own result set, from a batch whose first statements are the reads' queries.</summary>
    private static async Task ReadEachAsync(DbDataReader results, IReadOnlyList<ReadUnderLock> reads, CancellationToken ct)
    {
        for (var i = 0; i < reads.Count; i++)
        {
            if (i > 0 && !await results.NextResultAsync(ct))
            {
                throw new InvalidOperationException($"The database gave no result for: {reads[i].Query}");
            }

            await reads[i].ReadAsync(results);
        }
    }

    /// <summary>A query a batch makes under its lock, and what to do with its result set.</summary>
    internal readonly record struct ReadUnderLock(string Query, Func<DbDataReader, Task> ReadAsync);

    /// <summary>
    /// Called by the writer at the gate when its change is over. Commits the batch when nobody else is queueing or
    /// the batch is full; otherwise hands the gate, and the duty to commit, to the next writer.
    /// </summary>
    private async Task EndTurnAsync(BrokerDbContext? context, TaskCompletionSource? mine = null)
    {
        try
        {
            if (context is not null)
            {
                Detach(context);
            }

            if (mine is not null)
            {
                committed.Add(mine);
            }

            if (batch is not null && (Volatile.Read(ref queued) == 0 || committed.Count >= MaxChangesPerCommit))
            {
                await CommitBatchAsync();
            }
        }
        finally
        {
            gate.Release();
        }

        await CommitIfAbandonedAsync();
    }

    /// <summary>
    /// A writer that left the commit to the next one in the queue may find that the next one gave up (its request
    /// was cancelled) and nobody is left. Whoever changes the queue last checks for that, so a batch is never stranded.
    /// </summary>
    private async Task CommitIfAbandonedAsync()
    {
        if (Volatile.Read(ref queued) != 0 || Volatile.Read(ref batch) is null || !gate.Wait(0))
        {
            return; // someone else is at the gate, or will be, and ends its turn with the same check
        }

        try
        {
            if (batch is not null && Volatile.Read(ref queued) == 0)
            {
                await CommitBatchAsync();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task CommitBatchAsync()
    {
        var waiting = committed.ToArray();
        committed.Clear();
        var durable = false;
        try
        {
            if (changeUnrecoverable)
            {
                throw new DbUpdateException("A change failed after its rows had joined the write batch; none of the batch's changes was saved.");
            }

            if (changeFailed)
            {
                await EnsureAliveAsync();
            }

            if (!await CommittedWithSealAsync())
            {
                await batch!.CommitAsync();
            }

            durable = true;
            Acknowledge(waiting, CommittedIn.OwnRoundTrip);
        }
        catch (Exception e)
        {
            committedHead = null;

            // Nobody in this batch was acknowledged yet: each of them fails, and the callers answer accordingly. The
            // transaction is disposed below without a commit, which rolls it back.
            foreach (var change in waiting)
            {
                change.TrySetException(e);
            }
        }
        finally
        {
            await CloseBatchAsync(durable);
        }
    }

    /// <summary>The batch's transaction committed with a round of changes (on PostgreSQL): everyone in it hears so.</summary>
    private async Task EndCommittedBatchAsync(CommittedIn how)
    {
        var waiting = committed.ToArray();
        committed.Clear();
        Acknowledge(waiting, how);
        await CloseBatchAsync(committed: true);
    }

    private void Acknowledge(TaskCompletionSource[] waiting, CommittedIn how)
    {
        Commits.Add(1, new KeyValuePair<string, object?>("db.namespace", database), new KeyValuePair<string, object?>("broker.committed_in", how switch
        {
            CommittedIn.OpeningRoundTrip => "opening_round_trip",
            CommittedIn.LaterRoundTrip => "later_round_trip",
            _ => "own_round_trip",
        }));
        committedHead = chainHead;
        foreach (var change in waiting)
        {
            change.TrySetResult();
        }
    }

    /// <summary>Ends the batch's transaction and hands its connection back, to be kept for the next batch if it committed.</summary>
    private async Task CloseBatchAsync(bool committed)
    {
        var (closing, closingConnection) = (batch!, connection!);
        batch = null;
        connection = null;
        chainHead = null;
        sealFrom = null;
        try
        {
            await closing.DisposeAsync();
        }
        catch
        {
            // A transaction that failed to end leaves its connection in no known state: closed, never kept, and never
            // lost (on PostgreSQL an unreturned connection is a pool slot gone for good).
            await connections.ReturnAsync(closingConnection, committed: false);
            throw;
        }

        await connections.ReturnAsync(closingConnection, committed);
    }

    /// <summary>Notes that the batch appended entries after <paramref name="before"/>, up to <paramref name="after"/>.</summary>
    private void NoteAppended((long Sequence, string Hash) before, (long Sequence, string Hash) after)
    {
        if (after.Sequence > before.Sequence)
        {
            sealFrom ??= before.Sequence + 1;
        }
    }

    /// <summary>
    /// Writes the batch's seal (<see cref="SealOfBatch"/>), if it has one, ahead of its COMMIT; on a database across the
    /// network (PostgreSQL) in the COMMIT's round trip, and true then, with the batch committed.
    /// </summary>
    private async Task<bool> CommittedWithSealAsync()
    {
        await using var parameterFactory = connection!.CreateCommand();
        if (SealOfBatch(parameterFactory) is not { } sealRow)
        {
            return false;
        }

        if (!connection.CanCreateBatch)
        {
            await AddedRows.InsertBoundAsync(connection, batch!, [sealRow], CancellationToken.None);
            return false;
        }

        // Not through the connection's kept insert commands: Npgsql keeps a reused command's first parameters.
        await using var statements = connection.CreateBatch();
        statements.Transaction = batch;
        AddedRows.AddTo(statements, sealRow);
        statements.BatchCommands.Add(AddedRows.Statement(statements, "COMMIT")); // skipped if the seal failed
        await statements.ExecuteNonQueryAsync();
        return true;
    }

    /// <summary>
    /// The seal over every entry the batch appended, to go in with its COMMIT; null if it appended none, or if nothing
    /// seals here. <paramref name="parameterFactory"/> makes the row's parameters.
    /// </summary>
    private AddedRows.BoundInsert? SealOfBatch(DbCommand parameterFactory) =>
        seal is not null && sealFrom is { } first && chainHead is { } last && last.Sequence >= first
            ? seal.Bind(first, last, parameterFactory)
            : null;

    /// <summary>
    /// PostgreSQL answers COMMIT on a transaction that a failed statement aborted by rolling it back, without an error,
    /// which would acknowledge every change in the batch while keeping none. Each change's savepoint normally undoes
    /// its own failure; should one not have (its savepoint or its rollback failed), the transaction refuses this
    /// statement, and the whole batch fails instead.
    /// </summary>
    private async Task EnsureAliveAsync()
    {
        await using var probe = connection!.CreateCommand();
        probe.Transaction = batch;
        probe.CommandText = "SELECT 1";
        try
        {
            await probe.ExecuteScalarAsync();
        }
        catch (DbException e)
        {
            throw new DbUpdateException("A failed change aborted the write batch's transaction; none of its changes was saved.", e);
        }
    }

    /// <summary>The context goes back to a connection of its own, so later reads do not touch the shared one.</summary>
    private void Detach(BrokerDbContext context)
    {
        context.ChainCursor = null;
        context.Database.AutoSavepointsEnabled = true;
        context.Database.UseTransaction(null);
        context.Database.SetDbConnection(connect(connectionString), contextOwnsConnection: true);
    }

    /// <summary>One writer's change inside the batch.</summary>
    private sealed class Change(GroupCommit group, BrokerDbContext context, IDbContextTransaction transaction)
        : IDbContextTransaction, IAuditChainCursor
    {
        private Task? ended;
        private (long Sequence, string Hash)? appended;
        private long? firstAppended;

        /// <summary>Only the writer at the gate reads or moves the head, so the batch's fields need no lock.</summary>
        public (long Sequence, string Hash)? Head => appended ?? group.chainHead;

        public long? UnsealedFrom => group.sealFrom ?? firstAppended;

        public void Appended(long sequence, string hash)
        {
            appended = (sequence, hash);
            firstAppended ??= sequence;
        }

        public Guid TransactionId => transaction.TransactionId;

        public bool SupportsSavepoints => true;

        public void Commit() => CommitAsync().GetAwaiter().GetResult();

        /// <summary>Returns once the batch holding this change is on disk.</summary>
        public Task CommitAsync(CancellationToken cancellationToken = default)
        {
            if (ended is not null)
            {
                throw new InvalidOperationException("This change was already committed or rolled back.");
            }

            ended = CommitCoreAsync();
            return ended;
        }

        private async Task CommitCoreAsync()
        {
            var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                await transaction.ReleaseSavepointAsync(SavepointName);
            }
            catch
            {
                await RollbackCoreAsync();
                throw;
            }

            group.chainHead = appended ?? group.chainHead; // a rolled-back change leaves the head where it was
            group.sealFrom ??= firstAppended;
            await group.EndTurnAsync(context, durable);
            await durable.Task;
        }

        public void Rollback() => RollbackAsync().GetAwaiter().GetResult();

        public Task RollbackAsync(CancellationToken cancellationToken = default)
        {
            ended ??= RollbackCoreAsync();
            return ended;
        }

        private async Task RollbackCoreAsync()
        {
            group.changeFailed = true;
            try
            {
                await transaction.RollbackToSavepointAsync(SavepointName);
                await transaction.ReleaseSavepointAsync(SavepointName);
            }
            catch (DbException)
            {
                // The database rolled the whole transaction back itself (disk full, I/O error, a lost connection), or
                // the savepoint is gone: the check before the batch's commit fails it for every change in it.
            }
            finally
            {
                // Whatever the rollback met, the turn ends, or every writer after this one would wait for it for good. A
                // connection the server ended is no DbException here (Npgsql: "Connection is not open"), and the check
                // before the batch's commit fails the batch on it all the same.
                await group.EndTurnAsync(context);
            }
        }

        public void CreateSavepoint(string name) => transaction.CreateSavepoint(name);

        public Task CreateSavepointAsync(string name, CancellationToken cancellationToken = default) =>
            transaction.CreateSavepointAsync(name, cancellationToken);

        public void RollbackToSavepoint(string name) => transaction.RollbackToSavepoint(name);

        public Task RollbackToSavepointAsync(string name, CancellationToken cancellationToken = default) =>
            transaction.RollbackToSavepointAsync(name, cancellationToken);

        public void ReleaseSavepoint(string name) => transaction.ReleaseSavepoint(name);

        public Task ReleaseSavepointAsync(string name, CancellationToken cancellationToken = default) =>
            transaction.ReleaseSavepointAsync(name, cancellationToken);

        public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

        /// <summary>A change disposed without a commit is rolled back, as EF Core's own transactions are.</summary>
        public async ValueTask DisposeAsync()
        {
            if (ended is null)
            {
                await RollbackAsync();
            }
            else
            {
                try
                {
                    await ended;
                }
                catch
                {
                    // The caller has seen this failure from CommitAsync or RollbackAsync already.
                }
            }
        }
    }
}
