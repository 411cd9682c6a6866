using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Audit;

/// <summary>The CLI through its entry point, against the real broker in memory.</summary>
public sealed class AuditCliTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public async Task Audit_verify_prints_intact_up_to_the_head_and_exits_0()
    {
        using var met = await broker.ClientAsync("met-case-system");
        await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());
        var head = await broker.WithDbAsync(db => db.AuditEntries.MaxAsync(e => e.Sequence));

        var (exit, output, _) = await broker.RunCliAsync("audit", "verify", "--broker", "http://localhost", "--client-id", "ipco-oversight", "--client-secret", "dev-ipco-secret");

        Assert.Equal(0, exit);
        Assert.StartsWith($"INTACT  Intact up to {head}", output, StringComparison.Ordinal);
        Assert.Contains($"Head {head}:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_verify_holds_the_chain_to_a_known_head_and_refuses_a_malformed_one()
    {
        var hash = await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.Sequence == 2).Select(e => e.Hash).SingleAsync());
        string[] client = ["--broker", "http://localhost", "--client-id", "ipco-oversight", "--client-secret", "dev-ipco-secret"];

        var held = await broker.RunCliAsync(["audit", "verify", "--known-head", $"2:{hash}", .. client]);
        var other = await broker.RunCliAsync(["audit", "verify", "--known-head", $"2:{new string('0', 64)}", .. client]);
        var malformed = await broker.RunCliAsync(["audit", "verify", "--known-head", "2", .. client]);

        Assert.Equal(0, held.Exit);
        Assert.Equal(1, other.Exit);
        Assert.Contains("rewritten and rehashed since", other.Output, StringComparison.Ordinal);
        Assert.Equal(2, malformed.Exit);
        Assert.Contains("knownHead", malformed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_verify_with_an_officer_client_is_refused_with_exit_3()
    {
        var (exit, _, error) = await broker.RunCliAsync("audit", "verify", "--broker", "http://localhost", "--client-id", "met-case-system", "--client-secret", "dev-met-secret");

        Assert.Equal(3, exit);
        Assert.Contains("must be an oversight or administration client", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_verify_without_a_secret_is_bad_input()
    {
        var (exit, _, error) = await broker.RunCliAsync("audit", "verify", "--broker", "http://localhost", "--client-id", "ipco-oversight");

        Assert.Equal(2, exit);
        Assert.Contains("--client-secret", error, StringComparison.Ordinal);
    }
}
