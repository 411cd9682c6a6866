using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Tests.Notifications;

/// <summary>Webhooks end to end: the real broker files a request, a delivery pass sends it to a real local receiver.</summary>
public sealed class WebhookDeliveryTests
{
    private const string Met = "agency:gb-met";
    private const string Northwind = "provider:northwind-mail";

    [Fact]
    public async Task A_delivery_carries_a_signature_that_verifies_with_the_recipients_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "agencies", "gb-met", receiver.BaseUrl + "/met/hooks");
        var requestId = await Steps.FileAsync(broker);

        var pass = await broker.Delivery.RunOnceAsync(CancellationToken.None);

        var delivery = Assert.Single(receiver.Received);
        var message = Assert.Single(await broker.OutboxAsync(Met));
        Assert.Equal(1, pass.Delivered);
        Assert.Equal("/met/hooks", delivery.Path);
        Assert.Equal(message.Id.ToString(), delivery.Id);
        Assert.Equal(broker.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), delivery.Timestamp);
        Assert.True(delivery.SignatureVerifies(WebhookSecret.ForDevelopment(Met)), delivery.Signature);
        Assert.False(delivery.SignatureVerifies(WebhookSecret.ForDevelopment(Northwind)));
        using var body = JsonDocument.Parse(delivery.Body);
        Assert.Equal("request.decided", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(message.Id, body.RootElement.GetProperty("id").GetGuid());
        Assert.Equal(requestId, body.RootElement.GetProperty("data").GetProperty("requestId").GetGuid());
        Assert.NotNull(message.DeliveredAt);
        Assert.Null(message.SkippedReason);
    }

    [Fact]
    public async Task A_claim_that_fails_ends_the_pass_with_its_failure_once_the_other_lanes_have_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "agencies", "gb-met", receiver.BaseUrl + "/met/hooks");
        await Steps.FileAsync(broker);
        var services = broker.Services;
        var delivery = new WebhookDelivery(
            new FirstScopeFails(services.GetRequiredService<IServiceScopeFactory>()), services.GetRequiredService<IHttpClientFactory>(), broker.Clock,
            services.GetRequiredService<IOptions<WebhookOptions>>(), services.GetRequiredService<WebhookSecretVault>(), NullLogger<WebhookDelivery>.Instance);

        // Before, the failed lane stayed counted as busy and the others polled on until the pass's cap of messages.
        var pass = delivery.RunOnceAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        await Assert.ThrowsAsync<InvalidOperationException>(() => pass);
        Assert.Single(receiver.Received);
    }

    /// <summary>The first scope asked for (a lane's first claim: claims come before any delivery) cannot be had.</summary>
    private sealed class FirstScopeFails(IServiceScopeFactory scopes) : IServiceScopeFactory
    {
        private int asked;

        public IServiceScope CreateScope() =>
            Interlocked.Increment(ref asked) == 1 ? throw new InvalidOperationException("The database did not answer.") : scopes.CreateScope();
    }

    [Fact]
    public async Task A_tampered_body_or_timestamp_does_not_verify()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "agencies", "gb-met", receiver.BaseUrl + "/hooks");
        await Steps.FileAsync(broker);
        await broker.Delivery.RunOnceAsync(CancellationToken.None);
        var genuine = Assert.Single(receiver.Received);

        var secret = WebhookSecret.ForDevelopment(Met);
        var tamperedBody = genuine with { Body = [.. genuine.Body.Take(genuine.Body.Length - 1), (byte)' '] };
        var replayedLater = genuine with { Timestamp = (long.Parse(genuine.Timestamp!, System.Globalization.CultureInfo.InvariantCulture) + 600).ToString(System.Globalization.CultureInfo.InvariantCulture) };

        Assert.True(genuine.SignatureVerifies(secret));
        Assert.False(tamperedBody.SignatureVerifies(secret));
        Assert.False(replayedLater.SignatureVerifies(secret));
    }

    [Fact]
    public async Task After_a_rotation_deliveries_carry_the_new_and_the_previous_signature()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "providers", "northwind-mail", receiver.BaseUrl + "/hooks");
        using var rotated = await admin.PostAsync("/api/v1/admin/providers/northwind-mail/webhook/rotate-secret", null);
        var rotation = await rotated.JsonAsync();
        var secret = rotation.GetProperty("secret").GetString()!;
        await Steps.FileAsync(broker);

        await broker.Delivery.RunOnceAsync(CancellationToken.None);

        var delivery = Assert.Single(receiver.Received);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.Equal(2, delivery.Signature!.Split(' ').Length);
        Assert.True(delivery.SignatureVerifies(secret));
        Assert.True(delivery.SignatureVerifies(WebhookSecret.ForDevelopment(Northwind)));

        // Once the overlap is over, only the new secret signs.
        broker.Clock.Advance(TimeSpan.FromHours(25));
        await Steps.FileAsync(broker);
        await broker.Delivery.RunOnceAsync(CancellationToken.None);
        var later = receiver.Received[^1];
        Assert.Single(later.Signature!.Split(' '));
        Assert.True(later.SignatureVerifies(secret));
        Assert.False(later.SignatureVerifies(WebhookSecret.ForDevelopment(Northwind)));
    }

    [Fact]
    public async Task Rotating_a_secret_the_broker_can_no_longer_open_lets_deliveries_go_on_at_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "providers", "northwind-mail", receiver.BaseUrl + "/hooks");
        // Sealed with data-protection keys this broker does not have, as after its certificate was replaced.
        var lost = DataProtectionProvider.Create("another broker")
            .CreateProtector("EvidenceBroker.Webhooks.Secret.v1").Protect(WebhookSecret.Generate());
        await broker.WithDbAsync(db => db.WebhookSecrets.Where(s => s.Recipient == Northwind)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Secret, lost)));

        using var rotated = await admin.PostAsync("/api/v1/admin/providers/northwind-mail/webhook/rotate-secret", null);
        var secret = (await rotated.JsonAsync()).GetProperty("secret").GetString()!;
        await Steps.FileAsync(broker);
        var pass = await broker.Delivery.RunOnceAsync(CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal(1, pass.Delivered);
        var delivery = Assert.Single(receiver.Received);
        Assert.Single(delivery.Signature!.Split(' '));
        Assert.True(delivery.SignatureVerifies(secret));
    }

    [Fact]
    public async Task A_failing_receiver_gets_retries_with_growing_delays_under_the_same_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "agencies", "gb-met", receiver.BaseUrl + "/hooks");
        receiver.FailNext(3);
        await Steps.FileAsync(broker);
        var id = Assert.Single(await broker.OutboxAsync(Met)).Id;

        var delays = new List<TimeSpan>();
        for (var failure = 1; failure <= 3; failure++)
        {
            var pass = await broker.Delivery.RunOnceAsync(CancellationToken.None);
            var message = await broker.MessageAsync(id);
            Assert.Equal(1, pass.Failed);
            Assert.Equal(failure, message.Attempts);
            Assert.Equal(503, message.LastStatusCode);
            Assert.Equal("HTTP 503 Service Unavailable", message.LastError);
            delays.Add(message.NextAttemptAt - message.LastAttemptAt!.Value);

            // Not due yet: a pass just before the retry time sends nothing.
            broker.Clock.Advance(delays[^1] - TimeSpan.FromSeconds(1));
            Assert.Equal(0, (await broker.Delivery.RunOnceAsync(CancellationToken.None)).Total);
            Assert.Equal(failure, receiver.Received.Count);
            broker.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var last = await broker.Delivery.RunOnceAsync(CancellationToken.None);

        var delivered = await broker.MessageAsync(id);
        Assert.Equal(1, last.Delivered);
        Assert.NotNull(delivered.DeliveredAt);
        Assert.Equal(4, delivered.Attempts);
        Assert.Equal(4, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Equal(id.ToString(), r.Id));
        Assert.All(receiver.Received, r => Assert.True(r.SignatureVerifies(WebhookSecret.ForDevelopment(Met))));
        Assert.Single(receiver.Received.Select(r => r.Text).Distinct());
        Assert.Equal(4, receiver.Received.Select(r => r.Timestamp).Distinct().Count());
        Assert.InRange(delays[0].TotalSeconds, 30, 36);
        Assert.InRange(delays[1].TotalSeconds, 60, 72);
        Assert.InRange(delays[2].TotalSeconds, 120, 144);
    }

    [Fact]
    public async Task A_receiver_that_answers_too_late_gets_a_duplicate_it_can_detect_by_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // Long enough for the second, prompt delivery on a busy machine, and well short of the first's lateness.
        await using var broker = WebhookBrokerFactory.With("Webhooks:Timeout", "00:00:03");
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "agencies", "gb-met", receiver.BaseUrl + "/hooks");
        receiver.AnswerLateNext(1, TimeSpan.FromSeconds(8));
        await Steps.FileAsync(broker);

        var first = await broker.Delivery.RunOnceAsync(CancellationToken.None);
        var afterTimeout = Assert.Single(await broker.OutboxAsync(Met));
        broker.Clock.Advance(afterTimeout.NextAttemptAt - broker.Clock.GetUtcNow());
        var second = await broker.Delivery.RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, first.Failed);
        Assert.Equal("no response within 3 s", afterTimeout.LastError);
        Assert.Equal(1, second.Delivered);
        Assert.Equal(2, receiver.Received.Count);
        Assert.Single(receiver.Received.Select(r => r.Id).Distinct());
        Assert.Equal(receiver.Received[0].Text, receiver.Received[1].Text);
    }

    [Fact]
    public async Task A_receiver_that_never_succeeds_becomes_a_dead_letter_an_administrator_can_requeue()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        var id = await Steps.FileToAReceiverThatAlwaysFailsAsync(broker, receiver);

        var passes = 0;
        OutboxMessage message;
        do
        {
            await broker.Delivery.RunOnceAsync(CancellationToken.None);
            passes++;
            message = await broker.MessageAsync(id);
            if (message.DeadAt is null)
            {
                broker.Clock.Advance(message.NextAttemptAt - broker.Clock.GetUtcNow());
            }
        }
        while (message.DeadAt is null && passes < 50);

        // Tokens are taken now: half a day has passed on the clock the token server reads.
        using var admin = await broker.ClientAsync("broker-admin");
        using var officer = await broker.ClientAsync("met-case-system");
        using var list = await admin.GetAsync("/api/v1/admin/webhooks/dead-letters");
        using var forbidden = await officer.GetAsync("/api/v1/admin/webhooks/dead-letters");
        var dead = Assert.Single((await list.JsonAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(12, passes);
        Assert.Equal(12, receiver.Received.Count);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(id, dead.GetProperty("id").GetGuid());
        Assert.Equal("dead", dead.GetProperty("status").GetString());
        Assert.Equal(12, dead.GetProperty("attempts").GetInt32());
        Assert.Equal("HTTP 500 Internal Server Error", dead.GetProperty("lastError").GetString());
        Assert.Equal(0, (await broker.Delivery.RunOnceAsync(CancellationToken.None)).Total);

        receiver.FailNext(0);
        using var retry = await admin.PostAsync($"/api/v1/admin/webhooks/dead-letters/{id}/retry", null);
        using var again = await admin.PostAsync($"/api/v1/admin/webhooks/dead-letters/{id}/retry", null);
        var pass = await broker.Delivery.RunOnceAsync(CancellationToken.None);
        using var after = await admin.GetAsync("/api/v1/admin/webhooks/dead-letters");

        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(1, pass.Delivered);
        Assert.Equal(0, (await after.JsonAsync()).GetProperty("total").GetInt32());
        Assert.Equal(id.ToString(), receiver.Received[^1].Id);
        var audit = await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(e => e.Action == "webhook.requeued"));
        Assert.Equal(id.ToString(), audit.SubjectId);
        Assert.Equal("administrator", audit.ActorRole);
    }

    [Fact]
    public async Task A_dead_letter_requeued_days_later_gets_its_retries_again_not_a_single_attempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        var id = await Steps.FileToAReceiverThatAlwaysFailsAsync(broker, receiver);
        await broker.WithDbAsync(db => db.Outbox.Where(m => m.Id == id)
            .ExecuteUpdateAsync(set => set.SetProperty(m => m.DeadAt, broker.Clock.GetUtcNow()).SetProperty(m => m.Attempts, 12)));
        broker.Clock.Advance(TimeSpan.FromDays(3));

        using var admin = await broker.ClientAsync("broker-admin");
        using var retry = await admin.PostAsync($"/api/v1/admin/webhooks/dead-letters/{id}/retry", null);
        await broker.Delivery.RunOnceAsync(CancellationToken.None);
        var afterOneFailure = await broker.MessageAsync(id);

        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Null(afterOneFailure.DeadAt);
        Assert.Equal(1, afterOneFailure.Attempts);
        Assert.True(afterOneFailure.NextAttemptAt > broker.Clock.GetUtcNow());
    }

    [Fact]
    public async Task A_secret_this_node_cannot_unseal_fails_its_own_message_until_it_is_a_dead_letter_and_no_other()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        await Steps.SetUrlAsync(broker, "agencies", "gb-met", receiver.BaseUrl + "/hooks");

        // Sealed with data-protection keys this node does not have, as after keys were lost or not shared.
        await broker.WithDbAsync(db => db.WebhookSecrets.Where(secret => secret.Recipient == Met)
            .ExecuteUpdateAsync(set => set.SetProperty(secret => secret.Secret, "sealed-with-another-nodes-keys")));
        await Steps.FileAsync(broker);
        var id = Assert.Single(await broker.OutboxAsync(Met)).Id;

        var first = await broker.Delivery.RunOnceAsync(CancellationToken.None);
        var passes = 1;
        var message = await broker.MessageAsync(id);
        while (message.DeadAt is null && passes < 50)
        {
            broker.Clock.Advance(message.NextAttemptAt - broker.Clock.GetUtcNow());
            await broker.Delivery.RunOnceAsync(CancellationToken.None);
            passes++;
            message = await broker.MessageAsync(id);
        }

        Assert.Equal(1, first.Failed);
        Assert.Equal(1, first.Skipped); // the provider's message, in the same pass, settled as it would be anyway
        Assert.Equal(12, passes);
        Assert.Equal(12, message.Attempts);
        Assert.NotNull(message.DeadAt);
        Assert.Equal("delivery failed: CryptographicException", message.LastError);
        Assert.Empty(receiver.Received); // never sent unsigned
    }

    [Fact]
    public async Task A_recipient_without_a_webhook_url_is_settled_as_skipped_and_not_retried()
    {
        await using var broker = new WebhookBrokerFactory();
        await Steps.FileAsync(broker);

        var pass = await broker.Delivery.RunOnceAsync(CancellationToken.None);
        broker.Clock.Advance(TimeSpan.FromHours(1));
        var later = await broker.Delivery.RunOnceAsync(CancellationToken.None);

        var messages = (await broker.OutboxAsync(Met)).Concat(await broker.OutboxAsync(Northwind)).ToList();
        Assert.Equal(2, pass.Skipped);
        Assert.Equal(0, later.Total);
        Assert.Equal(2, messages.Count);
        Assert.All(messages, m => Assert.Equal("no webhook URL registered", m.SkippedReason));
        Assert.All(messages, m => Assert.Equal(0, m.Attempts));
    }

    [Fact]
    public Task A_receiver_that_hangs_does_not_hold_up_deliveries_to_the_others() =>
        HangingReceiverAsync(WebhookBrokerFactory.With("Webhooks:Timeout", HangingTimeout));

    [PostgresFact]
    public Task A_receiver_that_hangs_does_not_hold_up_deliveries_to_the_others_on_postgres() =>
        HangingReceiverAsync(new PostgresWebhookBrokerFactory([new("Webhooks:Timeout", HangingTimeout)]));

    /// <summary>
    /// Longer than any test takes: a hanging receiver answers (a failure) when the test releases it, once it has seen
    /// what happened meanwhile, so no reading races the broker's timeout on a busy machine.
    /// </summary>
    private const string HangingTimeout = "00:01:00";

    private static async Task HangingReceiverAsync(WebhookBrokerFactory fresh)
    {
        await using var broker = fresh;
        await using var hanging = await WebhookReceiver.StartAsync();
        await using var healthy = await WebhookReceiver.StartAsync();
        hanging.Hold();
        hanging.FailAlways();
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "agencies", "gb-met", hanging.BaseUrl + "/hooks");
        await Steps.SetUrlAsync(admin, "providers", "northwind-mail", healthy.BaseUrl + "/hooks");
        for (var i = 0; i < 4; i++)
        {
            await Steps.FileAsync(broker);
        }

        var toProvider = (await broker.OutboxAsync(Northwind)).Count;
        var toAgency = (await broker.OutboxAsync(Met)).Count;
        var pass = broker.Delivery.RunOnceAsync(CancellationToken.None);
        while (healthy.Received.Count < toProvider && !pass.IsCompleted)
        {
            await Task.Delay(20);
        }

        // Every provider message arrived while the agency's first deliveries still waited for their answer.
        var agencyFailedMeanwhile = (await broker.OutboxAsync(Met)).Count(m => m.Attempts > 0);
        hanging.Release();
        var result = await pass;

        Assert.True(toAgency >= 4 && toProvider >= 4, $"{toAgency} to the agency, {toProvider} to the provider");
        Assert.Equal(toProvider, healthy.Received.Count);
        Assert.Equal(0, agencyFailedMeanwhile);
        Assert.Equal(toProvider, result.Delivered);
        Assert.Equal(toAgency, result.Failed);
    }

    [Fact]
    public async Task A_message_that_falls_due_during_a_long_pass_is_delivered_before_the_pass_ends()
    {
        await using var hanging = await WebhookReceiver.StartAsync();
        await using var healthy = await WebhookReceiver.StartAsync();
        hanging.Hold();
        hanging.FailAlways();
        await using var broker = WebhookBrokerFactory.WithAll(new("Webhooks:Timeout", HangingTimeout), new("Webhooks:PollInterval", "00:00:00.200"));
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "agencies", "gb-met", hanging.BaseUrl + "/hooks");
        await Steps.SetUrlAsync(admin, "providers", "northwind-mail", healthy.BaseUrl + "/hooks");
        await Steps.FileAsync(broker);
        var pass = broker.Delivery.RunOnceAsync(CancellationToken.None);
        var first = (await broker.OutboxAsync(Northwind)).Count;
        while (healthy.Received.Count < first && !pass.IsCompleted)
        {
            await Task.Delay(20);
        }

        await Steps.FileAsync(broker); // while the agency's deliveries still wait for their answer
        var all = (await broker.OutboxAsync(Northwind)).Count;
        while (healthy.Received.Count < all && !pass.IsCompleted)
        {
            await Task.Delay(20);
        }

        var receivedDuringThePass = healthy.Received.Count;
        var agencyFailedMeanwhile = (await broker.OutboxAsync(Met)).Count(m => m.Attempts > 0);
        hanging.Release();
        await pass;

        Assert.True(all > first);
        Assert.Equal(all, receivedDuringThePass);
        Assert.Equal(0, agencyFailedMeanwhile); // delivered while the agency's deliveries still waited, not after them
    }

    [Fact]
    public async Task Two_concurrent_passes_deliver_every_message_exactly_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        await TwoPassesDeliverOnceAsync(broker, receiver);
    }

    [PostgresFact]
    public async Task Two_concurrent_passes_deliver_every_message_exactly_once_on_postgres()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new PostgresWebhookBrokerFactory();
        await TwoPassesDeliverOnceAsync(broker, receiver);
    }

    [PostgresFact]
    public async Task Retries_and_dead_letters_work_on_postgres()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new PostgresWebhookBrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "agencies", "gb-met", receiver.BaseUrl + "/hooks");
        receiver.FailNext(1);
        await Steps.FileAsync(broker);

        await broker.Delivery.RunOnceAsync(CancellationToken.None);
        var failed = Assert.Single(await broker.OutboxAsync(Met));
        broker.Clock.Advance(failed.NextAttemptAt - broker.Clock.GetUtcNow());
        var pass = await broker.Delivery.RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, failed.Attempts);
        Assert.InRange((failed.NextAttemptAt - failed.LastAttemptAt!.Value).TotalSeconds, 30, 36);
        Assert.Equal(1, pass.Delivered);
        Assert.Equal(2, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.True(r.SignatureVerifies(WebhookSecret.ForDevelopment(Met))));
    }

    [Fact]
    public async Task A_receiver_s_own_reason_phrase_is_not_stored_and_its_failure_counts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new WebhookBrokerFactory();
        await ReasonPhraseIsNotStoredAsync(broker, receiver);
    }

    [PostgresFact]
    public async Task A_receiver_s_own_reason_phrase_is_not_stored_and_its_failure_counts_on_postgres()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = new PostgresWebhookBrokerFactory();
        await ReasonPhraseIsNotStoredAsync(broker, receiver);
    }

    /// <summary>
    /// A receiver chooses its reason phrase: one longer than the error column made PostgreSQL refuse the failure's
    /// record, so the attempt was never counted and the message came back first in every pass, for ever.
    /// </summary>
    private static async Task ReasonPhraseIsNotStoredAsync(WebhookBrokerFactory broker, WebhookReceiver receiver)
    {
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "agencies", "gb-met", receiver.BaseUrl + "/hooks");
        receiver.FailNext(1);
        receiver.FailureReasonPhrase = "Busy " + new string('x', 2_100);
        await Steps.FileAsync(broker);

        var pass = await broker.Delivery.RunOnceAsync(CancellationToken.None);
        var message = Assert.Single(await broker.OutboxAsync(Met));

        Assert.Equal(1, pass.Failed);
        Assert.Equal(1, message.Attempts);
        Assert.Equal("HTTP 503 Service Unavailable", message.LastError);
    }

    [Fact]
    public async Task Without_private_addresses_a_url_that_reaches_an_internal_host_is_refused_when_set_and_when_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var broker = WebhookBrokerFactory.With("Webhooks:AllowPrivateAddresses", "false");
        using var admin = await broker.ClientAsync("broker-admin");
        using var set = await admin.PutAsJsonAsync("/api/v1/admin/agencies/gb-met/webhook", new { url = receiver.BaseUrl + "/hooks" });
        var problem = await set.JsonAsync();
        // As if stored earlier, or set as a name that resolves to the same address later: the connection is refused.
        await broker.WithDbAsync(async db =>
        {
            var agency = await db.Agencies.SingleAsync(a => a.Id == "gb-met");
            agency.WebhookUrl = receiver.BaseUrl + "/hooks";
            return await db.SaveChangesAsync();
        });
        await Steps.FileAsync(broker);

        var pass = await broker.Delivery.RunOnceAsync(CancellationToken.None);
        var message = Assert.Single(await broker.OutboxAsync(Met));

        Assert.Equal(HttpStatusCode.BadRequest, set.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _));
        Assert.Equal(1, pass.Failed);
        Assert.Empty(receiver.Received);
        Assert.Equal("refused: the URL resolves to no public address", message.LastError);
    }

    private static async Task TwoPassesDeliverOnceAsync(WebhookBrokerFactory broker, WebhookReceiver receiver)
    {
        using var admin = await broker.ClientAsync("broker-admin");
        await Steps.SetUrlAsync(admin, "agencies", "gb-met", receiver.BaseUrl + "/met");
        await Steps.SetUrlAsync(admin, "providers", "northwind-mail", receiver.BaseUrl + "/northwind");
        for (var i = 0; i < 12; i++)
        {
            await Steps.FileAsync(broker);
        }

        receiver.EveryDelay = TimeSpan.FromMilliseconds(50);

        var passes = await Task.WhenAll(
            Task.Run(() => broker.Delivery.RunOnceAsync(CancellationToken.None)),
            Task.Run(() => broker.Delivery.RunOnceAsync(CancellationToken.None)));

        Assert.Equal(24, passes.Sum(p => p.Delivered));
        Assert.Equal(24, receiver.Received.Count);
        Assert.Equal(24, receiver.Received.Select(r => r.Id).Distinct().Count());
        Assert.Equal(24, await broker.WithDbAsync(db => db.Outbox.CountAsync(m => m.DeliveredAt != null && m.ClaimToken == null)));
    }
}

internal static class Steps
{
    public static async Task SetUrlAsync(HttpClient admin, string kind, string id, string url)
    {
        using var response = await admin.PutAsJsonAsync($"/api/v1/admin/{kind}/{id}/webhook", new { url });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The same, with an administrator's token taken for it alone (a test that needs one later takes it then).</summary>
    public static async Task SetUrlAsync(BrokerFactory broker, string kind, string id, string url)
    {
        using var admin = await broker.ClientAsync("broker-admin");
        await SetUrlAsync(admin, kind, id, url);
    }

    public static Task<Guid> FileAsync(BrokerFactory broker) =>
        broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());

    /// <summary>The Met's hooks at a receiver that answers every delivery with 500; returns the filing's message to the Met.</summary>
    public static async Task<Guid> FileToAReceiverThatAlwaysFailsAsync(WebhookBrokerFactory broker, WebhookReceiver receiver)
    {
        await SetUrlAsync(broker, "agencies", "gb-met", receiver.BaseUrl + "/hooks");
        receiver.FailureStatus = 500;
        receiver.FailAlways();
        await FileAsync(broker);
        return Assert.Single(await broker.OutboxAsync(WebhookRecipients.Agency("gb-met"))).Id;
    }
}
