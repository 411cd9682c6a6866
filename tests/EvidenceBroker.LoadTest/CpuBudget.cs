using System.Globalization;

namespace EvidenceBroker.LoadTest;

/// <summary>
/// Where the machine's CPU went during a run, per request: the broker's process, the database's processes (found by
/// name), this load generator, and what stayed idle. A request cannot be served faster than its CPU divided by the
/// machine's cores, so the sum is a ceiling on throughput that no change of concurrency or locking can lift. Linux
/// only (reads /proc); elsewhere it reports nothing.
/// </summary>
public sealed class CpuBudget
{
    /// <summary>Clock ticks per second of /proc's figures (USER_HZ), 100 on every Linux this runs on.</summary>
    internal const double TicksPerSecond = 100;

    private readonly int? brokerPid;
    private readonly string? databaseProcessName;
    private Sample? start;

    public CpuBudget(int? brokerPid, string? databaseProcessName)
    {
        this.brokerPid = brokerPid;
        this.databaseProcessName = databaseProcessName;
    }

    public static bool IsAvailable => OperatingSystem.IsLinux() && File.Exists("/proc/stat");

    public void Start() => start = IsAvailable ? Take() : null;

    /// <summary>The CPU used since <see cref="Start"/>, per request of <paramref name="requests"/>; null off Linux.</summary>
    public CpuPerRequest? Measure(int requests)
    {
        if (start is not { } before || requests == 0)
        {
            return null;
        }

        var after = Take();
        double PerRequest(long ticks) => ticks * 1000.0 / TicksPerSecond / requests;
        return new CpuPerRequest(
            PerRequest(after.Broker - before.Broker), PerRequest(after.Database - before.Database),
            PerRequest(after.Self - before.Self), PerRequest(after.Idle - before.Idle), Environment.ProcessorCount);
    }

    /// <summary>What <see cref="Measure"/> found, as one line naming the processes measured.</summary>
    public string Report(int requests)
    {
        if (Measure(requests) is not { } cpu)
        {
            return "CPU budget: not available (Linux /proc only)";
        }

        var parts = new List<string>();
        if (brokerPid is not null)
        {
            parts.Add(Ms($"broker {cpu.Broker:0.00}"));
        }

        if (databaseProcessName is not null)
        {
            parts.Add(Ms($"{databaseProcessName} {cpu.Database:0.00}"));
        }

        parts.Add(Ms($"eb-load {cpu.LoadGenerator:0.00}"));
        parts.Add(Ms($"idle {cpu.Idle:0.00}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU per request: {string.Join(", ", parts)} ({cpu.Cores} cores); "
            + $"the measured processes' {cpu.Busy:0.00} ms cap this machine at {cpu.CeilingPerSecond:0} requests/s");

        static string Ms(FormattableString figure) => figure.ToString(CultureInfo.InvariantCulture) + " ms";
    }

    private Sample Take() => new(
        brokerPid is { } pid ? ProcessTicks(pid) : 0,
        databaseProcessName is { } name ? ProcessesNamed(name).Sum(ProcessTicks) : 0,
        ProcessTicks(Environment.ProcessId),
        IdleTicks());

    /// <summary>User plus system time of one process; 0 once it is gone.</summary>
    private static long ProcessTicks(int pid) => StatTicks($"/proc/{pid}/stat") ?? 0;

    /// <summary>
    /// User plus system time in a /proc stat file, a process's or one of its threads' (fields 14 and 15); null once the
    /// process or thread is gone.
    /// </summary>
    internal static long? StatTicks(string statFile)
    {
        try
        {
            var stat = File.ReadAllText(statFile);
            // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static IEnumerable<int> ProcessesNamed(string name)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && TryRead(Path.Combine(directory, "comm"))?.Trim() == name)
            {
                yield return pid;
            }
        }
    }

    /// <summary>Idle plus I/O wait of every core (fields 4 and 5 of the first line of /proc/stat).</summary>
    private static long IdleTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(fields[4], CultureInfo.InvariantCulture) + long.Parse(fields[5], CultureInfo.InvariantCulture);
    }

    internal static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private readonly record struct Sample(long Broker, long Database, long Self, long Idle);
}

/// <summary>Milliseconds of CPU per request, by process, and what they allow.</summary>
public sealed record CpuPerRequest(double Broker, double Database, double LoadGenerator, double Idle, int Cores)
{
    public double Busy => Broker + Database + LoadGenerator;

    /// <summary>Requests per second the machine could serve if every core did nothing but this work.</summary>
    public double CeilingPerSecond => Busy > 0 ? Cores * 1000.0 / Busy : double.PositiveInfinity;
}
