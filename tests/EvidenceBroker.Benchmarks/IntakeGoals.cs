using System.Globalization;
using BenchmarkDotNet.Reports;
using EvidenceBroker.Server.Persistence;

namespace EvidenceBroker.Benchmarks;

/// <summary>
/// Issue 8's throughput goals, judged at the end of a run of <see cref="IntakeThroughputBenchmarks"/> from that run's
/// own figures: at least <see cref="RateGoal"/> filings a second on SQLite with a p99 latency of at most
/// <see cref="LatencyGoalMs"/>, and, on each database, at least <see cref="ShareGoal"/> of the bare insert's rate.
/// <para>
/// A rate here is a capacity: the most an endpoint served at any of the run's loads, a filing's only at loads where
/// its p99 met the latency goal. The run's client keeps a fixed number of requests in flight, so at a light load its
/// rate is that number divided by the latency, not what the broker can serve: a write batch can only take the filings
/// that are waiting for it. The loads are compared each at its best because the goals speak of rates, not of one
/// load; the figures of every load are printed with the verdict, so nothing is hidden by the choice.
/// </para>
/// </summary>
public static class IntakeGoals
{
    public const double RateGoal = 2000;
    public const double LatencyGoalMs = 50;
    public const double ShareGoal = 0.5;

    /// <summary>The file each benchmark process appends its filings' latencies to (set by <see cref="Program"/>).</summary>
    public const string LatencyFileVariable = "EB_BENCH_INTAKE_LATENCIES";

    /// <summary>Called by a benchmark process at cleanup: one line per case, read back by <see cref="Judge"/>.</summary>
    public static void RecordLatency(DatabaseProvider provider, int concurrency, double p99Ms)
    {
        if (Environment.GetEnvironmentVariable(LatencyFileVariable) is { Length: > 0 } path)
        {
            File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture, $"{provider}\t{concurrency}\t{p99Ms}\n"));
        }
    }

    /// <summary>The verdict on each database measured in <paramref name="summary"/>, as lines to print; none if the summary is another benchmark's.</summary>
    public static IReadOnlyList<string> Judge(Summary summary, string latencyFile)
    {
        var latencies = File.Exists(latencyFile) ? ReadLatencies(latencyFile) : [];
        var cases = summary.Reports
            .Where(report => report.BenchmarkCase.Descriptor.Type == typeof(IntakeThroughputBenchmarks) && report.ResultStatistics is not null)
            .Select(report => new Case(
                (DatabaseProvider)report.BenchmarkCase.Parameters[nameof(IntakeThroughputBenchmarks.Provider)],
                (int)report.BenchmarkCase.Parameters[nameof(IntakeThroughputBenchmarks.Concurrency)],
                report.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(IntakeThroughputBenchmarks.FileRequest),
                1e9 / report.ResultStatistics!.Mean))
            .ToList();
        return cases.GroupBy(c => c.Provider).SelectMany(database => JudgeDatabase(database.Key, [.. database], latencies)).ToList();
    }

    private static IEnumerable<string> JudgeDatabase(DatabaseProvider provider, IReadOnlyList<Case> cases, Dictionary<(DatabaseProvider, int), double> p99s)
    {
        foreach (var filing in cases.Where(c => c.IsFiling).OrderBy(c => c.Concurrency))
        {
            var bare = cases.FirstOrDefault(c => !c.IsFiling && c.Concurrency == filing.Concurrency);
            var p99 = p99s.TryGetValue((provider, filing.Concurrency), out var ms) ? Format($"p99 {ms:0.0} ms") : "p99 not recorded";
            yield return Format($"// goals {provider}, {filing.Concurrency} in flight: filing {filing.Rate:#,0} /s ({p99}), bare insert {bare?.Rate ?? 0:#,0} /s");
        }

        var withinLatency = cases
            .Where(c => c.IsFiling && p99s.TryGetValue((provider, c.Concurrency), out var p99) && p99 <= LatencyGoalMs)
            .MaxBy(c => c.Rate);
        var bestBare = cases.Where(c => !c.IsFiling).MaxBy(c => c.Rate);
        if (withinLatency is null || bestBare is null)
        {
            yield return Format($"// goals {provider}: NOT MET, no load filed within p99 ≤ {LatencyGoalMs} ms (or a case is missing)");
            yield break;
        }

        var share = withinLatency.Rate / bestBare.Rate;
        var rateMet = provider != DatabaseProvider.Sqlite || withinLatency.Rate >= RateGoal;
        var shareMet = share >= ShareGoal;
        var rateClause = provider == DatabaseProvider.Sqlite ? Format($"≥ {RateGoal:#,0} /s {Verdict(rateMet)}, ") : "";
        yield return Format(
            $"// goals {provider}: capacity {withinLatency.Rate:#,0} /s at {withinLatency.Concurrency} in flight within p99 ≤ {LatencyGoalMs} ms; {rateClause}{share:P2} of the bare insert's {bestBare.Rate:#,0} /s (at {bestBare.Concurrency} in flight) {Verdict(shareMet)}: {(rateMet && shareMet ? "MET" : "NOT MET")}");
    }

    private static Dictionary<(DatabaseProvider, int), double> ReadLatencies(string path)
    {
        var p99s = new Dictionary<(DatabaseProvider, int), double>();
        foreach (var fields in File.ReadLines(path).Select(line => line.Split('\t')).Where(fields => fields.Length == 3))
        {
            p99s[(Enum.Parse<DatabaseProvider>(fields[0]), int.Parse(fields[1], CultureInfo.InvariantCulture))] = double.Parse(fields[2], CultureInfo.InvariantCulture);
        }

        return p99s;
    }

    private static string Verdict(bool met) => met ? "met" : "NOT met";

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Case(DatabaseProvider Provider, int Concurrency, bool IsFiling, double Rate);
}
