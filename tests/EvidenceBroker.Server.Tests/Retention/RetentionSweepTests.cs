using System.Text.Json.Nodes;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Retention;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Tests.Retention;

/// <summary>
/// The retention sweep forgets old Idempotency-Keys and old delivered webhook messages. What must hold: only those go
/// (never a request, a pending or dead message, or a young key); each turn says in the audit chain what went; the
/// chain stays valid; a forgotten key files anew. A package whose file cannot be removed stays, named in the trail as
/// not removed, without keeping the others, and the next sweep removes it.
/// </summary>
public sealed class RetentionSweepTests : IAsyncLifetime
{
    private readonly BrokerFactory broker = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await broker.DisposeAsync();

    [Fact]
    public async Task Old_keys_and_old_delivered_messages_go_everything_else_stays_and_the_audit_chain_says_so()
    {
        var delivered = await FileAsync(broker, "old-delivered");
        var pending = await FileAsync(broker, "old-pending");
        var dead = await FileAsync(broker, "old-dead");
        await broker.WithDbAsync(async db =>
        {
            var at = broker.Clock.GetUtcNow();
            await db.Outbox.Where(m => m.RequestId == delivered).ExecuteUpdateAsync(m => m.SetProperty(x => x.DeliveredAt, at));
            return await db.Outbox.Where(m => m.RequestId == dead).ExecuteUpdateAsync(m => m.SetProperty(x => x.DeadAt, at));
        });
        broker.Clock.Advance(TimeSpan.FromDays(31));
        var young = await FileAsync(broker, "young");
        var outboxBefore = await broker.WithDbAsync(db => db.Outbox.CountAsync());
        var deliveredMessages = await broker.WithDbAsync(db => db.Outbox.CountAsync(m => m.RequestId == delivered));
        Assert.True(deliveredMessages > 0);

        var result = await SweepAsync(broker, new RetentionOptions());

        Assert.Equal(new RetentionResult(IdempotencyKeys: 3, DeliveredWebhooks: deliveredMessages), result);
        Assert.Equal(["young"], await broker.WithDbAsync(db => db.IdempotencyRecords.Select(k => k.Key).ToListAsync()));
        Assert.Equal(outboxBefore - deliveredMessages, await broker.WithDbAsync(db => db.Outbox.CountAsync()));
        Assert.Equal(0, await broker.WithDbAsync(db => db.Outbox.CountAsync(m => m.RequestId == delivered)));
        Assert.True(await broker.WithDbAsync(db => db.Outbox.AnyAsync(m => m.RequestId == pending)));
        Assert.True(await broker.WithDbAsync(db => db.Outbox.AnyAsync(m => m.RequestId == dead)));
        Assert.Equal(4, await broker.WithDbAsync(db => db.Requests.CountAsync()));

        var entry = await broker.WithDbAsync(db => db.AuditEntries.OrderByDescending(e => e.Sequence).FirstAsync());
        Assert.Equal("retention.swept", entry.Action);
        Assert.Equal(RetentionSweep.Actor, entry.ActorId);
        var payload = JsonNode.Parse(entry.PayloadJson)!;
        Assert.Equal(3, (int)payload["idempotencyKeys"]!);
        Assert.Equal(deliveredMessages, (int)payload["deliveredWebhooks"]!);
        var chain = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(chain.Intact, chain.Reason);

        var again = await FileAsync(broker, "old-delivered");
        Assert.NotEqual(delivered, again); // the key was forgotten: the same key files a new request
        Assert.NotEqual(young, again);
    }

    [Fact]
    public Task A_report_order_s_old_idempotency_key_is_forgotten_and_the_same_key_orders_anew() => ReportKeyForgottenAsync(broker);

    [PostgresFact]
    public async Task On_postgres_a_report_order_s_old_idempotency_key_is_forgotten_and_the_same_key_orders_anew()
    {
        await using var postgres = new PostgresBrokerFactory();
        await ReportKeyForgottenAsync(postgres);
    }

