using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using EvidenceBroker.Server.Persistence;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EvidenceBroker.Cluster.Tests;

/// <summary>
/// Two broker processes on loopback sharing one fresh PostgreSQL database, started and stopped by
/// deploy/run-local-cluster.sh exactly as a developer would. Both nodes are always killed in <see cref="DisposeAsync"/>,
/// also when a test failed.
/// </summary>
public sealed class LocalCluster : IAsyncLifetime
{
    public const string Variable = "EB_TEST_POSTGRES";

    private readonly string state = Directory.CreateTempSubdirectory("eb-cluster-").FullName;
    // A node's process id with the time that process started: a node killed by a test leaves its id free for the system
    // to give an unrelated process, which the clean-up must then leave alone.
    private readonly List<(int Pid, DateTime StartedAt)> startedNodes = [];

    /// <summary>run-local-cluster.sh's exit code when a node could not bind its port because something else holds it.</summary>
    private const int PortTaken = 3;

    public static string? Server => Environment.GetEnvironmentVariable(Variable);

    /// <summary>The nodes' addresses, known once <see cref="InitializeAsync"/> has started the cluster.</summary>
    public Uri Node1 { get; private set; } = null!;
    public Uri Node2 { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";
    public WebhookReceiver Receiver { get; } = new();

    public static string RepositoryRoot { get; } = FindRoot();

    public async Task InitializeAsync()
    {
        if (Server is null)
        {
            return; // every test skips (ClusterFactAttribute)
        }

        ConnectionString = CreateDatabase(Server);
        Receiver.Start();
        await StartOnFreePortsAsync();

        using var admin = await ClientAsync(Node1, "broker-admin", "dev-admin-secret");
        foreach (var (kind, id) in new[] { ("agencies", "gb-met"), ("providers", "northwind-mail") })
        {
            using var response = await admin.PutAsync(new Uri(Node1, $"/api/v1/admin/{kind}/{id}/webhook"),
                JsonContent($$"""{"url":"{{Receiver.Url}}{{kind}}/{{id}}"}"""));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Server is not null)
            {
                await RunScriptAsync("stop");
            }
        }
        finally
        {
            foreach (var (pid, startedAt) in startedNodes)
            {
                KillQuietly(pid, startedAt);
            }

            Receiver.Dispose();
            if (Server is not null && ConnectionString.Length > 0)
            {
                NpgsqlConnection.ClearAllPools();
                await using var connection = new NpgsqlConnection(Server);
                await connection.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {new NpgsqlConnectionStringBuilder(ConnectionString).Database} WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
            }

            try
            {
                Directory.Delete(state, recursive: true);
            }
            catch (IOException)
            {
                // a log still being flushed by a dying process; the temp cleaner takes it
            }
        }
    }

    public int Pid(int node) => int.Parse(File.ReadAllText(Path.Combine(state, $"node{node}.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>SIGKILL: no shutdown hooks, no flushing, no releasing of claims or Hangfire's server record.</summary>
    public void KillNine(int node)
    {
        using var process = Process.GetProcessById(Pid(node));
        process.Kill();
        process.WaitForExit(10_000);
    }

    public async Task RestartAsync(int node)
    {
        await RunScriptAsync("node", node.ToString(System.Globalization.CultureInfo.InvariantCulture));
        RememberPids();
    }

    /// <summary>Stops both nodes and starts the cluster again, as <c>start</c> on the same database and state directory.</summary>
    public async Task StopAndStartAsync()
    {
        await RunScriptAsync("stop");
        await StartAsync();
    }

    public string Log(int node) => File.ReadAllText(Path.Combine(state, $"node{node}.log"));

    public BrokerDbContext Db() => new PostgresBrokerDbContext(
        new DbContextOptionsBuilder<PostgresBrokerDbContext>().UseNpgsql(ConnectionString).UseOpenIddict().Options);

    /// <summary>The cluster's Hangfire storage, to do what the dashboard's "trigger now" does.</summary>
    public JobStorage Jobs() => new PostgreSqlStorage(
        new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(ConnectionString, StorageOptions),
        StorageOptions);

    private static readonly PostgreSqlStorageOptions StorageOptions = new() { PrepareSchemaIfNecessary = false, SchemaName = "hangfire" };

    public static async Task<HttpClient> ClientAsync(Uri node, string clientId, string secret)
    {
        var http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(30) };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        });
        using var response = await http.PostAsync("/connect/token", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString());
        return http;
    }

