using System.Globalization;
using EvidenceBroker.LoadTest;

// eb-load: authenticated intake against a broker on this machine, bounded in count and time.
//   dotnet run -c Release --project tests/EvidenceBroker.LoadTest -- --target http://127.0.0.1:5080 [--target …]
//     [--requests 5000] [--concurrency 32] [--duration 60] [--client met-case-system --secret dev-met-secret]
//     [--key-prefix run1] [--retries 0] [--out outcomes.csv] [--warm-up 200]
//     [--broker-pid PID] [--database-process postgres]   (Linux: CPU per request of each, and the ceiling it sets)
//     [--jit-rounds 20]   (with --broker-pid: after the warm-up, rounds of 2,000 filings until the broker's JIT settles)
// Exit code 0 when every request got 201, 1 otherwise, 2 for bad arguments.
if (LoadCommandLine.Parse(args, out var problem) is not { } command)
{
    Console.Error.WriteLine($"eb-load: {problem}");
    Console.Error.WriteLine(LoadCommandLine.Usage);
    return 2;
}

var load = command.Load;
using var generator = new LoadGenerator(load);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

// A warm-up on separate keys, so that JIT and connection set-up do not count against the broker.
if (command.WarmUp > 0)
{
    using var warm = new LoadGenerator(load with { Requests = command.WarmUp, KeyPrefix = load.KeyPrefix + "-warmup" });
    await warm.RunAsync(cancel.Token);
}

if (command is { JitRounds: > 0, BrokerPid: { } brokerPid })
{
    var (rounds, compiling) = await JitSettling.RunAsync(
        load with { KeyPrefix = load.KeyPrefix + "-warmup" }, new JitThreads(brokerPid), command.JitRounds, cancel.Token);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"warm-up past the JIT: {rounds} rounds of {JitSettling.RoundSize} filings, the broker's JIT compiling {compiling:P1} of the last"));
}

var budget = new CpuBudget(command.BrokerPid, command.DatabaseProcess);
budget.Start();
var report = await generator.RunAsync(cancel.Token);
Console.WriteLine(report.Summary());
if (command.BrokerPid is not null || command.DatabaseProcess is not null)
{
    Console.WriteLine(budget.Report(report.Outcomes.Count));
}

if (command.OutputPath is { } path)
{
    await File.WriteAllLinesAsync(path, report.Outcomes.Select(o => string.Create(CultureInfo.InvariantCulture,
        $"{o.IdempotencyKey},{o.Target},{o.Status},{o.RequestId},{o.Replayed},{o.Latency.TotalMilliseconds:0.0},{o.Attempts}")));
}

return report.Outcomes.Count == load.Requests && report.Outcomes.All(o => o.Status == 201) ? 0 : 1;
