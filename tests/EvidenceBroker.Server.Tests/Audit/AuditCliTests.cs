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
