using System.Globalization;

namespace EvidenceBroker.LoadTest;

/// <summary>
/// The CPU a .NET process's tiered JIT spends recompiling hot methods in the background: the user plus system time of
/// its threads named ".NET Tiered Com…" (/proc/PID/task/TID/comm). A broker keeps doing that for a while after it
/// starts (under load at 16 in flight, for about its first 30,000 filings: docs/throughput.md, nineteenth session),
/// and a run measured in that time measures the compiler as well. Linux only; elsewhere it reads nothing.
/// </summary>
public sealed class JitThreads
{
    private const string ThreadNamePrefix = ".NET Tiered Com";

    private readonly int pid;
    private IReadOnlyDictionary<int, long> seen;

    public JitThreads(int pid)
    {
        this.pid = pid;
        seen = Read(pid);
    }

    /// <summary>The CPU the compilation threads used since the last call, or since this was made.</summary>
    public TimeSpan CompilingSinceLast()
    {
        var now = Read(pid);
        var ticks = TicksBetween(seen, now);
        seen = now;
        return TimeSpan.FromSeconds(ticks / CpuBudget.TicksPerSecond);
    }

    /// <summary>
    /// Ticks used between two readings of each thread's total: a thread that started meanwhile counts all it used, and
    /// one that ended counts nothing more (what it used after the first reading is lost with it; the runtime ends the
    /// thread once it has had nothing to compile for a while, so little is lost).
    /// </summary>
    public static long TicksBetween(IReadOnlyDictionary<int, long> before, IReadOnlyDictionary<int, long> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.Sum(thread => Math.Max(0, thread.Value - before.GetValueOrDefault(thread.Key)));
    }

    /// <summary>Each compilation thread's user plus system ticks (fields 14 and 15 of its stat); none once the process is gone.</summary>
    private static Dictionary<int, long> Read(int pid)
    {
        var threads = new Dictionary<int, long>();
        var tasks = $"/proc/{pid}/task";
        if (!OperatingSystem.IsLinux() || !Directory.Exists(tasks))
        {
            return threads;
        }

        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            if (CpuBudget.TryRead(Path.Combine(task, "comm"))?.StartsWith(ThreadNamePrefix, StringComparison.Ordinal) == true
                && CpuBudget.StatTicks(Path.Combine(task, "stat")) is { } ticks) // null: the thread ended meanwhile
            {
                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = ticks;
            }
        }

        return threads;
    }
}
