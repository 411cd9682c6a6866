namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>The CLI through its entry point, against the real broker in memory.</summary>
public static class CliRunner
{
    public static async Task<(int Exit, string Output, string Error)> RunCliAsync(this BrokerFactory broker, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(broker);
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var handler = broker.Server.CreateHandler();
        var exit = await EvidenceBroker.Cli.Program.RunAsync(args, output, error, handler);
        return (exit, output.ToString(), error.ToString());
    }
}
