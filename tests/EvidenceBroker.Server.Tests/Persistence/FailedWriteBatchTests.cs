using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// A write batch that fails as it commits (the database refuses its COMMIT, <see cref="CommitRefusal"/>) keeps nothing
/// of any change in it. For the writes a client may repeat with an Idempotency-Key (filing a request, ordering a report,
/// registering a webhook, rotating its secret) that means: the first call is answered 500, nothing of it is stored (neither the row nor
/// its audit entry), a retry with the same key afterwards does it anew rather than replaying what was never kept, and a
/// retry that arrived while the first was in the batch (and read it there) is answered 500 too, not with a replay of it.
/// </summary>
public sealed class FailedWriteBatchTests
{
    private const string Unacknowledged = "The broker could not complete this request.";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task On_sqlite_a_filing_whose_batch_fails_is_answered_500_and_its_key_files_it_on_retry()
    {
        await using var broker = new BrokerFactory();
        await FilingInAFailedBatchAsync(broker);
    }

    [PostgresFact]
    public async Task On_postgres_a_filing_whose_batch_fails_is_answered_500_and_its_key_files_it_on_retry()
    {
        // The node's first batch opens in a round trip of its own; its COMMIT goes with the filing's rows.
        await using var broker = new PostgresBrokerFactory();
        await FilingInAFailedBatchAsync(broker);
    }

    [PostgresFact]
    public async Task On_postgres_a_filing_whose_batch_fails_in_the_round_trip_that_opens_it_is_answered_500_and_its_key_files_it_on_retry()
    {
        // Once a batch of this node has left the chain's head where the next finds it, a lone filing opens the next
        // batch, writes and commits in one round trip, behind guards: there its COMMIT is refused.
        await using var broker = new PostgresBrokerFactory();
        using var officer = await broker.ClientAsync("met-case-system");
        using var commits = new WriteBatchCommits(new Npgsql.NpgsqlConnectionStringBuilder(broker.ConnectionString).Database!);
        for (var i = 0; i < 10 && commits.CommittedIn is not [.., "opening_round_trip"]; i++)
        {
            using var settling = await officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());
            Assert.Equal(HttpStatusCode.Created, settling.StatusCode);
        }

