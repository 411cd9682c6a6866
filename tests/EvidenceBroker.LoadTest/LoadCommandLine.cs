using System.Globalization;

namespace EvidenceBroker.LoadTest;

/// <summary>eb-load's arguments, each checked and converted once.</summary>
/// <param name="WarmUp">Filings sent (on separate keys) before the measured run; 0 for none.</param>
/// <param name="BrokerPid">The broker's process, whose CPU per request is reported; null to report none.</param>
/// <param name="DatabaseProcess">The database's process name, whose CPU per request is reported; null for none.</param>
/// <param name="OutputPath">A CSV file for every outcome; null for none.</param>
/// <param name="JitRounds">
/// After the warm-up, at most this many more rounds (<see cref="JitSettling"/>) until the broker's JIT has settled; 0
/// for none. Needs <paramref name="BrokerPid"/>, whose compilation threads it watches.
/// </param>
public sealed record LoadCommandLine(
    LoadOptions Load, int WarmUp, int? BrokerPid, string? DatabaseProcess, string? OutputPath, int JitRounds = 0)
{
    public const string Usage =
        "usage: eb-load --target http://127.0.0.1:5080 [--target …] [--requests N] [--concurrency N] [--duration SECONDS] " +
        "[--client ID --secret SECRET] [--agency ID --country CC] [--key-prefix P] [--retries N] [--out FILE] " +
        "[--warm-up N] [--broker-pid PID [--jit-rounds N]] [--database-process NAME]";

    /// <summary>The longest run allowed, whatever <c>--duration</c> asks: load is bounded in time as well as in count.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(10);

    /// <summary>The options that take a whole number, and whether 0 is one they accept.</summary>
    private static readonly Dictionary<string, bool> WholeNumbers = new(StringComparer.Ordinal)
    {
        ["requests"] = false, ["concurrency"] = false, ["duration"] = false, ["broker-pid"] = false,
        ["retries"] = true, ["warm-up"] = true, ["jit-rounds"] = true,
    };

    private static readonly HashSet<string> Texts = new(StringComparer.Ordinal)
    {
        "client", "secret", "agency", "country", "key-prefix", "out", "database-process",
    };

    /// <summary>The run <paramref name="args"/> ask for, or null and what is wrong with them.</summary>
    public static LoadCommandLine? Parse(IReadOnlyList<string> args, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(args);
        var targets = new List<Uri>();
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : null;
            if (name is null || i + 1 >= args.Count)
            {
                return Refuse($"unexpected argument {args[i]}", out problem);
            }

            var value = args[i + 1];
            if (name == "target")
            {
                if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
                {
                    return Refuse($"not a URL: {value}", out problem);
                }

                if (!LoadGenerator.IsLoopback(uri))
                {
                    return Refuse($"{uri} is not a loopback address: eb-load only loads a broker on this machine", out problem);
                }

                targets.Add(uri);
            }
            else if (WholeNumbers.TryGetValue(name, out var zeroAllowed))
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || (number == 0 && !zeroAllowed))
                {
                    return Refuse($"--{name} takes a whole number{(zeroAllowed ? "" : " above 0")}, not '{value}'", out problem);
                }

                numbers[name] = number;
            }
            else if (Texts.Contains(name))
            {
                texts[name] = value;
            }
            else
            {
                return Refuse($"unknown option --{name}", out problem);
            }
        }

        var load = new LoadOptions
        {
            Targets = targets.Count > 0 ? targets : [new Uri("http://127.0.0.1:5080")],
            ClientId = texts.GetValueOrDefault("client", "met-case-system"),
            ClientSecret = texts.GetValueOrDefault("secret", "dev-met-secret"),
            Requests = numbers.GetValueOrDefault("requests", 5000),
            Concurrency = numbers.GetValueOrDefault("concurrency", 32),
            Duration = TimeSpan.FromSeconds(Math.Min(numbers.GetValueOrDefault("duration", 60), MaxDuration.TotalSeconds)),
            KeyPrefix = texts.GetValueOrDefault("key-prefix", "load-" + Guid.NewGuid().ToString("N")[..8]),
            RetriesOnConnectionFailure = numbers.GetValueOrDefault("retries", 0),
            AgencyId = texts.GetValueOrDefault("agency", "gb-met"),
            Country = texts.GetValueOrDefault("country", "GB"),
        };
        var jitRounds = numbers.GetValueOrDefault("jit-rounds", 0);
        if (jitRounds > 0 && !numbers.ContainsKey("broker-pid"))
        {
            return Refuse("--jit-rounds needs --broker-pid: it watches that process's JIT", out problem);
        }

        problem = null;
        return new LoadCommandLine(
            load,
            numbers.GetValueOrDefault("warm-up", Math.Min(200, load.Requests)),
            numbers.TryGetValue("broker-pid", out var pid) ? pid : null,
            texts.GetValueOrDefault("database-process"),
            texts.GetValueOrDefault("out"),
            jitRounds);
    }

    private static LoadCommandLine? Refuse(string reason, out string? problem)
    {
        problem = reason;
        return null;
    }
}
