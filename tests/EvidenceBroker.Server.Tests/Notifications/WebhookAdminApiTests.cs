using System.Net;
using System.Net.Http.Json;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Notifications;

/// <summary>Administrators manage webhook endpoints and secrets; nobody else can, and bad URLs are refused by field.</summary>
public sealed class WebhookAdminApiTests(WebhookBrokerFactory broker) : IClassFixture<WebhookBrokerFactory>
{
    private WebhookSecretVault Vault => broker.Services.GetRequiredService<WebhookSecretVault>();

    [Fact]
    public async Task A_secret_an_earlier_version_stored_in_clear_is_sealed_at_start_and_still_signs_the_same()
    {
        var clear = WebhookSecret.Generate();
        var previous = WebhookSecret.Generate();
        await broker.WithDbAsync(async db =>
        {
            db.WebhookSecrets.Add(new WebhookSecret
            {
                Recipient = "agency:legacy-clear", Secret = clear, PreviousSecret = previous, CreatedAt = broker.Clock.GetUtcNow(),
            });
            return await db.SaveChangesAsync();
        });

        await broker.Services.SealClearWebhookSecretsAsync();

        var stored = await broker.WithDbAsync(db => db.WebhookSecrets.AsNoTracking().SingleAsync(s => s.Recipient == "agency:legacy-clear"));
        Assert.False(stored.Secret.StartsWith(WebhookSecret.Prefix, StringComparison.Ordinal));
        Assert.False(stored.PreviousSecret!.StartsWith(WebhookSecret.Prefix, StringComparison.Ordinal));
        Assert.Equal(clear, Vault.Open(stored.Secret));
        Assert.Equal(previous, Vault.Open(stored.PreviousSecret));
        Assert.DoesNotContain(await broker.WithDbAsync(db => db.WebhookSecrets.AsNoTracking().Select(s => s.Secret).ToListAsync()),
            secret => secret.StartsWith(WebhookSecret.Prefix, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ftp://hooks.example/in")]
    [InlineData("/relative/path")]
    [InlineData("not a url")]
    [InlineData("https://user:password@hooks.example/in")]
    [InlineData("https://hooks.example/in#fragment")]
    public async Task A_bad_webhook_url_is_a_validation_problem_naming_the_url_field(string url)
    {
        using var admin = await broker.ClientAsync("broker-admin");

        using var response = await admin.PutAsJsonAsync("/api/v1/admin/agencies/gb-nca/webhook", new { url });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("url", out _));
    }

    [Fact]
    public async Task Only_administrators_manage_webhooks()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        using var provider = await broker.ClientAsync("northwind-legal");
        using var anonymous = await broker.ClientAsync(null);

        using var officerPut = await officer.PutAsJsonAsync("/api/v1/admin/agencies/gb-met/webhook", new { url = "https://evil.example/" });
        using var providerRotate = await provider.PostAsync("/api/v1/admin/providers/northwind-mail/webhook/rotate-secret", null);
        using var anonymousList = await anonymous.GetAsync("/api/v1/admin/webhooks/dead-letters");

        Assert.Equal(HttpStatusCode.Forbidden, officerPut.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, providerRotate.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousList.StatusCode);
        Assert.Null(await broker.WithDbAsync(db => db.Agencies.Where(a => a.Id == "gb-met").Select(a => a.WebhookUrl).SingleAsync()));
    }

    [Fact]
    public async Task Unknown_recipients_and_messages_are_not_found()
    {
        using var admin = await broker.ClientAsync("broker-admin");

        using var agency = await admin.PutAsJsonAsync("/api/v1/admin/agencies/no-such-agency/webhook", new { url = "https://hooks.example/" });
        using var rotate = await admin.PostAsync("/api/v1/admin/providers/no-such-provider/webhook/rotate-secret", null);
        using var retry = await admin.PostAsync($"/api/v1/admin/webhooks/dead-letters/{Guid.NewGuid()}/retry", null);

        Assert.Equal(HttpStatusCode.NotFound, agency.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, rotate.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, retry.StatusCode);
    }

    [Fact]
    public async Task A_first_url_set_again_with_its_idempotency_key_after_a_lost_answer_gets_its_secret_again()
    {
        using var admin = await broker.ClientAsync("broker-admin");
        await AddIrishAgencyAsync(broker, "ie-gnci-retry");

        using var first = await PutAsync(admin, "https://gnci.example/hooks", "set-url-1");
        using var retried = await PutAsync(admin, "https://gnci.example/hooks", "set-url-1");
        using var withoutKey = await PutAsync(admin, "https://gnci.example/hooks", null);
        using var otherKey = await PutAsync(admin, "https://gnci.example/hooks", "set-url-2");

        var issued = (await first.JsonAsync()).GetProperty("secret").GetString();
        Assert.Equal(issued, (await retried.JsonAsync()).GetProperty("secret").GetString());
        Assert.Equal("true", retried.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.False((await withoutKey.JsonAsync()).TryGetProperty("secret", out _));
        Assert.False((await otherKey.JsonAsync()).TryGetProperty("secret", out _));
        Assert.Equal(1, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "webhook.endpoint-changed" && e.SubjectId == "ie-gnci-retry")));
    }

