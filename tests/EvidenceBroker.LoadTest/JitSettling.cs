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
        var share = double.NaN;
        for (var round = 1; round <= maxRounds; round++)
        {
            broker.CompilingSinceLast();
            var started = Stopwatch.GetTimestamp();
            await generator.RunAsync(ct, first: (round - 1) * RoundSize, bearer: token);
            share = broker.CompilingSinceLast() / Stopwatch.GetElapsedTime(started);
            if (share < SettledShare)
            {
                return (round, share);
            }
        }

        return (maxRounds, share);
    }
}
