using System.Globalization;
using EvidenceBroker.LoadTest;

// eb-load: authenticated intake against a broker on this machine, bounded in count and time.
//   dotnet run -c Release --project tests/EvidenceBroker.LoadTest -- --target http://127.0.0.1:5080 [--target …]
//     [--requests 5000] [--concurrency 32] [--duration 60] [--client met-case-system --secret dev-met-secret]
//     [--key-prefix run1] [--retries 0] [--out outcomes.csv] [--warm-up 200]
//     [--broker-pid PID] [--database-process postgres]   (Linux: CPU per request of each, and the ceiling it sets)
// Exit code 0 when every request got 201, 1 otherwise, 2 for bad arguments.
var targets = new List<Uri>();
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        return Usage($"unexpected argument {args[i]}");
    }

    if (args[i] == "--target")
    {
        if (!Uri.TryCreate(args[++i], UriKind.Absolute, out var uri))
        {
            return Usage($"not a URL: {args[i]}");
        }

        targets.Add(uri);
    }
    else
    {
        options[args[i][2..]] = args[++i];
    }
}

if (targets.Count == 0)
{
    targets.Add(new Uri("http://127.0.0.1:5080"));
}

if (targets.FirstOrDefault(t => !LoadGenerator.IsLoopback(t)) is { } remote)
{
    return Usage($"{remote} is not a loopback address: eb-load only loads a broker on this machine");
}

foreach (var name in new[] { "requests", "concurrency", "duration", "retries", "warm-up", "broker-pid" })
{
    if (options.TryGetValue(name, out var text)
        && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || (value == 0 && name is not ("retries" or "warm-up"))))
    {
        return Usage($"--{name} takes a whole number{(name is "retries" or "warm-up" ? "" : " above 0")}, not '{text}'");
    }
}

int Number(string name, int fallback) => options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
var load = new LoadOptions
{
    Targets = targets,
    ClientId = options.GetValueOrDefault("client", "met-case-system"),
    ClientSecret = options.GetValueOrDefault("secret", "dev-met-secret"),
    Requests = Number("requests", 5000),
    Concurrency = Number("concurrency", 32),
    Duration = TimeSpan.FromSeconds(Math.Min(Number("duration", 60), 600)),
    KeyPrefix = options.GetValueOrDefault("key-prefix", "load-" + Guid.NewGuid().ToString("N")[..8]),
    RetriesOnConnectionFailure = Number("retries", 0),
    AgencyId = options.GetValueOrDefault("agency", "gb-met"),
    Country = options.GetValueOrDefault("country", "GB"),
};

using var generator = new LoadGenerator(load);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

// A warm-up on separate keys, so that JIT and connection set-up do not count against the broker.
var warmUp = Number("warm-up", Math.Min(200, load.Requests));
using (var warm = new LoadGenerator(load with { Requests = warmUp, KeyPrefix = load.KeyPrefix + "-warmup" }))
{
    await warm.RunAsync(cancel.Token);
}

var budget = new CpuBudget(
    options.TryGetValue("broker-pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
    options.GetValueOrDefault("database-process"));
budget.Start();
var report = await generator.RunAsync(cancel.Token);
Console.WriteLine(report.Summary());
if (options.ContainsKey("broker-pid") || options.ContainsKey("database-process"))
{
    Console.WriteLine(budget.Report(report.Outcomes.Count));
}
if (options.TryGetValue("out", out var path))
{
    await File.WriteAllLinesAsync(path, report.Outcomes.Select(o => string.Create(CultureInfo.InvariantCulture,
        $"{o.IdempotencyKey},{o.Target},{o.Status},{o.RequestId},{o.Replayed},{o.Latency.TotalMilliseconds:0.0},{o.Attempts}")));
}

return report.Outcomes.Count == load.Requests && report.Outcomes.All(o => o.Status == 201) ? 0 : 1;

static int Usage(string problem)
{
    Console.Error.WriteLine($"eb-load: {problem}");
    Console.Error.WriteLine("usage: eb-load --target http://127.0.0.1:5080 [--target …] [--requests N] [--concurrency N] [--duration SECONDS] " +
                            "[--client ID --secret SECRET] [--agency ID --country CC] [--key-prefix P] [--retries N] [--out FILE] " +
                            "[--warm-up N] [--broker-pid PID] [--database-process NAME]");
    return 2;
}
