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

        var used = (self.TotalProcessorTime - before).TotalMilliseconds / 100;
        Assert.InRange(cpu.Broker, used - 0.5, used + 0.5); // /proc counts in hundredths of a second
        Assert.Equal(cpu.Broker, cpu.LoadGenerator); // the same process measured twice
        Assert.Equal(0, cpu.Database);
        Assert.Equal(Environment.ProcessorCount * 1000.0 / cpu.Busy, cpu.CeilingPerSecond, 6);
        Assert.Contains("no-such-process 0.00 ms", budget.Report(100), StringComparison.Ordinal);
    }
}
