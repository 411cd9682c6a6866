using BenchmarkDotNet.Running;

namespace EvidenceBroker.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        // Each benchmark case runs in a process of its own; the intake cases leave their latencies here for the verdict.
        var latencies = Path.Combine(Path.GetTempPath(), $"eb-intake-latencies-{Environment.ProcessId}.tsv");
        Environment.SetEnvironmentVariable(IntakeGoals.LatencyFileVariable, latencies);
        try
        {
            foreach (var summary in BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args))
            {
                foreach (var line in IntakeGoals.Judge(summary, latencies))
                {
                    Console.WriteLine(line);
                }
            }
        }
        finally
        {
            File.Delete(latencies);
        }
    }
}