    public static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    /// <summary>Polls until <paramref name="condition"/> holds or the time is up; the caller asserts afterwards.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var until = Stopwatch.GetTimestamp() + (long)(within.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (Stopwatch.GetTimestamp() > until)
            {
                return false;
            }

            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Starts the cluster on two ports that were free a moment ago. The nodes bind them only seconds later, as separate
    /// processes, and another process on this machine may take one in between (any outgoing connection may be given it
    /// as its local port); the start then fails for that reason alone, and is tried again on two other ports.
    /// </summary>
    private async Task StartOnFreePortsAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var ports = FreePorts(2);
            Node1 = new Uri($"http://127.0.0.1:{ports[0]}");
            Node2 = new Uri($"http://127.0.0.1:{ports[1]}");
            var (exitCode, output) = await TryRunScriptAsync(StartArguments());
            if (exitCode == 0)
            {
                RememberPids();
                return;
            }

            await RunScriptAsync("stop"); // node 1 is up when it was node 2's port that was taken
            if (exitCode != PortTaken || attempt == 3)
            {
                throw new InvalidOperationException($"run-local-cluster.sh start failed ({exitCode}): {output}");
            }
        }
    }

    /// <summary>Starts the cluster again on the ports it had: its issuer and the tests' clients name them.</summary>
    private async Task StartAsync()
    {
        await RunScriptAsync(StartArguments());
        RememberPids();
    }

    private string[] StartArguments() =>
        ["start", "--connection", ConnectionString, "--ports", $"{Node1.Port},{Node2.Port}", "--server-dir", ServerDirectory()];

    private void RememberPids()
    {
        foreach (var node in new[] { 1, 2 })
        {
            if (File.Exists(Path.Combine(state, $"node{node}.pid")) && StartTimeOf(Pid(node)) is { } startedAt)
            {
                startedNodes.Add((Pid(node), startedAt));
            }
        }
    }

    private async Task RunScriptAsync(params string[] arguments)
    {
        var (exitCode, output) = await TryRunScriptAsync(arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"run-local-cluster.sh {string.Join(' ', arguments)} failed ({exitCode}): {output}");
        }
    }

    private async Task<(int ExitCode, string Output)> TryRunScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "deploy", "run-local-cluster.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--state");
        start.ArgumentList.Add(state);
        foreach (var (key, value) in NodeSettings)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>Inherited by both nodes through the script.</summary>
    private static readonly Dictionary<string, string> NodeSettings = new(StringComparer.Ordinal)
    {
        ["Serilog__MinimumLevel__Default"] = "Warning",
        ["RateLimits__IntakePerClientPerPeriod"] = "100000",
        ["RateLimits__IntakeBurst"] = "100000",
        ["RateLimits__TokenPerClientPerMinute"] = "100000",
        ["RateLimits__TokenPerAddressPerMinute"] = "100000",
        ["RateLimits__WholeStorePerClientPerMinute"] = "100000",
        ["Jobs__WorkerCount"] = "2",
        ["Webhooks__PollInterval"] = "00:00:00.250",
        // A receiver slower than this counts as a failed attempt, which the concurrent-filing test (exactly once) would
        // see as a duplicate: the receiver shares two busy cores with the rest of the suite. A node's claims are leased
        // for twice this and 30 s, which the crash test waits out for the dead node's claims.
        ["Webhooks__Timeout"] = "00:00:06",
        ["Webhooks__FirstRetryDelay"] = "00:00:01",
        ["Webhooks__MaxRetryDelay"] = "00:00:02",
        ["Webhooks__Parallelism"] = "8",
    };

    private static string ServerDirectory()
    {
        // The test assembly's own build configuration (…/tests/EvidenceBroker.Cluster.Tests/bin/<cfg>/<tfm>/); the project
        // reference built the server with the same one.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var directory = Path.Combine(RepositoryRoot, "src", "EvidenceBroker.Server", "bin", here.Parent!.Name, here.Name);
        if (!File.Exists(Path.Combine(directory, "EvidenceBroker.Server.dll")))
        {
            throw new InvalidOperationException($"The server is not built in {directory}.");
        }

        return directory;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EvidenceBroker.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("EvidenceBroker.sln not found above the test assembly.");
    }

    private static string CreateDatabase(string server)
    {
        var name = $"eb_cluster_{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(server))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = true }.ConnectionString;
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    private static DateTime? StartTimeOf(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.StartTime;
        }
        catch (ArgumentException)
        {
            return null; // already gone
        }
        catch (InvalidOperationException)
        {
            return null; // already gone
        }
    }

    private static void KillQuietly(int pid, DateTime startedAt)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.StartTime == startedAt)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (ArgumentException)
        {
            // already gone
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }
}

/// <summary>A test that needs the throwaway PostgreSQL that tests/run.sh starts (EB_TEST_POSTGRES).</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (LocalCluster.Server is null)
        {
            Skip = $"{LocalCluster.Variable} is not set (tests/run.sh sets it).";
        }
    }
}

/// <summary>One cluster for every test class: starting two nodes costs half a minute on two cores.</summary>
[CollectionDefinition(Name)]
public sealed class SharedClusterDefinition : ICollectionFixture<LocalCluster>
{
    public const string Name = "cluster";
}
