using System.Net;
using System.Security.Cryptography.X509Certificates;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Audit;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Hosting;

public sealed class StartupTests
{
    private sealed class ProductionWithoutCertificates : BrokerFactory
    {
        protected override string Environment => "Production";
    }

    /// <summary>
    /// A broker with these settings, on a folder with no database in it: whether the start creates one is part of what
    /// these tests see, and a node that starts migrates the empty file as a first start would.
    /// </summary>
    private sealed class WithSettings(params (string Name, string Value)[] settings) : BrokerFactory
    {
        protected override bool StartsOnMigratedCopy => false;

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            settings.Select(setting => new KeyValuePair<string, string?>(setting.Name, setting.Value));
    }

    [Theory]
    [InlineData("Jobs:LockTimeout", "00:00:00", "Jobs:LockTimeout must be a positive time span")]
    [InlineData("Jobs:LockTimeout", "-00:01:00", "Jobs:LockTimeout must be a positive time span")]
    [InlineData("Jobs:WorkerCount", "0", "Jobs:WorkerCount must be a positive whole number")]
    [InlineData("Jobs:WorkerCount", "-2", "Jobs:WorkerCount must be a positive whole number")]
    [InlineData("Sla:SweepEvery", "00:00:30", "Sla:SweepEvery must be whole minutes")] // it ran every minute
    [InlineData("Sla:SweepEvery", "01:30:00", "Sla:SweepEvery must be whole minutes")] // its cron read */90
    public void A_job_setting_that_is_not_positive_stops_the_start_naming_the_setting(string name, string value, string message)
    {
        using var broker = new WithSettings(("Jobs:RunServer", "true"), (name, value)); // the tests' factory runs no jobs

        var error = Assert.ThrowsAny<Exception>(() => broker.CreateClient());

        Assert.Contains(message, Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_that_runs_no_jobs_starts_whatever_its_worker_count()
    {
        using var broker = new WithSettings(("Jobs:RunServer", "false"), ("Jobs:WorkerCount", "0"));
        using var client = broker.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    private sealed class PostgresWithoutConnectionString : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("Database:Provider", "Postgres"), new("Database:ConnectionString", null)];
    }

    [Fact]
    public void PostgreSQL_without_a_connection_string_stops_the_start_naming_the_setting()
    {
        using var broker = new PostgresWithoutConnectionString();

        var error = Assert.ThrowsAny<Exception>(() => broker.CreateClient());

        Assert.Contains("Database:ConnectionString is not set", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_development_the_broker_refuses_to_start_without_token_certificates()
    {
        using var broker = new ProductionWithoutCertificates();

        var error = Assert.ThrowsAny<Exception>(() => broker.CreateClient());

        Assert.Contains("without token certificates", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_the_broker_starts_with_configured_certificates_and_has_no_demo_data()
    {
        var (signing, encryption) = Certificates();
        using var broker = new ProductionOn(null, signing, encryption);
        using var client = broker.CreateClient();

        using var live = await client.GetAsync("/health/live");
        using var token = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "met-case-system", ["client_secret"] = "dev-met-secret",
        }));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);
    }

    [Fact]
    public async Task Outside_development_data_protection_keys_are_stored_encrypted_with_the_certificate_and_still_open()
    {
        var (signing, encryption) = Certificates();
        using var broker = new ProductionOn(null, signing, encryption);
        broker.CreateClient().Dispose();
        var protector = broker.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("startup-test");

        var sealedText = protector.Protect("whsec_probe");
        var keys = await broker.WithDbAsync(db => db.DataProtectionKeys.AsNoTracking().Select(k => k.Xml!).ToListAsync());

        Assert.NotEmpty(keys);
        Assert.All(keys, xml => Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal));
        Assert.All(keys, xml => Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal));
        Assert.Equal("whsec_probe", protector.Unprotect(sealedText));
    }

    [Fact]
    public async Task Health_endpoints_report_live_and_ready()
    {
        using var broker = new BrokerFactory();
        using var client = broker.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_and_interactive_ui_are_served()
    {
        using var broker = new BrokerFactory();
        using var client = broker.CreateClient();

        var document = await (await client.GetAsync("/openapi/v1.json")).JsonAsync();
        using var ui = await client.GetAsync("/docs");

        Assert.True(document.GetProperty("paths").TryGetProperty("/api/v1/requests", out _));
        Assert.True(document.GetProperty("paths").GetProperty("/api/v1/requests/{id}").GetProperty("get").GetProperty("responses")
            .GetProperty("404").GetProperty("content").TryGetProperty("application/problem+json", out _), "a 404 is listed as problem details");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    /// <summary>Production with token certificates and an audit key, on its own database or the one given.</summary>
    private sealed class ProductionOn(string? connectionString, string signing, string encryption, params (string Name, string? Value)[] more)
        : BrokerFactory(DatabaseProvider.Sqlite, connectionString)
    {
        protected override string Environment => "Production";

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Auth:SigningCertificatePath", signing),
            new("Auth:SigningCertificatePassword", TestCertificates.Password),
            new("Auth:EncryptionCertificatePath", encryption),
            new("Auth:EncryptionCertificatePassword", TestCertificates.Password),
            new("Auth:AllowHttp", "true"),
            new("Audit:SigningKeyPath", AuditKeyFile.Write(Path.GetDirectoryName(signing)!)),
            .. more.Select(setting => new KeyValuePair<string, string?>(setting.Name, setting.Value)),
        ];

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            NetworkFromHeader.Install(builder);
        }
    }

    private sealed class DevelopmentOn(string connectionString) : BrokerFactory(DatabaseProvider.Sqlite, connectionString);

    private static (string Signing, string Encryption) Certificates()
    {
        var folder = Directory.CreateTempSubdirectory("eb-certs-").FullName;
        return (TestCertificates.Write(folder, "signing.pfx", X509KeyUsageFlags.DigitalSignature),
            TestCertificates.Write(folder, "encryption.pfx", X509KeyUsageFlags.KeyEncipherment));
    }

    [Fact]
    public void Outside_development_the_broker_refuses_a_database_where_the_demo_accounts_still_open()
    {
        var database = $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("eb-demo-db-").FullName, "broker.db")}";
        using (var development = new DevelopmentOn(database))
        {
            development.CreateClient().Dispose(); // seeds the demo clients and users
        }

        var (signing, encryption) = Certificates();
        using var production = new ProductionOn(database, signing, encryption);

        var error = Assert.ThrowsAny<Exception>(() => production.CreateClient());

        Assert.Contains("demo client met-case-system", Flatten(error), StringComparison.Ordinal);
        Assert.Contains("user admin@broker.example", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_the_broker_refuses_a_database_with_the_published_webhook_secrets()
    {
        var database = $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("eb-demo-db-").FullName, "broker.db")}";
        using (var development = new DevelopmentOn(database))
        {
            development.CreateClient().Dispose(); // seeds demo accounts and webhook secrets
            await development.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("DELETE FROM OpenIddictApplications; DELETE FROM AspNetUsers;"));
        }

        var (signing, encryption) = Certificates();
        using (var production = new ProductionOn(database, signing, encryption))
        {
            var error = Flatten(Assert.ThrowsAny<Exception>(() => production.CreateClient()));
            Assert.Contains("webhook secret of agency:gb-met", error, StringComparison.Ordinal);
            Assert.DoesNotContain("demo client", error, StringComparison.Ordinal);
        }

        // Once those are rotated away the database is its own; the keys a Development run left in clear are only reported.
        using (var development = new DevelopmentOn(database))
        {
            development.CreateClient().Dispose();
            await development.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(
                "DELETE FROM OpenIddictApplications; DELETE FROM AspNetUsers; DELETE FROM webhook_secrets;"));
        }

        using var rotated = new ProductionOn(database, signing, encryption);
        using var client = rotated.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public void After_the_encryption_certificate_is_replaced_what_was_sealed_before_opens_with_the_previous_one_listed()
    {
        var database = $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("eb-rotation-db-").FullName, "broker.db")}";
        var (signing, encryption) = Certificates();
        var (_, replacement) = Certificates();
        static IDataProtector Protector(BrokerFactory broker) =>
            broker.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("EvidenceBroker.Tests.Rotation");
        string sealedBefore;
        using (var before = new ProductionOn(database, signing, encryption))
        {
            before.CreateClient().Dispose();
            sealedBefore = Protector(before).Protect("sealed before the replacement");
        }

        using (var withoutPrevious = new ProductionOn(database, signing, replacement))
        {
            withoutPrevious.CreateClient().Dispose();
            Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => Protector(withoutPrevious).Unprotect(sealedBefore));
        }

        using var withPrevious = new ProductionOn(database, signing, replacement,
            ("Auth:PreviousEncryptionCertificates:0:Path", encryption), ("Auth:PreviousEncryptionCertificates:0:Password", TestCertificates.Password));
        withPrevious.CreateClient().Dispose();

        Assert.Equal("sealed before the replacement", Protector(withPrevious).Unprotect(sealedBefore));
    }

    [Fact]
    public async Task A_disabled_demo_client_does_not_count_as_open()
    {
        var database = $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("eb-demo-db-").FullName, "broker.db")}";
        using (var development = new DevelopmentOn(database))
        {
            development.CreateClient().Dispose();
            await development.WithDbAsync(db => db.ApiClients.Where(c => c.ClientId == "met-case-system")
                .ExecuteUpdateAsync(set => set.SetProperty(c => c.Disabled, true)));
        }

        var (signing, encryption) = Certificates();
        using var production = new ProductionOn(database, signing, encryption);

        var error = Flatten(Assert.ThrowsAny<Exception>(() => production.CreateClient()));

        Assert.DoesNotContain("met-case-system", error, StringComparison.Ordinal);
        Assert.Contains("client bka-case-system", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", HttpStatusCode.Unauthorized)] // read, and refused as a client this database does not know
    [InlineData("::1", HttpStatusCode.Unauthorized)]
    [InlineData("::ffff:127.0.0.1", HttpStatusCode.Unauthorized)] // IPv4 loopback on a dual-stack listener
    [InlineData("203.0.113.5", HttpStatusCode.BadRequest)] // refused before its secret is read
    public async Task Outside_development_plain_http_reaches_the_token_server_only_from_this_machine(string from, HttpStatusCode expected)
    {
        var (signing, encryption) = Certificates();
        using var broker = new ProductionOn(null, signing, encryption);
        using var client = broker.CreateClient();

        using var attempt = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = "met-case-system", ["client_secret"] = "dev-met-secret",
            }),
        };
        attempt.Headers.Add(NetworkFromHeader.Header, from);
        using var answer = await client.SendAsync(attempt);

        Assert.Equal(expected, answer.StatusCode);
    }

    [Fact]
    public async Task Outside_development_plain_http_from_elsewhere_to_no_token_server_endpoint_is_a_404_not_a_500()
    {
        var (signing, encryption) = Certificates();
        using var broker = new ProductionOn(null, signing, encryption);
        using var client = broker.CreateClient();
        using var attempt = new HttpRequestMessage(HttpMethod.Get, "/connect/nothing-here");
        attempt.Headers.Add(NetworkFromHeader.Header, "203.0.113.5");

        using var answer = await client.SendAsync(attempt);

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }

    [Fact]
    public void Outside_development_the_broker_refuses_to_trust_forwarded_headers_from_any_sender()
    {
        var (signing, encryption) = Certificates();
        using var broker = new ProductionOn(null, signing, encryption, ("FORWARDEDHEADERS_ENABLED", "true"));

        var error = Assert.ThrowsAny<Exception>(() => broker.CreateClient());

        Assert.Contains("list the proxies in Proxy:TrustedNetworks", Flatten(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("proxy.internal")]
    [InlineData("10.0.0.0/33")]
    public void A_trusted_proxy_that_is_not_an_address_or_network_stops_the_start_naming_it(string value)
    {
        using var broker = new WithSettings(("Proxy:TrustedNetworks:0", value));

        var error = Assert.ThrowsAny<Exception>(() => broker.CreateClient());

        Assert.Contains($"Proxy:TrustedNetworks:0 ('{value}')", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_development_the_broker_refuses_to_start_without_its_issuer()
    {
        var (signing, encryption) = Certificates();
        using var broker = new ProductionOn(
            $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("eb-issuer-").FullName, "broker.db")}", signing, encryption, ("Auth:Issuer", null));

        var error = Assert.ThrowsAny<Exception>(() => broker.CreateClient());

        Assert.Contains("without Auth:Issuer", Flatten(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Limits:JsonBodyBytes", "-1", "JsonBodyBytes")]
    [InlineData("RateLimits:TokenPerClientPerMinute", "0", "TokenPerClientPerMinute")]
    [InlineData("RateLimits:IntakePeriod", "00:00:00", "IntakePeriod")]
    [InlineData("Storage:Root", "", "Root")]
    [InlineData("Storage:MaxProductionBytes", "-1", "MaxProductionBytes")]
    [InlineData("Auth:AccessTokenLifetime", "-00:05:00", "AccessTokenLifetime")]
    [InlineData("Portal:SessionLifetime", "00:00:00", "SessionLifetime")]
    [InlineData("Policy:PackDirectory", "/no/such/policies", "Policy:PackDirectory is not a directory")]
    public void A_setting_no_broker_could_serve_with_stops_the_start_before_the_database_is_touched(string name, string value, string named)
    {
        using var broker = new WithSettings((name, value));

        var error = Assert.ThrowsAny<Exception>(() => broker.CreateClient());

        Assert.Contains(named, Flatten(error), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(broker.DataDirectory, "broker.db")), "the database was created before the settings were checked");
    }

    private static string Flatten(Exception error) =>
        error.InnerException is null ? error.Message : error.Message + " | " + Flatten(error.InnerException);
}
