using System.Diagnostics;
using EvidenceBroker.LoadTest;

namespace EvidenceBroker.Cluster.Tests;

/// <summary>eb-load's CPU report: what it must show is the CPU each measured process really used, per request.</summary>
public sealed class CpuBudgetTests
{
    [Fact]
    public void Counts_the_cpu_a_process_used_per_request_and_the_rate_that_cpu_caps_the_machine_at()
    {
        Assert.True(CpuBudget.IsAvailable, "eb-load's CPU report reads Linux /proc, which this machine has");
        using var self = Process.GetCurrentProcess();
        var budget = new CpuBudget(Environment.ProcessId, databaseProcessName: "no-such-process");
        var before = self.TotalProcessorTime;
        budget.Start();
        self.Refresh();
        while (self.TotalProcessorTime - before < TimeSpan.FromMilliseconds(500))
        {
            self.Refresh(); // half a second of this process's CPU, for 100 "requests": about 5 ms each
        }

        var cpu = budget.Measure(requests: 100)!;
        self.Refresh();

        // The process is read twice (as broker and as load generator) a moment apart, while other tests' threads may
        // run in it: both readings lie between what it had used before the measurement and what it had used after.
        var used = (self.TotalProcessorTime - before).TotalMilliseconds / 100;
        const double tolerance = 1.0; // /proc counts in hundredths of a second; the readings are moments apart
        Assert.InRange(cpu.Broker, used - tolerance, used + tolerance);
        Assert.InRange(cpu.LoadGenerator, used - tolerance, used + tolerance);
        Assert.Equal(0, cpu.Database);
        Assert.Equal(Environment.ProcessorCount * 1000.0 / cpu.Busy, cpu.CeilingPerSecond, 6);
        Assert.Contains("no-such-process 0.00 ms", budget.Report(100), StringComparison.Ordinal);
    }
}