    private static async Task ReportKeyForgottenAsync(BrokerFactory broker)
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");
        async Task<HttpResponseMessage> OrderAsync(string to)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports/oversight-reports")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { from = "2026-11-01", to }),
            };
            message.Headers.Add("Idempotency-Key", "monthly-report");
            return await oversight.SendAsync(message);
        }

        using var first = await OrderAsync("2026-11-30");
        broker.Clock.Advance(TimeSpan.FromDays(31));
        using var fresh = await broker.ClientAsync("ipco-oversight"); // the first token has expired
        oversight.DefaultRequestHeaders.Authorization = fresh.DefaultRequestHeaders.Authorization;

        var result = await SweepAsync(broker, new RetentionOptions());
        using var later = await OrderAsync("2026-12-31");

        Assert.Equal(1, result.ReportIdempotencyKeys);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, later.StatusCode); // a new report, not a clash with the old one
        Assert.NotEqual((await first.JsonAsync()).GetProperty("id").GetGuid(), (await later.JsonAsync()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_sweep_larger_than_one_turn_takes_as_many_turns_as_it_needs_each_recorded()
    {
        foreach (var key in new[] { "a", "b", "c" })
        {
            await FileAsync(broker, key);
        }

        broker.Clock.Advance(TimeSpan.FromDays(31));
        var entriesBefore = await broker.WithDbAsync(db => db.AuditEntries.CountAsync());

        var result = await SweepAsync(broker, new RetentionOptions { RowsPerTurn = 1 });

        Assert.Equal(3, result.IdempotencyKeys);
        Assert.Equal(0, await broker.WithDbAsync(db => db.IdempotencyRecords.CountAsync()));
        Assert.Equal(3, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "retention.swept")));
        Assert.Equal(entriesBefore + 3, await broker.WithDbAsync(db => db.AuditEntries.CountAsync()));
    }

    [Fact]
    public async Task A_package_whose_production_was_never_recorded_is_removed_once_a_day_old_and_the_removal_recorded()
    {
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync("northwind-legal", id, "acknowledge");
        await broker.ProduceAsync("northwind-legal", id);
        var folder = Path.Combine(broker.DataDirectory, "files", id.ToString("N"));
        var recordedFile = Assert.Single(Directory.GetFiles(folder));
        var unrecorded = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".bin");
        var onItsWay = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".bin");
        await File.WriteAllBytesAsync(unrecorded, new byte[10]);
        await File.WriteAllBytesAsync(onItsWay, new byte[10]);
        var now = broker.Clock.GetUtcNow().UtcDateTime;
        File.SetLastWriteTimeUtc(unrecorded, now.AddDays(-2));
        File.SetLastWriteTimeUtc(recordedFile, now.AddDays(-2));
        File.SetLastWriteTimeUtc(onItsWay, now.AddHours(-1));

        var result = await SweepAsync(broker, new RetentionOptions());

        Assert.Equal(1, result.UnrecordedPackages);
        Assert.False(File.Exists(unrecorded));
        Assert.True(File.Exists(recordedFile));
        Assert.True(File.Exists(onItsWay));
        Assert.Equal(1, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "retention.unrecorded-packages-removed")));
    }

    [Fact]
    public async Task An_unrecorded_package_whose_removal_record_fails_to_commit_stays_until_a_sweep_records_its_removal()
    {
        var package = await UnrecordedPackageAsync(broker, TimeSpan.FromDays(2));
        await RefuseCommitOfRemovalRecordsAsync(broker, refuse: true);

        await Assert.ThrowsAnyAsync<Microsoft.Data.Sqlite.SqliteException>(() => SweepAsync(broker, new RetentionOptions()));
        var keptWithoutRecord = File.Exists(package);
        var recordsAfterFailure = await RemovalRecordsAsync(broker);
        await RefuseCommitOfRemovalRecordsAsync(broker, refuse: false);
        var result = await SweepAsync(broker, new RetentionOptions());

        Assert.True(keptWithoutRecord); // evidence data is never removed without its record
        Assert.Empty(recordsAfterFailure);
        Assert.Equal(1, result.UnrecordedPackages);
        Assert.False(File.Exists(package));
        var record = Assert.Single(await RemovalRecordsAsync(broker));
        Assert.Contains(Path.GetFileName(package), record.PayloadJson, StringComparison.Ordinal);
    }

    [UndeletableFileFact]
    public async Task An_unrecorded_package_that_cannot_be_removed_stays_the_trail_names_it_and_the_next_sweep_removes_it()
    {
        var stuck = await UnrecordedPackageAsync(broker, TimeSpan.FromDays(2));
        var removable = await UnrecordedPackageAsync(broker, TimeSpan.FromDays(2));

        RetentionResult first;
        using (UndeletableFile.Make(stuck))
        {
            first = await SweepAsync(broker, new RetentionOptions());
        }

        var stayed = File.Exists(stuck);
        var othersRemoved = !File.Exists(removable);
        var second = await SweepAsync(broker, new RetentionOptions());

        Assert.True(stayed);
        Assert.True(othersRemoved); // one file that cannot go keeps no other on disk
        Assert.Equal(1, first.UnrecordedPackages);
        var notRemoved = Assert.Single(await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.Action == "retention.unrecorded-packages-not-removed").ToListAsync()));
        Assert.Contains(Path.GetFileName(stuck), notRemoved.PayloadJson, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetFileName(removable), notRemoved.PayloadJson, StringComparison.Ordinal);
        Assert.Equal(1, second.UnrecordedPackages);
        Assert.False(File.Exists(stuck));
    }

    [Fact]
    public async Task A_package_another_sweep_removed_after_this_one_listed_it_is_not_recorded_again()
    {
        var package = await UnrecordedPackageAsync(broker, TimeSpan.FromDays(2));

        // The other sweep, on another node, removes the package as this one enters its turn, after this one listed it.
        using var otherSweep = CommandHook.Before(
            command => CommandHook.On(broker, command) && command.CommandText.StartsWith("SELECT", StringComparison.Ordinal)
                && command.CommandText.Contains("FROM \"productions\"", StringComparison.Ordinal),
            _ => File.Delete(package));
        var result = await SweepAsync(broker, new RetentionOptions());

        Assert.True(otherSweep.Fired);
        Assert.Equal(0, result.UnrecordedPackages);
        Assert.Empty(await RemovalRecordsAsync(broker));
    }

    [Fact]
    public async Task Nothing_old_enough_means_nothing_deleted_and_nothing_recorded()
    {
        await FileAsync(broker, "fresh");
        var entriesBefore = await broker.WithDbAsync(db => db.AuditEntries.CountAsync());

        var result = await SweepAsync(broker, new RetentionOptions());

        Assert.Equal(new RetentionResult(0, 0), result);
        Assert.Equal(1, await broker.WithDbAsync(db => db.IdempotencyRecords.CountAsync()));
        Assert.Equal(entriesBefore, await broker.WithDbAsync(db => db.AuditEntries.CountAsync()));
    }

    [PostgresFact]
    public async Task The_sweep_deletes_in_bounded_turns_on_postgres()
    {
        await using var postgres = new PostgresBrokerFactory();
        foreach (var key in new[] { "a", "b", "c" })
        {
            await FileAsync(postgres, key);
        }

        postgres.Clock.Advance(TimeSpan.FromDays(31));

        var result = await SweepAsync(postgres, new RetentionOptions { RowsPerTurn = 2 });

        Assert.Equal(3, result.IdempotencyKeys);
        Assert.Equal(0, await postgres.WithDbAsync(db => db.IdempotencyRecords.CountAsync()));
        var chain = await postgres.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(chain.Intact, chain.Reason);
    }

    [Fact]
    public void The_broker_refuses_to_start_with_a_retention_of_zero_days()
    {
        using var misconfigured = new ZeroDayRetention();

        var error = Assert.ThrowsAny<Exception>(() => misconfigured.CreateClient());

        Assert.Contains(nameof(RetentionOptions.IdempotencyKeyDays), error.ToString(), StringComparison.Ordinal);
    }

    private sealed class ZeroDayRetention : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Retention:IdempotencyKeyDays", "0")];
    }

    /// <summary>A package on disk whose production was never recorded, last written <paramref name="age"/> ago.</summary>
    private static async Task<string> UnrecordedPackageAsync(BrokerFactory broker, TimeSpan age)
    {
        var folder = Directory.CreateDirectory(Path.Combine(broker.DataDirectory, "files", Guid.NewGuid().ToString("N"))).FullName;
        var package = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".bin");
        await File.WriteAllBytesAsync(package, new byte[10]);
        File.SetLastWriteTimeUtc(package, (broker.Clock.GetUtcNow() - age).UtcDateTime);
        return package;
    }

    private static Task<List<AuditEntry>> RemovalRecordsAsync(BrokerFactory broker) =>
        broker.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.Action == "retention.unrecorded-packages-removed").ToListAsync());

    /// <summary>
    /// The removal's audit entry goes in, and its COMMIT then fails: the entry adds a row breaking a deferred foreign
    /// key, which SQLite checks only when the transaction commits. A sweep removing files before its commit is caught.
    /// </summary>
    private static Task<int> RefuseCommitOfRemovalRecordsAsync(BrokerFactory broker, bool refuse) =>
        broker.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(refuse
            ? """
              CREATE TABLE refused_parent (id INTEGER PRIMARY KEY);
              CREATE TABLE refused_child (parent INTEGER REFERENCES refused_parent (id) DEFERRABLE INITIALLY DEFERRED);
              CREATE TRIGGER refuse_removal_record AFTER INSERT ON audit_entries
                WHEN NEW."Action" = 'retention.unrecorded-packages-removed'
                BEGIN INSERT INTO refused_child VALUES (1); END;
              """
            : "DROP TRIGGER refuse_removal_record;"));

    /// <summary>Files the sample request as the Met's case system, under <paramref name="key"/>.</summary>
    private static Task<Guid> FileAsync(BrokerFactory broker, string key) =>
        broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber(), key);

    private static async Task<RetentionResult> SweepAsync(BrokerFactory broker, RetentionOptions options)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        var sweep = new RetentionSweep(
            scope.ServiceProvider.GetRequiredService<BrokerDbContext>(), scope.ServiceProvider.GetRequiredService<AuditTrail>(),
            Options.Create(options), broker.Clock, scope.ServiceProvider.GetRequiredService<ProductionStore>(),
            scope.ServiceProvider.GetRequiredService<ILogger<RetentionSweep>>());
        return await sweep.SweepAsync(CancellationToken.None);
    }
}
