using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Routing;

/// <summary><c>evidencebroker policy what-if</c> through its entry point, against the real broker in memory.</summary>
public sealed class WhatIfCliTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public async Task What_if_prints_the_requests_a_candidate_pack_would_send_elsewhere()
    {
        var gb = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var reference = (await broker.GetAsync("met-case-system", $"/api/v1/requests/{gb}")).GetProperty("reference").GetString()!;
        var candidate = Directory.CreateTempSubdirectory("eb-candidate-").FullName;
        foreach (var (path, text) in PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory()))
        {
            var target = Path.Combine(candidate, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, path == "countries/gb.yaml" ? PolicyPackFiles.MarkCriterionUnmet(text, "C4") : text);
        }

        var (exit, output, error) = await broker.RunCliAsync("policy", "what-if", "--pack", candidate,
            "--broker", "http://localhost", "--client-id", "broker-admin", "--client-secret", "dev-admin-secret");
        var (badExit, _, badError) = await broker.RunCliAsync("policy", "what-if", "--pack", Path.Combine(candidate, "nowhere"),
            "--broker", "http://localhost", "--client-id", "broker-admin", "--client-secret", "dev-admin-secret");

        Assert.True(exit == 0, error);
        Assert.Contains("would change", output, StringComparison.Ordinal);
        Assert.Contains($"{reference}  direct → mlat", output, StringComparison.Ordinal);
        Assert.Equal(2, badExit);
        Assert.Contains("--pack", badError, StringComparison.Ordinal);
    }
}
