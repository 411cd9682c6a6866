using EvidenceBroker.LoadTest;

namespace EvidenceBroker.Cluster.Tests;

/// <summary>eb-load's watch on a broker's JIT: the compiling time between two readings, whichever threads came and went.</summary>
public sealed class JitThreadsTests
{
    [Fact]
    public void Counts_what_each_compilation_thread_used_between_two_readings()
    {
        var before = new Dictionary<int, long> { [10] = 500, [11] = 70 };
        var after = new Dictionary<int, long> { [10] = 530, [12] = 9 }; // 11 ended, 12 started

        Assert.Equal(30 + 9, JitThreads.TicksBetween(before, after));
    }

    [Fact]
    public void Reads_nothing_from_a_process_that_is_gone_and_never_less_than_nothing_from_a_live_one()
    {
        Assert.True(OperatingSystem.IsLinux(), "eb-load reads Linux /proc, which this machine has");

        Assert.Equal(TimeSpan.Zero, new JitThreads(int.MaxValue).CompilingSinceLast());
        Assert.True(new JitThreads(Environment.ProcessId).CompilingSinceLast() >= TimeSpan.Zero);
    }
}
