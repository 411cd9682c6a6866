using BenchmarkDotNet.Running;

namespace EvidenceBroker.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args is [IntakeBrokerProcess.ServeCommand, ..])
        {
            return IntakeBrokerProcess.Serve(args);
        }

        // BenchmarkDotNet runs each case from a project of its own: the intake cases start their broker from this build.
        Environment.SetEnvironmentVariable(IntakeBrokerProcess.AssemblyVariable, typeof(Program).Assembly.Location);

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

        return 0;
    }
}
