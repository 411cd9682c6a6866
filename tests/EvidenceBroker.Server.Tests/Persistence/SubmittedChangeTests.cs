using System.Data.Common;
using System.Security.Claims;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// Changes handed whole to the write batch (<see cref="BrokerDbContext.TrySubmitQueuedRowsAsync"/>) are applied in one
/// turn, on PostgreSQL in one round trip. What must hold: a change whose row is refused fails alone and leaves no trace,
/// even in the middle of a turn; the changes after it are applied and chained where the refused one would have been;
/// the turn joins a batch another writer left open, and nothing is acknowledged before its batch commits. A change
/// prepared under a state that has changed by its turn fails alone, and the turn reads that state once. On PostgreSQL,
/// where a batch may open with its rows: a batch that reads the state in that round trip and finds it changed rolls the
/// round back and writes the turn again; a batch opened later in a turn reads the state under its own lock, not an
/// earlier batch's; and two guards naming the same parameter are read instead of guarded.
/// </summary>
public sealed class SubmittedChangeTests
{
    private static readonly Caller Tester = new(
        "submitted-change-test", "Submitted change test", new Tenant(TenantKind.Administration, "broker", null), new ClaimsPrincipal());

    [Fact]
    public async Task On_sqlite_a_refused_change_in_the_middle_of_a_turn_fails_alone_and_the_chain_closes_over_it()
    {
        await using var broker = new BrokerFactory();
        await RefusedChangeInTheMiddleOfATurnAsync(broker);
    }

    [PostgresFact]
    public async Task On_postgres_a_refused_change_in_the_middle_of_a_turn_fails_alone_and_the_chain_closes_over_it()
    {
        await using var broker = new PostgresBrokerFactory();
        await RefusedChangeInTheMiddleOfATurnAsync(broker);
    }

