using System.Diagnostics;

namespace EvidenceBroker.LoadTest;

/// <summary>
/// Warm-up past the JIT: rounds of <see cref="RoundSize"/> filings, each on keys of its own, until the broker's
/// background JIT spends less than <see cref="SettledShare"/> of a round's time compiling, or the rounds run out. The
/// rounds share one client, its connections and one token, so that they exercise the filing alone: a new client per
/// round kept the JIT busy promoting the token endpoint and connection set-up (18–27 rounds against 9–11), and would
/// soon meet the token endpoint's rate limit.
/// </summary>
public static class JitSettling
{
    public const int RoundSize = 2000;

    /// <summary>The JIT counts as settled once it compiles for less than this share of a round's wall-clock time.</summary>
    public const double SettledShare = 0.01;

    /// <summary>Sends rounds until the JIT settles; the rounds sent and the share of the last one spent compiling.</summary>
    public static async Task<(int Rounds, double CompilingShare)> RunAsync(
        LoadOptions load, JitThreads broker, int maxRounds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(broker);
        using var generator = new LoadGenerator(load with { Requests = RoundSize, KeyPrefix = $"{load.KeyPrefix}-settle" });
        var token = await generator.TokenAsync(ct);
        return await UntilSettledAsync(
            maxRounds, round => generator.RunAsync(ct, first: (round - 1) * RoundSize, bearer: token), broker.CompilingSinceLast);
    }

    /// <summary>
    /// Runs rounds (numbered from 1) until one spends less than <see cref="SettledShare"/> of its wall-clock time
    /// compiling, or <paramref name="maxRounds"/> have run: the rounds run and the share of the last.
    /// </summary>
    /// <param name="compilingSinceLast">The JIT's compilation time since it was last asked.</param>
    public static async Task<(int Rounds, double CompilingShare)> UntilSettledAsync(
        int maxRounds, Func<int, Task> round, Func<TimeSpan> compilingSinceLast)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(compilingSinceLast);
        var share = double.NaN;
        for (var number = 1; number <= maxRounds; number++)
        {
            compilingSinceLast();
            var started = Stopwatch.GetTimestamp();
            await round(number);
            share = compilingSinceLast() / Stopwatch.GetElapsedTime(started);
            if (share < SettledShare)
            {
                return (number, share);
            }
        }

        return (maxRounds, share);
    }
}
