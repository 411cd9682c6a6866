using EvidenceBroker.LoadTest;

namespace EvidenceBroker.Cluster.Tests;

/// <summary>eb-load's arguments: a bad one is refused with its name (exit 2), never met later as an exception.</summary>
public sealed class LoadCommandLineTests
{
    [Fact]
    public void Reads_every_option_once_into_the_run_it_asks_for()
    {
        var command = Parse(
            "--target", "http://127.0.0.1:5101", "--target", "http://[::1]:5102", "--requests", "10000", "--concurrency", "16",
            "--duration", "30", "--client", "c", "--secret", "s", "--agency", "fr-pn", "--country", "FR", "--key-prefix", "run1",
            "--retries", "2", "--out", "o.csv", "--warm-up", "0", "--broker-pid", "42", "--database-process", "postgres", "--jit-rounds", "20");

        Assert.Equal(["http://127.0.0.1:5101/", "http://[::1]:5102/"], command.Load.Targets.Select(t => t.ToString()));
        Assert.Equal((10000, 16, 30.0, 2), (command.Load.Requests, command.Load.Concurrency, command.Load.Duration.TotalSeconds, command.Load.RetriesOnConnectionFailure));
        Assert.Equal(("c", "s", "fr-pn", "FR", "run1"), (command.Load.ClientId, command.Load.ClientSecret, command.Load.AgencyId, command.Load.Country, command.Load.KeyPrefix));
        Assert.Equal((0, 42, "postgres", "o.csv", 20), (command.WarmUp, command.BrokerPid, command.DatabaseProcess, command.OutputPath, command.JitRounds));
    }

    [Fact]
    public void Without_options_it_loads_the_local_broker_for_a_bounded_time()
    {
        var command = Parse("--duration", "100000");

        Assert.Equal("http://127.0.0.1:5080/", Assert.Single(command.Load.Targets).ToString());
        Assert.Equal(LoadCommandLine.MaxDuration, command.Load.Duration);
        Assert.Equal((5000, 32, 200, 0), (command.Load.Requests, command.Load.Concurrency, command.WarmUp, command.JitRounds));
        Assert.Null(command.BrokerPid);
    }

    [Theory]
    [InlineData("--requests 1.5", "--requests takes a whole number above 0, not '1.5'")]
    [InlineData("--requests 0", "--requests takes a whole number above 0, not '0'")]
    [InlineData("--concurrency -3", "--concurrency takes a whole number above 0, not '-3'")]
    [InlineData("--warm-up many", "--warm-up takes a whole number, not 'many'")]
    [InlineData("--broker-pid 99999999999", "--broker-pid takes a whole number above 0, not '99999999999'")]
    [InlineData("--target http://192.0.2.1:5080", "http://192.0.2.1:5080/ is not a loopback address: eb-load only loads a broker on this machine")]
    [InlineData("--target nowhere", "not a URL: nowhere")]
    [InlineData("--requets 10", "unknown option --requets")]
    [InlineData("10", "unexpected argument 10")]
    [InlineData("--requests", "unexpected argument --requests")]
    [InlineData("--jit-rounds 5", "--jit-rounds needs --broker-pid: it watches that process's JIT")]
    [InlineData("--broker-pid 42 --jit-rounds -1", "--jit-rounds takes a whole number, not '-1'")]
    public void A_bad_argument_is_refused_with_its_name(string arguments, string expected)
    {
        Assert.Null(LoadCommandLine.Parse(arguments.Split(' '), out var problem));
        Assert.Equal(expected, problem);
    }

    private static LoadCommandLine Parse(params string[] args)
    {
        var command = LoadCommandLine.Parse(args, out var problem);
        Assert.True(command is not null, problem);
        return command;
    }
}