    private static async Task RefusedChangeInTheMiddleOfATurnAsync(BrokerFactory broker)
    {
        await broker.WithDbAsync(db =>
        {
            db.IdempotencyRecords.Add(Key("taken"));
            return db.SaveChangesAsync();
        });
        var entriesBefore = await broker.WithDbAsync(db => db.AuditEntries.CountAsync());
        await using var holderScope = broker.Services.CreateAsyncScope();
        var holder = holderScope.ServiceProvider.GetRequiredService<BrokerDbContext>();

        // A writer holds the turn, so the three changes queue behind it and the batch's writer takes them together.
        var held = await holder.BeginWriteAsync(CancellationToken.None);
        var first = SubmitAsync(broker, "first");
        var refused = SubmitAsync(broker, "taken");
        var third = SubmitAsync(broker, "third");
        var heldCommitted = held.CommitAsync();

        var patience = TimeSpan.FromSeconds(30); // a change never answered would otherwise hang the run
        await first.WaitAsync(patience);
        var refusal = await Assert.ThrowsAsync<DbUpdateException>(() => refused.WaitAsync(patience));
        await third.WaitAsync(patience);
        await heldCommitted.WaitAsync(patience);
        await held.DisposeAsync();

        Assert.True(holder.IsUniqueViolation(refusal));
        Assert.Equal(["first", "taken", "third"], await broker.WithDbAsync(db => db.IdempotencyRecords
            .Where(k => k.ClientId == Tester.Subject).OrderBy(k => k.Key).Select(k => k.Key).ToListAsync()));
        Assert.Equal(
            ["first", "third"],
            await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.Sequence > entriesBefore)
                .OrderBy(e => e.Sequence).Select(e => e.SubjectId).ToListAsync()));
        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(verification.Intact, verification.Reason);
    }

    [Fact]
    public async Task The_batch_writer_outlives_a_batch_that_could_not_open()
    {
        await using var broker = new ImpatientBroker();
        await broker.WithDbAsync(db => db.IdempotencyRecords.CountAsync()); // started: migrated

        // Another process holds SQLite's write lock past the broker's patience: the batch cannot begin.
        await using (var other = new SqliteConnection(broker.ConnectionString))
        {
            await other.OpenAsync();
            await using var hold = await other.BeginTransactionAsync(); // BEGIN IMMEDIATE; rolled back on leaving

            await Assert.ThrowsAsync<SqliteException>(() => SubmitAsync(broker, "while-locked").WaitAsync(TimeSpan.FromSeconds(30)));
        }

        await SubmitAsync(broker, "after").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["after"], await broker.WithDbAsync(db => db.IdempotencyRecords
            .Where(k => k.ClientId == Tester.Subject).Select(k => k.Key).ToListAsync()));
    }

    [Fact]
    public async Task A_change_prepared_under_a_state_that_changed_fails_as_stale_and_leaves_no_trace()
    {
        await using var broker = new BrokerFactory();
        var entriesBefore = await broker.WithDbAsync(db => db.AuditEntries.CountAsync());
        await using var holderScope = broker.Services.CreateAsyncScope();
        var holder = holderScope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var state = new CountedState("now");

        var held = await holder.BeginWriteAsync(CancellationToken.None); // the four changes queue for one turn
        var current = SubmitAsync(broker, "current", new ChangePrecondition(state, "now"));
        var stale = SubmitAsync(broker, "stale", new ChangePrecondition(state, "before"));
        var unconditional = SubmitAsync(broker, "unconditional");
        var alsoCurrent = SubmitAsync(broker, "also-current", new ChangePrecondition(state, "now"));
        await held.CommitAsync();
        await held.DisposeAsync();

        var patience = TimeSpan.FromSeconds(30);
        await Task.WhenAll(current, unconditional, alsoCurrent).WaitAsync(patience);
        await Assert.ThrowsAsync<StaleChangeException>(() => stale.WaitAsync(patience));
        Assert.Equal(1, state.Readings);
        Assert.Equal(["also-current", "current", "unconditional"], await broker.WithDbAsync(db => db.IdempotencyRecords
            .Where(k => k.ClientId == Tester.Subject).OrderBy(k => k.Key).Select(k => k.Key).ToListAsync()));
        Assert.Equal(
            ["current", "unconditional", "also-current"],
            await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.Sequence > entriesBefore)
                .OrderBy(e => e.Sequence).Select(e => e.SubjectId).ToListAsync()));
        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(verification.Intact, verification.Reason);
    }

    [PostgresFact]
    public async Task On_postgres_a_batch_opened_later_in_a_turn_reads_the_states_under_its_own_lock_not_an_earlier_batchs()
    {
        await using var broker = await ProbedAndSettledAsync();
        var state = new ProbeState();

        await using var holderScope = broker.Services.CreateAsyncScope();
        var holder = holderScope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        Task? later = null;

        // One turn, two batches. The first joins the holder's batch, which reads the state under its lock. While it
        // commits, the state changes (as a writer waiting for the lock would change it next) and a change prepared
        // under the state as it was arrives: the next batch must find it stale under its own lock.
        var held = await holder.BeginWriteAsync(CancellationToken.None);
        var first = SubmitAsync(broker, "first", new ChangePrecondition(state, "now"), whenChained: () =>
        {
            ProbeState.Set(broker, "later");
            later = SubmitAsync(broker, "prepared-before", new ChangePrecondition(state, "now"));
        });
        var stale = SubmitAsync(broker, "stale", new ChangePrecondition(state, "before"));
        await held.CommitAsync();
        await held.DisposeAsync();

        var patience = TimeSpan.FromSeconds(30);
        await first.WaitAsync(patience);
        await Assert.ThrowsAsync<StaleChangeException>(() => stale.WaitAsync(patience));
        await Assert.ThrowsAsync<StaleChangeException>(() => later!.WaitAsync(patience));
        Assert.Equal(["first"], await broker.WithDbAsync(db => db.IdempotencyRecords
            .Where(k => k.ClientId == Tester.Subject && !k.Key.StartsWith("settle")).Select(k => k.Key).ToListAsync()));
        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(verification.Intact, verification.Reason);
    }

    [PostgresFact]
    public async Task On_postgres_a_batch_that_opens_reading_its_turns_state_and_finds_it_changed_writes_the_turn_again()
    {
        // Its two changes expect the state to read differently, so the batch cannot be guarded: it opens reading the
        // state in the round trip that writes the turn, finds one change stale, and rolls the round back.
        var state = new ProbeState();
        await OpenedByTwoChangesAsync(state, state);
    }

    [PostgresFact]
    public async Task On_postgres_two_states_guarded_with_the_same_parameter_names_are_read_instead_of_guarded()
    {
        // Two states (two instances, as two registries would make) whose guards name the same parameter: were both
        // guards sent, PostgreSQL would check the second against the first's value, and pass the stale change.
        await OpenedByTwoChangesAsync(new ProbeState(), new ProbeState());
    }

    /// <summary>
    /// A batch opens on the head this process last left with two changes, one prepared under <paramref name="current"/>
    /// as it reads and one under <paramref name="changed"/> as it read before: the first commits, the second is stale.
    /// </summary>
    private static async Task OpenedByTwoChangesAsync(ProbeState current, ProbeState changed)
    {
        await using var broker = await ProbedAndSettledAsync();

        // The two arrive together while an earlier batch commits, so that they open the next batch between them.
        Task? held = null;
        Task? stale = null;
        await SubmitAsync(broker, "opener", whenChained: () =>
        {
            held = SubmitAsync(broker, "current", new ChangePrecondition(current, "now"));
            stale = SubmitAsync(broker, "stale", new ChangePrecondition(changed, "before"));
        }).WaitAsync(TimeSpan.FromSeconds(30));

        var patience = TimeSpan.FromSeconds(30);
        await held!.WaitAsync(patience);
        await Assert.ThrowsAsync<StaleChangeException>(() => stale!.WaitAsync(patience));
        Assert.Equal(["current", "opener"], await broker.WithDbAsync(db => db.IdempotencyRecords
            .Where(k => k.ClientId == Tester.Subject && !k.Key.StartsWith("settle")).OrderBy(k => k.Key).Select(k => k.Key).ToListAsync()));
        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(verification.Intact, verification.Reason);
    }

    /// <summary>
    /// A PostgreSQL broker whose table turn_state_probe reads 'now' (<see cref="ProbeState"/>), and whose batches open
    /// on the head this process last left and are guarded where they can be: changes are submitted in turns of their
    /// own until a batch commits in the round trip that opens it.
    /// </summary>
    private static async Task<PostgresBrokerFactory> ProbedAndSettledAsync()
    {
        var broker = new PostgresBrokerFactory();
        await broker.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(
            "CREATE TABLE turn_state_probe (value TEXT NOT NULL); INSERT INTO turn_state_probe VALUES ('now')"));
        using var commits = new WriteBatchCommits(new NpgsqlConnectionStringBuilder(broker.ConnectionString).Database!);
        for (var i = 1; i <= 10; i++)
        {
            await SubmitAsync(broker, $"settle-{i}");
            if (commits.CommittedIn is [.., "opening_round_trip"])
            {
                return broker;
            }
        }

        await broker.DisposeAsync();
        throw new InvalidOperationException($"No batch committed in the round trip that opened it: {string.Join(", ", commits.CommittedIn)}.");
    }

    /// <summary>Queues the change before returning, as intake does: the submission happens before the first await.</summary>
    private static async Task SubmitAsync(BrokerFactory broker, string key, ChangePrecondition? precondition = null, Action? whenChained = null)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        using var rowsOnly = db.QueueNewRows();
        db.AddRow(Key(key));
        db.BindQueuedRows();
        var chained = audit.Chained(db, Tester, audit.Prepare(new AuditRecord("test.submitted", "idempotency-key", key, new { key })));

        Assert.True(await db.TrySubmitQueuedRowsAsync(whenChained is null ? chained! : new OnceChained(chained!, whenChained), precondition));
    }

    /// <summary>Chains as <paramref name="chained"/> does, running <paramref name="action"/> the first time the batch chains it.</summary>
    private sealed class OnceChained(IChainedRows chained, Action action) : IChainedRows
    {
        private int ran;

        public string HeadQuery => chained.HeadQuery;

        public Task<(long Sequence, string Hash)> ReadHeadAsync(DbDataReader reader) => chained.ReadHeadAsync(reader);

        public (IReadOnlyList<AddedRows.BoundInsert> Rows, (long Sequence, string Hash) Head) Follow(
            (long Sequence, string Hash) head, DbCommand parameterFactory)
        {
            if (Interlocked.Exchange(ref ran, 1) == 0)
            {
                action();
            }

            return chained.Follow(head, parameterFactory);
        }
    }

    /// <summary>A state kept in the table turn_state_probe, which PostgreSQL can guard like the policy in force.</summary>
    private sealed class ProbeState : ITurnState
    {
        public string Query => "SELECT value FROM turn_state_probe";

        public async Task<object> ReadAsync(DbDataReader reader)
        {
            Assert.True(await reader.ReadAsync());
            return reader.GetString(0);
        }

        public RoundTripGuard? Guard(object expected) =>
            new("the probe", "(SELECT value FROM turn_state_probe) = @probe_value", [new("probe_value", expected)]);

        /// <summary>Changes the state at once, on a connection of its own.</summary>
        public static void Set(BrokerFactory broker, string value)
        {
            using var connection = new NpgsqlConnection(broker.ConnectionString);
            connection.Open();
            using var update = new NpgsqlCommand("UPDATE turn_state_probe SET value = @value", connection);
            update.Parameters.AddWithValue("value", value);
            update.ExecuteNonQuery();
        }
    }

    /// <summary>A state that always reads as the same value, counting how often the write batch reads it.</summary>
    private sealed class CountedState(object value) : ITurnState
    {
        private int readings;

        public int Readings => Volatile.Read(ref readings);

        public string Query => "SELECT 1";

        public Task<object> ReadAsync(DbDataReader reader)
        {
            Interlocked.Increment(ref readings);
            return Task.FromResult(value);
        }

        /// <summary>None: a batch written under this state waits for its reading before it commits.</summary>
        public RoundTripGuard? Guard(object expected) => null;
    }

    /// <summary>A broker that gives up on SQLite's write lock after one second instead of thirty.</summary>
    private sealed class ImpatientBroker()
        : BrokerFactory(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(Path.GetTempPath(), $"eb-impatient-{Guid.NewGuid():N}.db")};Default Timeout=1");

    private static IdempotencyRecord Key(string key) => new()
    {
        ClientId = Tester.Subject, Key = key, BodyHash = new string('0', 64), RequestId = Guid.NewGuid(),
        CreatedAt = DateTimeOffset.UnixEpoch,
    };
}
