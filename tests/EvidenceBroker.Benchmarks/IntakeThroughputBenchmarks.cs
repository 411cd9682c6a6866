using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using EvidenceBroker.LoadTest;
using EvidenceBroker.Server.Persistence;

namespace EvidenceBroker.Benchmarks;

/// <summary>
/// Issue 8: requests per second through the whole intake — real Kestrel on loopback, a real client-credentials token
/// validated on every call, validation, policy decision, one transaction with the request, decision, two audit
/// entries, deadlines, outbox messages and the idempotency key, acknowledged once that transaction is on disk. The
/// baseline in the same run is a bare endpoint on the same server that does one INSERT of the same body (autocommit:
/// one disk flush per request, where filings share flushes through the group commit). Each invocation sends
/// <see cref="Batch"/> requests, <see cref="Concurrency"/> in flight, so the reported time per operation is
/// 1 / throughput; the p99 latency of the measured iterations (warm-up excluded) is printed at cleanup (// p99 …).
/// Three loads: 16, 32 and 64 in flight. Filings share disk flushes with those in flight beside them, so more in flight
/// buys throughput with latency; the three show what each costs, and <see cref="IntakeGoals"/> judges issue 8's goals
/// at the end of the run from the best rate within the latency goal.
/// The broker runs in a process of its own (<see cref="IntakeBrokerProcess"/>), as deployed; this process is only its
/// client, on the same two cores. The CPU each measured request cost is printed at cleanup too (// cpu …): the broker's
/// process, this client, PostgreSQL's processes, and what stayed idle, from /proc on Linux. A case cannot run faster
/// than its CPU divided by the machine's cores, so the filing's CPU against the baseline's bounds the share of the
/// baseline's rate it can reach.
/// PostgreSQL runs only when EB_TEST_POSTGRES names a server (tests/run.sh's throwaway one is fine).
/// Before BenchmarkDotNet's own warm-up iterations, <see cref="WarmUpUntilJitSettles"/> sends both endpoints' requests
/// until the broker's JIT has finished its tiers, so that the measured iterations see the broker's steady state, not
/// its compiler.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, warmupCount: Warmups, iterationCount: 10)]
public class IntakeThroughputBenchmarks
{
    public const int Batch = 2000;
    private const int Warmups = 8;

    /// <summary>At most this many warm-up rounds (a batch of each endpoint) before measuring regardless.</summary>
    private const int MaxSettlingRounds = 40;

    private IntakeBrokerProcess broker = null!;
    private HttpClient http = null!;
    private string token = "";
    private int counter;
    private readonly ConcurrentBag<double> latencies = [];
    private int iteration;
    private CpuBudget? cpu;
    private int measuredRequests;
    private string measuredPath = "";

    [ParamsSource(nameof(Providers))]
    public DatabaseProvider Provider { get; set; }

    /// <summary>Requests in flight at once.</summary>
    [Params(16, 32, 64)]
    public int Concurrency { get; set; }

    public static IEnumerable<DatabaseProvider> Providers() =>
        Environment.GetEnvironmentVariable("EB_TEST_POSTGRES") is null ? [DatabaseProvider.Sqlite] : [DatabaseProvider.Sqlite, DatabaseProvider.Postgres];

    [GlobalSetup]
    public void Setup()
    {
        broker = IntakeBrokerProcess.Start(Provider);
        http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency }) { BaseAddress = broker.BaseAddress };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "met-case-system", ["client_secret"] = "dev-met-secret",
        });
        using var response = http.PostAsync(new Uri("/connect/token", UriKind.Relative), form).GetAwaiter().GetResult();
        token = JsonDocument.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult()).RootElement.GetProperty("access_token").GetString()!;
        WarmUpUntilJitSettles();
    }

    /// <summary>
    /// Rounds of <see cref="Batch"/> bare inserts and <see cref="Batch"/> filings until the JIT spends less than
    /// <see cref="JitSettling.SettledShare"/> of a round compiling (its background compilation threads, read from /proc),
    /// as eb-load's <c>--jit-rounds</c> waits for. The
    /// tiered JIT keeps recompiling hot methods long after a process starts: watching its thread in a broker under
    /// eb-load at 16 in flight (docs/throughput.md, nineteenth session), it used 0.3–0.8 s of CPU a second for the
    /// first 16 s, about 30,000 filings, and nothing after. The 16,000 requests of BenchmarkDotNet's warm-up iterations
    /// alone left the measured ones inside that time.
    /// </summary>
    private void WarmUpUntilJitSettles()
    {
        var jit = new JitThreads(broker.Pid);
        var (rounds, share) = JitSettling.UntilSettledAsync(MaxSettlingRounds, async _ =>
        {
            await SendBatchAsync("/bench/bare", authenticated: false);
            await SendBatchAsync("/api/v1/requests", authenticated: true);
        }, jit.CompilingSinceLast).GetAwaiter().GetResult();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// jit {Provider}, {Concurrency} in flight: {share:P1} of warm-up round {rounds} spent compiling"));
    }

    /// <summary>Counts iterations, so that latencies are kept only once the warm-up ones are over.</summary>
    [IterationSetup]
    public void NextIteration()
    {
        if (++iteration == Warmups + 1)
        {
            cpu = new CpuBudget(brokerPid: broker.Pid, databaseProcessName: Provider == DatabaseProvider.Postgres ? "postgres" : null);
            cpu.Start();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var sorted = latencies.Order().ToArray();
        if (sorted.Length > 0)
        {
            var (p50, p99) = (sorted[sorted.Length / 2], sorted[(int)(sorted.Length * 0.99)]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"// p99 {Provider}, {Concurrency} in flight: {p99:0.0} ms, p50 {p50:0.0} ms over {sorted.Length} requests"));
            IntakeGoals.RecordLatency(Provider, Concurrency, p99);
        }

        if (cpu?.Measure(measuredRequests) is { } perRequest)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"// cpu {Provider}, {Concurrency} in flight, {measuredPath}: broker {perRequest.Broker:0.000} ms, client {perRequest.LoadGenerator:0.000} ms, postgres {perRequest.Database:0.000} ms, idle {perRequest.Idle:0.000} ms per request ({perRequest.Cores} cores)"));
        }

        http.Dispose();
        broker.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "bare endpoint: one INSERT of the same body")]
    public Task BareInsert() => SendBatchAsync("/bench/bare", authenticated: false);

    [Benchmark(OperationsPerInvoke = Batch, Description = "file a request: token, validation, decision, audit, outbox")]
    public Task FileRequest() => SendBatchAsync("/api/v1/requests", authenticated: true);

    private async Task SendBatchAsync(string path, bool authenticated)
    {
        var next = 0;
        var record = !authenticated || iteration <= Warmups ? null : latencies;
        measuredPath = path;
        measuredRequests += iteration > Warmups ? Batch : 0;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= Batch)
            {
                var n = Interlocked.Increment(ref counter);
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
                {
                    Content = new StringContent(Body(n), Encoding.UTF8, "application/json"),
                };
                if (authenticated)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    request.Headers.Add("Idempotency-Key", $"bench-{n.ToString(CultureInfo.InvariantCulture)}");
                }

                var started = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request);
                if ((int)response.StatusCode is not (201 or 204))
                {
                    throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }

                record?.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
    }

    private static string Body(int n) => LoadGenerator.Filing(n, "GB", "gb-met");
}
