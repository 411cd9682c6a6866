using System.Diagnostics;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EvidenceBroker.Benchmarks;

/// <summary>
/// The broker under <see cref="IntakeThroughputBenchmarks"/>, in a process of its own, as it is deployed. Until the
/// thirty-seventh session it ran inside the benchmark's process, so the client's sends, its continuations and its
/// garbage shared the broker's thread pool and heap. Now the two share only the machine's cores (and the CPU of each is
/// measured). The broker is this assembly run again with <see cref="ServeCommand"/>: the real broker's pipeline
/// (Development demo clients) with the bare baseline endpoint in front of it, and the server garbage collector, as the
/// broker's own project sets. It serves until its standard input closes, then drops its PostgreSQL database.
/// </summary>
internal sealed class IntakeBrokerProcess : IDisposable
{
    public const string ServeCommand = "serve-intake-broker";

    /// <summary>This assembly's path in its own build folder, set by <see cref="Program"/> for the benchmark's processes.</summary>
    public const string AssemblyVariable = "EB_BENCH_ASSEMBLY";

    private const string ListeningPrefix = "// intake broker listening on ";

    private readonly Process process;

    private IntakeBrokerProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Pid => process.Id;

    /// <summary>Starts the broker on a fresh database and returns once it listens.</summary>
    public static IntakeBrokerProcess Start(DatabaseProvider provider)
    {
        var assembly = Environment.GetEnvironmentVariable(AssemblyVariable) is { Length: > 0 } path
            ? path
            : typeof(IntakeBrokerProcess).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["exec", assembly, ServeCommand, provider.ToString()])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_gcServer"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException("The intake broker did not start.");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is not { } text)
            {
                return;
            }

            if (text.StartsWith(ListeningPrefix, StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(text[ListeningPrefix.Length..]));
            }
            else
            {
                Console.WriteLine($"// broker: {text}"); // its warnings and errors, with the run's own output
            }
        };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The intake broker ended before it listened."));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        if (!listening.Task.Wait(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The intake broker did not listen within two minutes.");
        }

        return new IntakeBrokerProcess(process, listening.Task.Result);
    }

    /// <summary>Closes the broker's input, which ends it; kills it if it has not ended within a minute.</summary>
    public void Dispose()
    {
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    /// <summary>The broker's side: <c>serve-intake-broker Sqlite|Postgres</c>.</summary>
    public static int Serve(IReadOnlyList<string> args)
    {
        if (args.Count != 2 || !Enum.TryParse<DatabaseProvider>(args[1], out var provider))
        {
            Console.Error.WriteLine($"usage: {ServeCommand} Sqlite|Postgres");
            return 2;
        }

        Directory.SetCurrentDirectory(AppContext.BaseDirectory); // where WebApplicationFactory looks for its manifest
        using var host = new Host(provider);
        host.UseKestrel(0);
        host.StartServer();
        using (var scope = host.Services.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<BrokerDbContext>().Database.ExecuteSqlRaw(
                "CREATE TABLE IF NOT EXISTS bench_bare (id TEXT PRIMARY KEY, body TEXT NOT NULL)");
        }

        Console.WriteLine(ListeningPrefix + host.ClientOptions.BaseAddress);
        Console.In.ReadToEnd(); // until the benchmark closes it, or ends
        return 0;
    }

    /// <summary>The real broker (Development demo clients), plus the bare baseline endpoint in front of its pipeline.</summary>
    private sealed class Host(DatabaseProvider provider) : WebApplicationFactory<global::Program>
    {
        private readonly string directory = Directory.CreateTempSubdirectory("eb-bench-intake-").FullName;
        private string? postgresDatabase;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            string connection;
            if (provider == DatabaseProvider.Postgres)
            {
                var server = Environment.GetEnvironmentVariable("EB_TEST_POSTGRES")
                    ?? throw new InvalidOperationException("EB_TEST_POSTGRES names no PostgreSQL server.");
                postgresDatabase = $"eb_bench_{Guid.NewGuid():N}";
                using (var admin = new NpgsqlConnection(server))
                {
                    admin.Open();
                    using var create = new NpgsqlCommand($"CREATE DATABASE {postgresDatabase}", admin);
                    create.ExecuteNonQuery();
                }

                connection = new NpgsqlConnectionStringBuilder(server) { Database = postgresDatabase, MaxPoolSize = 64 }.ConnectionString;
            }
            else
            {
                connection = $"Data Source={Path.Combine(directory, "broker.db")}";
            }

            builder.UseEnvironment("Development");
            builder.UseSetting("Database:Provider", provider.ToString());
            builder.UseSetting("Database:ConnectionString", connection);
            builder.UseSetting("Storage:Root", Path.Combine(directory, "files"));
            builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            builder.UseSetting("Webhooks:RunWorker", "false");
            builder.UseSetting("Jobs:RunServer", "false");
            builder.UseSetting("RateLimits:IntakePerClientPerPeriod", "1000000");
            builder.UseSetting("RateLimits:IntakeBurst", "1000000");
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, BareEndpoint>());
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing && postgresDatabase is not null)
            {
                NpgsqlConnection.ClearAllPools();
                using var admin = new NpgsqlConnection(Environment.GetEnvironmentVariable("EB_TEST_POSTGRES"));
                admin.Open();
                using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {postgresDatabase} WITH (FORCE)", admin);
                drop.ExecuteNonQuery();
            }

            if (disposing && Directory.Exists(directory)) // disposed twice: synchronously, then by DisposeAsync
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>POST /bench/bare: read the body, insert it with a new id, answer 204. No token, no validation, no audit.</summary>
    private sealed class BareEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map("/bench/bare", branch => branch.Run(async http =>
            {
                using var reader = new StreamReader(http.Request.Body);
                var body = await reader.ReadToEndAsync(http.RequestAborted);
                var db = http.RequestServices.GetRequiredService<BrokerDbContext>();
                var id = Guid.CreateVersion7().ToString();
                await db.Database.ExecuteSqlAsync($"INSERT INTO bench_bare (id, body) VALUES ({id}, {body})", http.RequestAborted);
                http.Response.StatusCode = StatusCodes.Status204NoContent;
            }));
            next(app);
        };
    }
}