        Assert.True(commits.CommittedIn is [.., "opening_round_trip"], string.Join(", ", commits.CommittedIn));
        await FilingInAFailedBatchAsync(broker, officer);
        Assert.Equal("opening_round_trip", commits.CommittedIn[^1]); // the retry, in a batch opened as the failed one was
    }

    [PostgresFact]
    public async Task On_postgres_a_filing_whose_batch_loses_its_connection_as_it_commits_is_answered_500_and_its_key_files_it_on_retry()
    {
        await using var broker = new PostgresBrokerFactory();
        await FilingInAFailedBatchAsync(broker, connectionLost: true);
    }

    private static async Task FilingInAFailedBatchAsync(BrokerFactory broker, bool connectionLost = false)
    {
        using var officer = await broker.ClientAsync("met-case-system");
        await FilingInAFailedBatchAsync(broker, officer, connectionLost);
    }

    private static async Task FilingInAFailedBatchAsync(BrokerFactory broker, HttpClient officer, bool connectionLost = false)
    {
        var before = await FilingRowsAsync(broker, "failed-once");

        HttpResponseMessage first;
        await using (await CommitRefusal.OnWritesToAsync(broker, "idempotency_keys", connectionLost))
        {
            first = await FileAsync(officer, "failed-once");
        }

        using (first)
        {
            await AssertUnacknowledgedAsync(first, broker);
        }


        Assert.Equal(before, await FilingRowsAsync(broker, "failed-once"));
        using var retried = await FileAsync(officer, "failed-once");
        Assert.True(retried.StatusCode == HttpStatusCode.Created, $"{await retried.Content.ReadAsStringAsync()}\n{broker.ServerErrors}");
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        await AssertFiledOnceMoreAsync(broker, before, retried);
    }

    [Fact]
    public async Task On_sqlite_a_filing_retried_while_the_first_is_in_a_batch_that_then_fails_is_not_answered_as_a_replay()
    {
        await using var broker = new BrokerFactory();
        await FilingRetriedInAFailingBatchAsync(broker);
    }

    [PostgresFact]
    public async Task On_postgres_a_filing_retried_while_the_first_is_in_a_batch_that_then_fails_is_not_answered_as_a_replay()
    {
        await using var broker = new PostgresBrokerFactory();
        await FilingRetriedInAFailingBatchAsync(broker);
    }

    /// <summary>
    /// Two calls with one key in one batch: the second one's row is refused by the first one's key, so it reads the
    /// first filing inside the batch, as a replay would be answered, before the batch fails.
    /// </summary>
    [PostgresFact]
    public async Task On_postgres_a_filing_retried_while_the_first_is_in_a_batch_that_then_loses_its_connection_is_not_answered_as_a_replay()
    {
        await using var broker = new PostgresBrokerFactory();
        await FilingRetriedInAFailingBatchAsync(broker, connectionLost: true);
    }

    private static async Task FilingRetriedInAFailingBatchAsync(BrokerFactory broker, bool connectionLost = false)
    {
        var armed = false;
        using var retryRead = CommandHook.Before(
            command => Volatile.Read(ref armed) && InTurn(broker, command, "idempotency_keys"), _ => { });
        using var officer = await broker.ClientAsync("met-case-system");
        var before = await FilingRowsAsync(broker, "raced");

        HttpResponseMessage first, second;
        await using (await CommitRefusal.OnWritesToAsync(broker, "idempotency_keys", connectionLost))
        {
            Volatile.Write(ref armed, true);
            var held = await HeldWriteBatch.HoldAsync(broker);
            var filing = FileAsync(officer, "raced");
            var retry = FileAsync(officer, "raced");
            await held.ReleaseWhenAsync(() => retryRead.Fired, Patience);
            (first, second) = (await filing.WaitAsync(Patience), await retry.WaitAsync(Patience));
        }

        using (first)
        using (second)
        {
            await AssertUnacknowledgedAsync(first, broker);
            await AssertUnacknowledgedAsync(second, broker);
        }

        Assert.Equal(before, await FilingRowsAsync(broker, "raced"));
        using var later = await FileAsync(officer, "raced");
        Assert.True(later.StatusCode == HttpStatusCode.Created, $"{await later.Content.ReadAsStringAsync()}\n{broker.ServerErrors}");
        Assert.False(later.Headers.Contains("Idempotent-Replayed"));
        await AssertFiledOnceMoreAsync(broker, before, later);
    }

    [Fact]
    public async Task On_sqlite_a_report_order_retried_while_the_first_is_in_a_batch_that_then_fails_is_not_answered_as_a_replay()
    {
        await using var broker = new BrokerFactory();
        await ReportOrderRetriedInAFailingBatchAsync(broker);
    }

    [PostgresFact]
    public async Task On_postgres_a_report_order_retried_while_the_first_is_in_a_batch_that_then_fails_is_not_answered_as_a_replay()
    {
        await using var broker = new PostgresBrokerFactory();
        await ReportOrderRetriedInAFailingBatchAsync(broker);
    }

    private static async Task ReportOrderRetriedInAFailingBatchAsync(BrokerFactory broker)
    {
        const string key = "report-raced";
        var armed = false;
        Task<HttpResponseMessage>? retry = null;
        HttpClient? oversight = null;

        // Once the first order has written its job, in the held batch, the retry comes and reads it there.
        using var firstWrote = CommandHook.After(
            command => Volatile.Read(ref armed) && CommandHook.On(broker, command) && Writes(command, "export_jobs"),
            _ => retry = Task.Run(() => OrderReportAsync(oversight!, key)));
        using var retryRead = CommandHook.Before(command => firstWrote.Fired && InTurn(broker, command, "export_jobs"), _ => { });
        oversight = await broker.ClientAsync("ipco-oversight");
        using var client = oversight;
        var before = await ReportRowsAsync(broker, key);

        HttpResponseMessage first, second;
        await using (await CommitRefusal.OnWritesToAsync(broker, "export_jobs"))
        {
            Volatile.Write(ref armed, true);
            var held = await HeldWriteBatch.HoldAsync(broker);
            var order = OrderReportAsync(oversight, key);
            await held.ReleaseWhenAsync(() => retryRead.Fired, Patience);
            (first, second) = (await order.WaitAsync(Patience), await retry!.WaitAsync(Patience));
        }

        using (first)
        using (second)
        {
            await AssertUnacknowledgedAsync(first, broker);
            await AssertUnacknowledgedAsync(second, broker);
        }

        Assert.Equal(before, await ReportRowsAsync(broker, key));
        using var later = await OrderReportAsync(oversight, key);
        Assert.True(later.StatusCode == HttpStatusCode.Accepted, $"{await later.Content.ReadAsStringAsync()}\n{broker.ServerErrors}");
        Assert.False(later.Headers.Contains("Idempotent-Replayed"));
        var id = (await later.JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal(before with { Jobs = before.Jobs + 1, Entries = before.Entries + 1 }, await ReportRowsAsync(broker, key));
        Assert.True(await broker.WithDbAsync(db => db.ExportJobs.AnyAsync(j => j.Id == id && j.IdempotencyKey == key)));
        await AssertChainIntactAsync(broker);
    }

    [PostgresFact]
    public async Task On_postgres_a_report_order_whose_connection_is_lost_in_its_turn_is_answered_500_and_its_key_orders_it_on_retry()
    {
        const string key = "report-connection-lost";
        var armed = false;
        await using var broker = new PostgresBrokerFactory();

        // The server ends the batch's connection as the order is about to write its job, inside its turn.
        using var lost = CommandHook.Before(
            command => Volatile.Read(ref armed) && CommandHook.On(broker, command) && Writes(command, "export_jobs"),
            command => Terminate(broker, ((Npgsql.NpgsqlConnection)command.Connection!).ProcessID));
        using var oversight = await broker.ClientAsync("ipco-oversight");
        var before = await ReportRowsAsync(broker, key);

        Volatile.Write(ref armed, true);
        using (var first = await OrderReportAsync(oversight, key).WaitAsync(Patience))
        {
            await AssertUnacknowledgedAsync(first, broker);
        }

        Assert.True(lost.Fired);
        Assert.Equal(before, await ReportRowsAsync(broker, key));
        using var later = await OrderReportAsync(oversight, key).WaitAsync(Patience);
        Assert.True(later.StatusCode == HttpStatusCode.Accepted, $"{await later.Content.ReadAsStringAsync()}\n{broker.ServerErrors}");
        Assert.False(later.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(before with { Jobs = before.Jobs + 1, Entries = before.Entries + 1 }, await ReportRowsAsync(broker, key));
        await AssertChainIntactAsync(broker);
    }

    /// <summary>Ends a server process of the broker's database, as a lost connection ends it.</summary>
    private static void Terminate(BrokerFactory broker, int processId)
    {
        using var connection = new Npgsql.NpgsqlConnection(broker.ConnectionString);
        connection.Open();
        using var terminate = new Npgsql.NpgsqlCommand("SELECT pg_terminate_backend(@pid, 5000)", connection);
        terminate.Parameters.AddWithValue("pid", processId);
        Assert.True((bool)terminate.ExecuteScalar()!);
    }

    [Fact]
    public async Task On_sqlite_a_secret_rotation_retried_while_the_first_is_in_a_batch_that_then_fails_is_not_answered_as_a_replay()
    {
        await using var broker = new BrokerFactory();
        await RotationRetriedInAFailingBatchAsync(broker);
    }

    [PostgresFact]
    public async Task On_postgres_a_secret_rotation_retried_while_the_first_is_in_a_batch_that_then_fails_is_not_answered_as_a_replay()
    {
        await using var broker = new PostgresBrokerFactory();
        await RotationRetriedInAFailingBatchAsync(broker);
    }

    private static async Task RotationRetriedInAFailingBatchAsync(BrokerFactory broker)
    {
        const string key = "rotation-raced";
        var armed = false;
        Task<HttpResponseMessage>? retry = null;
        HttpClient? admin = null;

        // Once the first rotation has written the new secret, in the held batch, the retry comes and reads it there.
        using var firstWrote = CommandHook.After(
            command => Volatile.Read(ref armed) && CommandHook.On(broker, command) && Writes(command, "webhook_secrets"),
            _ => retry = Task.Run(() => RotateAsync(admin!, key)));
        using var retryRead = CommandHook.Before(command => firstWrote.Fired && InTurn(broker, command, "webhook_secrets"), _ => { });
        admin = await broker.ClientAsync("broker-admin");
        using var client = admin;
        var before = await RotationRowsAsync(broker);

        HttpResponseMessage first, second;
        await using (await CommitRefusal.OnWritesToAsync(broker, "webhook_secrets"))
        {
            Volatile.Write(ref armed, true);
            var held = await HeldWriteBatch.HoldAsync(broker);
            var rotation = RotateAsync(admin, key);
            await held.ReleaseWhenAsync(() => retryRead.Fired, Patience);
            (first, second) = (await rotation.WaitAsync(Patience), await retry!.WaitAsync(Patience));
        }

        using (first)
        using (second)
        {
            await AssertUnacknowledgedAsync(first, broker);
            await AssertUnacknowledgedAsync(second, broker);
        }

        Assert.Equal(before, await RotationRowsAsync(broker));
        using var later = await RotateAsync(admin, key);
        Assert.True(later.StatusCode == HttpStatusCode.OK, $"{await later.Content.ReadAsStringAsync()}\n{broker.ServerErrors}");
        Assert.False(later.Headers.Contains("Idempotent-Replayed"));
        var issued = (await later.JsonAsync()).GetProperty("secret").GetString();
        var after = await RotationRowsAsync(broker);
        Assert.Equal(before.Rotations + 1, after.Rotations);
        Assert.Equal(issued, broker.Services.GetRequiredService<WebhookSecretVault>().Open(after.Secret!));
        await AssertChainIntactAsync(broker);
    }

    [Fact]
    public async Task On_sqlite_a_webhook_registration_retried_while_the_first_is_in_a_batch_that_then_fails_is_not_answered_as_a_replay()
    {
        await using var broker = new BrokerFactory();
        await RegistrationRetriedInAFailingBatchAsync(broker);
    }

    [PostgresFact]
    public async Task On_postgres_a_webhook_registration_retried_while_the_first_is_in_a_batch_that_then_fails_is_not_answered_as_a_replay()
    {
        await using var broker = new PostgresBrokerFactory();
        await RegistrationRetriedInAFailingBatchAsync(broker);
    }

    /// <summary>A first URL issues the recipient's secret; the same PUT again, with its key, is answered with that secret.</summary>
    private static async Task RegistrationRetriedInAFailingBatchAsync(BrokerFactory broker)
    {
        const string key = "registration-raced";
        var armed = false;
        Task<HttpResponseMessage>? retry = null;
        HttpClient? admin = null;

        // Once the first PUT has written the URL and the secret, in the held batch, the retry comes and reads them there.
        using var firstWrote = CommandHook.After(
            command => Volatile.Read(ref armed) && CommandHook.On(broker, command) && Writes(command, "webhook_secrets"),
            _ => retry = Task.Run(() => RegisterAsync(admin!, key)));
        using var retryRead = CommandHook.Before(command => firstWrote.Fired && InTurn(broker, command, "webhook_secrets"), _ => { });
        admin = await broker.ClientAsync("broker-admin");
        using var client = admin;
        await broker.WithDbAsync(db =>
        {
            db.Agencies.Add(new Agency { Id = RegisteringAgency, Country = "IE", Name = "Garda National Cyber Crime Bureau (registering)" });
            return db.SaveChangesAsync();
        });
        var before = await RegistrationRowsAsync(broker);

        HttpResponseMessage first, second;
        await using (await CommitRefusal.OnWritesToAsync(broker, "webhook_secrets"))
        {
            Volatile.Write(ref armed, true);
            var held = await HeldWriteBatch.HoldAsync(broker);
            var registration = RegisterAsync(admin, key);
            await held.ReleaseWhenAsync(() => retryRead.Fired, Patience);
            (first, second) = (await registration.WaitAsync(Patience), await retry!.WaitAsync(Patience));
        }

        using (first)
        using (second)
        {
            await AssertUnacknowledgedAsync(first, broker);
            await AssertUnacknowledgedAsync(second, broker);
        }

        Assert.Equal(before, await RegistrationRowsAsync(broker));
        using var later = await RegisterAsync(admin, key);
        Assert.True(later.StatusCode == HttpStatusCode.OK, $"{await later.Content.ReadAsStringAsync()}\n{broker.ServerErrors}");
        Assert.False(later.Headers.Contains("Idempotent-Replayed"));
        var issued = (await later.JsonAsync()).GetProperty("secret").GetString();
        var after = await RegistrationRowsAsync(broker);
        Assert.Equal((RegisteredUrl, before.Changes + 1), (after.Url, after.Changes));
        Assert.Equal(issued, broker.Services.GetRequiredService<WebhookSecretVault>().Open(after.Secret!));
        await AssertChainIntactAsync(broker);
    }

    /// <summary>The answer to a write that was not kept: a 500 problem, never a success for something not stored.</summary>
    private static async Task AssertUnacknowledgedAsync(HttpResponseMessage response, BrokerFactory broker)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{(int)response.StatusCode} {body}\n{broker.ServerErrors}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Unacknowledged, JsonDocument.Parse(body).RootElement.GetProperty("title").GetString());
    }

    /// <summary>A query the broker makes inside a writer's turn (in the write batch's transaction) on <paramref name="table"/>.</summary>
    private static bool InTurn(BrokerFactory broker, DbCommand command, string table) =>
        command.Transaction is not null && CommandHook.On(broker, command)
        && command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)
        && command.CommandText.Contains(table, StringComparison.Ordinal);

    private static bool Writes(DbCommand command, string table) =>
        (command.CommandText.Contains("INSERT INTO", StringComparison.Ordinal) || command.CommandText.Contains("UPDATE ", StringComparison.Ordinal))
        && command.CommandText.Contains(table, StringComparison.Ordinal);

    private static async Task<HttpResponseMessage> FileAsync(HttpClient officer, string key)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = JsonContent.Create(SampleRequests.MetToNorthwindSubscriber()),
        };
        message.Headers.Add("Idempotency-Key", key);
        return await officer.SendAsync(message);
    }

    private static async Task<HttpResponseMessage> OrderReportAsync(HttpClient oversight, string key)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports/transparency-reports")
        {
            Content = JsonContent.Create(new { period = "2026-H2" }),
        };
        message.Headers.Add("Idempotency-Key", key);
        return await oversight.SendAsync(message);
    }

    private static async Task<HttpResponseMessage> RotateAsync(HttpClient admin, string key)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/providers/emerald-cloud/webhook/rotate-secret");
        message.Headers.Add("Idempotency-Key", key);
        return await admin.SendAsync(message);
    }

    private const string RegisteringAgency = "ie-gnci-registering";
    private const string RegisteredUrl = "https://gnci.example/hooks";

    private static async Task<HttpResponseMessage> RegisterAsync(HttpClient admin, string key)
    {
        using var message = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/admin/agencies/{RegisteringAgency}/webhook")
        {
            Content = JsonContent.Create(new { url = RegisteredUrl }),
        };
        message.Headers.Add("Idempotency-Key", key);
        return await admin.SendAsync(message);
    }

    private sealed record RegistrationRows(string? Url, string? Secret, int Changes);

    private static Task<RegistrationRows> RegistrationRowsAsync(BrokerFactory broker) => broker.WithDbAsync(async db => new RegistrationRows(
        await db.Agencies.Where(a => a.Id == RegisteringAgency).Select(a => a.WebhookUrl).SingleAsync(),
        await db.WebhookSecrets.Where(s => s.Recipient == "agency:" + RegisteringAgency).Select(s => s.Secret).SingleOrDefaultAsync(),
        await db.AuditEntries.CountAsync(e => e.Action == "webhook.endpoint-changed")));

    /// <summary>Every row a filing writes, counted: requests, decisions, the key, audit entries, outbox messages.</summary>
    private sealed record FilingRows(int Requests, int Decisions, int Keys, int Entries, int Outbox);

    private static Task<FilingRows> FilingRowsAsync(BrokerFactory broker, string key) => broker.WithDbAsync(async db => new FilingRows(
        await db.Requests.CountAsync(), await db.Decisions.CountAsync(), await db.IdempotencyRecords.CountAsync(k => k.Key == key),
        await db.AuditEntries.CountAsync(e => e.Action.StartsWith("request.")), await db.Outbox.CountAsync()));

    /// <summary>One request more than <paramref name="before"/>, whole, and the one <paramref name="response"/> names.</summary>
    private static async Task AssertFiledOnceMoreAsync(BrokerFactory broker, FilingRows before, HttpResponseMessage response)
    {
        var id = (await response.JsonAsync()).GetProperty("id").GetGuid();
        var after = await FilingRowsAsync(broker, "unused");
        Assert.Equal((before.Requests + 1, before.Decisions + 1, before.Entries + 2), (after.Requests, after.Decisions, after.Entries));
        Assert.True(after.Outbox > before.Outbox);
        Assert.True(await broker.WithDbAsync(db => db.IdempotencyRecords.AnyAsync(k => k.RequestId == id)));
        Assert.Equal(2, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SubjectId == id.ToString())));
        await AssertChainIntactAsync(broker);
    }

    private sealed record ReportRows(int Jobs, int Entries);

    private static Task<ReportRows> ReportRowsAsync(BrokerFactory broker, string key) => broker.WithDbAsync(async db => new ReportRows(
        await db.ExportJobs.CountAsync(j => j.IdempotencyKey == key), await db.AuditEntries.CountAsync(e => e.Action == "export.requested")));

    private sealed record RotationRows(string? Secret, DateTimeOffset? CreatedAt, int Rotations);

    private static Task<RotationRows> RotationRowsAsync(BrokerFactory broker) => broker.WithDbAsync(async db =>
    {
        var secret = await db.WebhookSecrets.AsNoTracking().SingleOrDefaultAsync(s => s.Recipient == "provider:emerald-cloud");
        return new RotationRows(secret?.Secret, secret?.CreatedAt, await db.AuditEntries.CountAsync(e => e.Action == "webhook.secret-rotated"));
    });

    private static async Task AssertChainIntactAsync(BrokerFactory broker)
    {
        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(verification.Intact, verification.Reason);
    }
}
