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

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// Changes handed whole to the write batch (<see cref="BrokerDbContext.TrySubmitQueuedRowsAsync"/>) are applied in one
/// turn, on PostgreSQL in one round trip. What must hold: a change whose row is refused fails alone and leaves no trace,
/// even in the middle of a turn; the changes after it are applied and chained where the refused one would have been;
/// the turn joins a batch another writer left open, and nothing is acknowledged before its batch commits. A change
/// prepared under a state that has changed by its turn fails alone, and the turn reads that state once.
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

    /// <summary>Queues the change before returning, as intake does: the submission happens before the first await.</summary>
    private static async Task SubmitAsync(BrokerFactory broker, string key, ChangePrecondition? precondition = null)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        using var rowsOnly = db.QueueNewRows();
        db.AddRow(Key(key));
        db.BindQueuedRows();
        var chained = audit.Chained(db, Tester, audit.Prepare(new AuditRecord("test.submitted", "idempotency-key", key, new { key })));

        Assert.True(await db.TrySubmitQueuedRowsAsync(chained!, precondition));
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
