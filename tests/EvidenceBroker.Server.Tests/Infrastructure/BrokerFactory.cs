using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EvidenceBroker.Server.Development;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// The real broker in memory: real SQLite file (or a real PostgreSQL database), real token endpoint, real
/// policy pack from the repository. Time is a <see cref="FakeTimeProvider"/> the test can move.
/// </summary>
public class BrokerFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, (string Token, DateTimeOffset IssuedAt)> tokens = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim tokenLock = new(1, 1);
    private readonly string directory = Directory.CreateTempSubdirectory("eb-test-").FullName;
    private readonly bool ownFile;
    private readonly bool givenMigrated;

    public BrokerFactory()
        : this(DatabaseProvider.Sqlite, null)
    {
    }

    protected BrokerFactory(DatabaseProvider provider, string? connectionString)
        : this(provider, connectionString, migrated: false)
    {
    }

    /// <param name="provider">The database's provider.</param>
    /// <param name="connectionString">The database; null for a SQLite file of this broker's own.</param>
    /// <param name="migrated">
    /// The given database is a fresh copy of the migrated one (<see cref="MigratedDatabases"/>), so the broker starts on
    /// it with Database:MigrateAtStart off, as a node does where a deploy step migrates first.
    /// </param>
    protected BrokerFactory(DatabaseProvider provider, string? connectionString, bool migrated)
    {
        Provider = provider;
        ownFile = connectionString is null;
        givenMigrated = migrated;
        ConnectionString = connectionString ?? $"Data Source={OwnFile}";
    }

    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }
    public string DataDirectory => directory;
    /// <summary>Where every broker's clock starts, whatever today's date.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    /// <summary>
    /// Whether a broker on a SQLite file of its own starts on a copy of the migrated database
    /// (<see cref="MigratedDatabases"/>) rather than on no file at all. Off for a test of what the start does before it
    /// touches the database.
    /// </summary>
    protected virtual bool StartsOnMigratedCopy => true;

    private string OwnFile => Path.Combine(directory, "broker.db");

    /// <summary>
    /// Whether the database is migrated before the broker starts. The start then leaves the migrator out: run on a
    /// copy it found nothing to apply, but still built each provider's model snapshot to compare with the model, which
    /// <see cref="Persistence.MigrationsTests"/> and the migrated database's own making do once.
    /// </summary>
    private bool MigratedBeforeStart => ownFile ? Provider == DatabaseProvider.Sqlite && StartsOnMigratedCopy : givenMigrated;

    private IWebHostEnvironment? environment;

    /// <summary>What the server logged at Error and above; quote it when a call answers 500.</summary>
    public ServerErrorLog ServerErrors { get; } = new();

    /// <summary>Extra settings a test class needs, applied after the defaults.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    protected virtual string Environment => "Development";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseSetting("Database:Provider", Provider.ToString());
        builder.UseSetting("Database:ConnectionString", ConnectionString);
        builder.UseSetting("Database:MigrateAtStart", MigratedBeforeStart ? "false" : "true");
        builder.UseSetting("Auth:Issuer", "http://localhost/");
        builder.UseSetting("Storage:Root", Path.Combine(directory, "files"));
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");

        // No Hangfire server: scheduled jobs stay in storage where tests can count them, and tests run the SLA
        // monitor themselves with the fake clock.
        builder.UseSetting("Jobs:RunServer", "false");
        builder.UseSetting("Webhooks:RunWorker", "false");

        // Functional tests file many requests quickly; the limits have their own tests.
        builder.UseSetting("RateLimits:TokenPerClientPerMinute", "100000");
        builder.UseSetting("RateLimits:TokenPerAddressPerMinute", "100000");
        builder.UseSetting("RateLimits:IntakePerClientPerPeriod", "100000");
        builder.UseSetting("RateLimits:IntakeBurst", "100000");
        builder.UseSetting("RateLimits:WholeStorePerClientPerMinute", "100000");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<Serilog.Core.ILogEventSink>(ServerErrors);

            // Each host seeds eight demo users; at Identity's 100,000 PBKDF2 rounds that was 0.7 s of CPU per host.
            // The count is stored in each hash, so signing in checks it the same way.
            services.Configure<PasswordHasherOptions>(options => options.IterationCount = 1_000);
        });
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        if (ownFile && MigratedBeforeStart)
        {
            MigratedDatabases.CopySqliteTo(OwnFile);
        }

        var host = base.CreateHost(builder);
        environment = host.Services.GetRequiredService<IWebHostEnvironment>();
        return host;
    }

    /// <summary>A token from the real token endpoint for a Development demo client.</summary>
    public async Task<string> TokenAsync(string clientId, string? scope = null)
    {
        var cacheKey = $"{clientId} {scope}";
        await tokenLock.WaitAsync();
        try
        {
            // The token server reads the same fake clock as everything else: a test that moves time needs new tokens.
            if (tokens.TryGetValue(cacheKey, out var cached) && Clock.GetUtcNow() - cached.IssuedAt < TimeSpan.FromMinutes(10)
                && Clock.GetUtcNow() >= cached.IssuedAt)
            {
                return cached.Token;
            }

            var token = await NewTokenAsync(clientId, scope);
            tokens[cacheKey] = (token, Clock.GetUtcNow());
            return token;
        }
        finally
        {
            tokenLock.Release();
        }
    }

    /// <summary>A token just issued by the real token endpoint, for tests that need one no other test has used.</summary>
    public Task<string> NewTokenAsync(string clientId, string? scope = null) =>
        NewTokenAsync(clientId, DevelopmentSeed.Clients.Single(c => c.ClientId == clientId).Secret, scope);

    /// <summary>An HTTP client carrying a token just issued to <paramref name="clientId"/> for <paramref name="secret"/>: a client registered by the test, or given a new secret.</summary>
    public async Task<HttpClient> ClientWithSecretAsync(string clientId, string secret)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await NewTokenAsync(clientId, secret, scope: null));
        return client;
    }

    private async Task<string> NewTokenAsync(string clientId, string secret, string? scope)
    {
        using var client = CreateClient();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Token request for {clientId} failed: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>An HTTP client carrying a bearer token of the named demo client; null for anonymous.</summary>
    public async Task<HttpClient> ClientAsync(string? clientId)
    {
        var client = CreateClient();
        if (clientId is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(clientId));
        }

        return client;
    }

    public async Task<T> WithDbAsync<T>(Func<BrokerDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<BrokerDbContext>());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            // The host does not dispose its file providers. The web root's, in Development a composite that the host
            // cannot dispose, holds a file watcher (an inotify instance on Linux) from the first page served; the
            // system allows 128 per user, and a test run makes hundreds of hosts beside other test processes.
            DisposeWithParts(environment?.WebRootFileProvider);
            DisposeWithParts(environment?.ContentRootFileProvider);
            tokenLock.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a finishing background task; the OS temp cleaner takes it.
            }
        }
    }

    private static void DisposeWithParts(IFileProvider? provider)
    {
        if (provider is CompositeFileProvider composite)
        {
            foreach (var part in composite.FileProviders)
            {
                DisposeWithParts(part);
            }
        }

        (provider as IDisposable)?.Dispose();
    }
}

public static class HttpJson
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body);
}