    [Fact]
    public async Task A_rotation_sent_with_the_key_the_url_was_set_with_rotates_rather_than_replaying_the_secret_in_force()
    {
        using var admin = await broker.ClientAsync("broker-admin");
        await AddIrishAgencyAsync(broker, "ie-gnci-one-key");
        using var set = await PutAsync(admin, "https://gnci.example/hooks", "one-key", "ie-gnci-one-key");
        using var rotation = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/agencies/ie-gnci-one-key/webhook/rotate-secret");
        rotation.Headers.Add("Idempotency-Key", "one-key");

        using var rotated = await admin.SendAsync(rotation);

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.False(rotated.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual((await set.JsonAsync()).GetProperty("secret").GetString(), (await rotated.JsonAsync()).GetProperty("secret").GetString());
        Assert.Equal(1, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "webhook.secret-rotated" && e.SubjectId == "ie-gnci-one-key")));
    }

    [Fact]
    public async Task A_rotation_by_another_administrator_with_the_same_key_rotates_rather_than_replaying_the_first_one_s_secret()
    {
        using var admin = await broker.ClientAsync("broker-admin");
        await AddIrishAgencyAsync(broker, "ie-gnci-two-admins");
        using var set = await PutAsync(admin, "https://gnci.example/hooks", null, "ie-gnci-two-admins");
        await using (var scope = broker.Services.CreateAsyncScope())
        {
            var by = new Caller("admin@broker.example", "Administrator", Tenant.Administration("broker"), new System.Security.Claims.ClaimsPrincipal());
            Assert.True(await scope.ServiceProvider.GetRequiredService<Enrolment>().RegisterClientAsync(
                by, "second-admin-system", "secret-of-the-second-admin-system", "Second administration system", Tenant.Administration("broker"), BrokerScopes.DefaultFor(TenantKind.Administration), CancellationToken.None));
        }

        using var other = await broker.ClientWithSecretAsync("second-admin-system", "secret-of-the-second-admin-system");

        async Task<HttpResponseMessage> RotateAsync(HttpClient client)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/agencies/ie-gnci-two-admins/webhook/rotate-secret");
            message.Headers.Add("Idempotency-Key", "shared-rotation-key");
            return await client.SendAsync(message);
        }

        using var first = await RotateAsync(admin);
        using var second = await RotateAsync(other);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.False(second.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual((await first.JsonAsync()).GetProperty("secret").GetString(), (await second.JsonAsync()).GetProperty("secret").GetString());
    }

    [Fact]
    public async Task A_day_on_the_first_url_s_key_no_longer_reads_the_secret_in_force()
    {
        await using var own = new WebhookBrokerFactory(); // moves its clock a day on
        using var admin = await own.ClientAsync("broker-admin");
        await AddIrishAgencyAsync(own, "ie-gnci-retry");
        using var first = await PutAsync(admin, "https://gnci.example/hooks", "set-url-1");
        Assert.True((await first.JsonAsync()).TryGetProperty("secret", out _));

        own.Clock.Advance(WebhookSecret.ReplayWindow);
        using var adminLater = await own.ClientAsync("broker-admin");
        using var muchLater = await PutAsync(adminLater, "https://gnci.example/hooks", "set-url-1");

        Assert.Equal(HttpStatusCode.OK, muchLater.StatusCode);
        Assert.False((await muchLater.JsonAsync()).TryGetProperty("secret", out _));
    }

    /// <summary>An agency of the test's own, with no webhook URL and no secret yet.</summary>
    private static Task<int> AddIrishAgencyAsync(BrokerFactory broker, string id) =>
        broker.WithDbAsync(db =>
        {
            db.Agencies.Add(new Agency { Id = id, Country = "IE", Name = $"Garda National Cyber Crime Bureau ({id})" });
            return db.SaveChangesAsync();
        });

    private static Task<HttpResponseMessage> PutAsync(HttpClient admin, string url, string? key, string agency = "ie-gnci-retry")
    {
        var message = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/admin/agencies/{agency}/webhook") { Content = JsonContent.Create(new { url }) };
        if (key is not null)
        {
            message.Headers.Add("Idempotency-Key", key);
        }

        return admin.SendAsync(message);
    }

    [Fact]
    public async Task Registering_a_first_url_issues_a_secret_once_and_reads_never_show_it()
    {
        using var admin = await broker.ClientAsync("broker-admin");
        await AddIrishAgencyAsync(broker, "ie-gnci");

        using var first = await admin.PutAsJsonAsync("/api/v1/admin/agencies/ie-gnci/webhook", new { url = "https://gnci.example/hooks?tenant=7" });
        using var second = await admin.PutAsJsonAsync("/api/v1/admin/agencies/ie-gnci/webhook", new { url = "https://gnci.example/v2/hooks" });
        using var repeated = await admin.PutAsJsonAsync("/api/v1/admin/agencies/ie-gnci/webhook", new { url = "https://gnci.example/v2/hooks" });
        using var read = await admin.GetAsync("/api/v1/admin/agencies/ie-gnci/webhook");
        var issued = (await first.JsonAsync()).GetProperty("secret").GetString()!;
        var stored = await broker.WithDbAsync(db => db.WebhookSecrets.AsNoTracking().SingleAsync(s => s.Recipient == "agency:ie-gnci"));
        var audit = await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.Action == "webhook.endpoint-changed" && e.SubjectId == "ie-gnci").ToListAsync());

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(issued, Vault.Open(stored.Secret));
        Assert.DoesNotContain(issued[WebhookSecret.Prefix.Length..], stored.Secret, StringComparison.Ordinal); // sealed at rest
        Assert.False((await second.JsonAsync()).TryGetProperty("secret", out _));
        var body = await read.JsonAsync();
        Assert.Equal("https://gnci.example/v2/hooks", body.GetProperty("url").GetString());
        Assert.True(body.GetProperty("hasSecret").GetBoolean());
        Assert.False(body.TryGetProperty("secret", out _));
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(2, audit.Count); // the repeated PUT changed nothing and recorded nothing
        Assert.All(audit, e => Assert.DoesNotContain(issued, e.PayloadJson, StringComparison.Ordinal));
        Assert.All(audit, e => Assert.DoesNotContain("tenant=7", e.PayloadJson, StringComparison.Ordinal));
        Assert.All(audit, e => Assert.DoesNotContain("hooks", e.PayloadJson, StringComparison.Ordinal)); // a path may hold a token too
        Assert.NotEqual(WebhookRecipients.Redacted("https://gnci.example/hooks?tenant=7"), WebhookRecipients.Redacted("https://gnci.example/v2/hooks"));
        Assert.StartsWith("https://gnci.example/… [", WebhookRecipients.Redacted("https://gnci.example/v2/hooks"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotating_a_secret_returns_it_once_keeps_the_old_one_briefly_and_is_audited_without_it()
    {
        using var admin = await broker.ClientAsync("broker-admin");

        using var rotated = await admin.PostAsync("/api/v1/admin/providers/emerald-cloud/webhook/rotate-secret", null);
        var body = await rotated.JsonAsync();
        var secret = body.GetProperty("secret").GetString()!;
        var stored = await broker.WithDbAsync(db => db.WebhookSecrets.AsNoTracking().SingleAsync(s => s.Recipient == "provider:emerald-cloud"));
        var audit = await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(e => e.Action == "webhook.secret-rotated" && e.SubjectId == "emerald-cloud"));

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal(secret, Vault.Open(stored.Secret));
        Assert.DoesNotContain(secret[WebhookSecret.Prefix.Length..], stored.Secret, StringComparison.Ordinal);
        Assert.Equal(WebhookSecret.ForDevelopment("provider:emerald-cloud"), Vault.Open(stored.PreviousSecret!));
        Assert.Equal(broker.Clock.GetUtcNow() + TimeSpan.FromHours(24), stored.PreviousValidUntil);
        Assert.DoesNotContain(secret, audit.PayloadJson, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.PreviousSecret!, audit.PayloadJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotation_retried_with_its_idempotency_key_gets_the_same_secret_and_keeps_the_one_in_use()
    {
        using var admin = await broker.ClientAsync("broker-admin");
        async Task<HttpResponseMessage> RotateAsync(string key)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/providers/thames-social/webhook/rotate-secret");
            message.Headers.Add("Idempotency-Key", key);
            return await admin.SendAsync(message);
        }

        using var first = await RotateAsync("rotate-thames-1");
        using var retried = await RotateAsync("rotate-thames-1"); // the first answer was lost
        var stored = await broker.WithDbAsync(db => db.WebhookSecrets.AsNoTracking().SingleAsync(s => s.Recipient == "provider:thames-social"));
        var rotations = await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "webhook.secret-rotated" && e.SubjectId == "thames-social"));
        using var next = await RotateAsync("rotate-thames-2");

        var issued = (await first.JsonAsync()).GetProperty("secret").GetString();
        Assert.Equal(issued, (await retried.JsonAsync()).GetProperty("secret").GetString());
        Assert.Equal("true", Assert.Single(retried.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(WebhookSecret.ForDevelopment("provider:thames-social"), Vault.Open(stored.PreviousSecret!)); // the one the receiver has
        Assert.Equal(1, rotations);
        Assert.NotEqual(issued, (await next.JsonAsync()).GetProperty("secret").GetString());
    }

    [Fact]
    public async Task The_dead_letter_list_validates_its_paging()
    {
        using var admin = await broker.ClientAsync("broker-admin");

        using var response = await admin.GetAsync("/api/v1/admin/webhooks/dead-letters?page=0&pageSize=1000");

        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(errors.TryGetProperty("page", out _));
        Assert.True(errors.TryGetProperty("pageSize", out _));
    }
}

/// <summary>The rules that do not need a running broker.</summary>
public sealed class WebhookRulesTests
{
    [Fact]
    public void Plain_http_is_refused_outside_development()
    {
        Assert.Null(WebhookRecipients.CheckUrl("http://127.0.0.1:8080/hooks", development: true, privateAddresses: true));
        Assert.NotNull(WebhookRecipients.CheckUrl("http://hooks.example/in", development: false, privateAddresses: false));
        Assert.Null(WebhookRecipients.CheckUrl("https://hooks.example/in", development: false, privateAddresses: false));
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://10.1.2.3/hooks")]
    [InlineData("https://172.20.0.5/hooks")]
    [InlineData("https://192.168.1.10/hooks")]
    [InlineData("https://100.64.0.1/hooks")]
    [InlineData("https://127.0.0.1:8443/hooks")]
    [InlineData("https://localhost/hooks")]
    [InlineData("https://broker.localhost/hooks")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://[fd00::1]/hooks")]
    [InlineData("https://[fe80::1]/hooks")]
    [InlineData("https://[::ffff:10.0.0.1]/hooks")]
    [InlineData("https://0.0.0.0/hooks")]
    public void An_internal_address_is_refused_unless_private_addresses_are_allowed(string url)
    {
        Assert.NotNull(WebhookRecipients.CheckUrl(url, development: false, privateAddresses: false));
        Assert.Null(WebhookRecipients.CheckUrl(url, development: false, privateAddresses: true));
    }

    [Theory]
    [InlineData("10.0.0.5", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("0.1.2.3", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("::ffff:10.0.0.5", false)]       // IPv4-mapped
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("::127.0.0.1", false)]           // IPv4-compatible
    [InlineData("64:ff9b::10.0.0.5", false)]     // NAT64 to a private address
    [InlineData("64:ff9b::8.8.8.8", true)]
    [InlineData("64:ff9b:1::a00:5", false)]      // local NAT64
    [InlineData("2002:a9fe:a9fe::1", false)]     // 6to4 of 169.254.169.254
    [InlineData("2002:808:808::1", true)]        // 6to4 of 8.8.8.8
    [InlineData("2001:0:4136:e378::1", false)]   // Teredo
    [InlineData("::ffff:0:a00:5", false)]        // SIIT
    [InlineData("fd12::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("2001:db8::10", true)]
    [InlineData("2a00:1450:4001:80b::200e", true)]
    public void Addresses_are_judged_by_where_they_lead(string address, bool isPublic) =>
        Assert.Equal(isPublic, WebhookAddresses.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public void A_scope_id_does_not_hide_loopback() =>
        Assert.False(WebhookAddresses.IsPublic(new IPAddress(IPAddress.IPv6Loopback.GetAddressBytes(), scopeid: 1)));

    [Theory]
    [InlineData("https://hooks.example/in")]
    [InlineData("https://203.0.113.10/in")]
    [InlineData("https://[2001:db8::10]/in")]
    [InlineData("https://172.32.0.1/in")] // just outside 172.16.0.0/12
    public void A_public_address_or_a_name_is_accepted(string url) =>
        Assert.Null(WebhookRecipients.CheckUrl(url, development: false, privateAddresses: false));

    [Fact]
    public void Retry_delays_double_from_thirty_seconds_up_to_the_cap_and_jitter_only_adds()
    {
        var options = new WebhookOptions();

        Assert.Equal(TimeSpan.FromSeconds(30), options.RetryDelay(1, 0));
        Assert.Equal(TimeSpan.FromMinutes(1), options.RetryDelay(2, 0));
        Assert.Equal(TimeSpan.FromMinutes(2), options.RetryDelay(3, 0));
        Assert.Equal(TimeSpan.FromHours(4), options.RetryDelay(11, 0));
        Assert.Equal(TimeSpan.FromHours(4), options.RetryDelay(40, 0));
        Assert.InRange(options.RetryDelay(1, 0.999).TotalSeconds, 30, 36);
    }

    [Fact]
    public void The_default_schedule_spends_its_attempts_within_the_maximum_age()
    {
        var options = new WebhookOptions();

        var worstCase = Enumerable.Range(1, options.MaxAttempts - 1).Aggregate(TimeSpan.Zero, (sum, n) => sum + options.RetryDelay(n, 1));

        Assert.True(worstCase < options.MaxAge, $"{worstCase} of retries exceeds {options.MaxAge}");
        Assert.True(worstCase > TimeSpan.FromHours(8), "Receivers should survive a working day's outage.");
    }

    [Fact]
    public void The_signer_reproduces_the_test_vector_in_docs_webhooks_md()
    {
        var body = System.Text.Encoding.UTF8.GetBytes(
            "{\"id\":\"019ab0f2-8c00-7000-8000-000000000001\",\"type\":\"request.decided\",\"timestamp\":\"2026-11-23T09:00:00+00:00\"," +
            "\"data\":{\"requestId\":\"019ab0f2-8c00-7000-8000-0000000000aa\"}}");

        var header = WebhookSigner.Sign(WebhookSecret.ForDevelopment("agency:gb-met"), "019ab0f2-8c00-7000-8000-000000000001", 1_795_424_400, body);

        Assert.Equal("whsec_ZGV2LXdlYmhvb2stc2VjcmV0OmFnZW5jeTpnYi1tZXQ=", WebhookSecret.ForDevelopment("agency:gb-met"));
        Assert.Equal("v1,OwwW7LVfzv5nUD9Lm9Pza4pKmqAww3jT45hv+U3kYjo=", header);
    }

    [Fact]
    public void A_signature_made_by_the_broker_verifies_and_a_wrong_secret_does_not()
    {
        var secret = WebhookSecret.Generate();
        var body = "{\"type\":\"request.decided\"}"u8.ToArray();

        var header = WebhookSigner.Sign(secret, "msg-1", 1_795_000_000, body);

        Assert.True(WebhookSigner.Verify(secret, "msg-1", 1_795_000_000, body, header));
        Assert.False(WebhookSigner.Verify(WebhookSecret.Generate(), "msg-1", 1_795_000_000, body, header));
        Assert.False(WebhookSigner.Verify(secret, "msg-2", 1_795_000_000, body, header));
    }
}
