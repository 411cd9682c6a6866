using System.Net;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Routing;

/// <summary>
/// A node decides new requests on the policy as it last saw it, and the write batch checks, in its turn, that this is
/// still the policy in force. What must hold: a suspension, a reinstatement or an activation written by another node
/// (here: straight into the database, which this node's registry never hears of, and which moves no audit chain head)
/// decides the very next filing here.
/// </summary>
public sealed class PolicyInForceTests
{
    [Fact]
    public async Task On_sqlite_a_suspension_and_a_reinstatement_made_elsewhere_decide_the_next_filing()
    {
        await using var broker = new BrokerFactory();
        await SuspensionMadeElsewhereAsync(broker);
    }

    [PostgresFact]
    public async Task On_postgres_a_suspension_and_a_reinstatement_made_elsewhere_decide_the_next_filing()
    {
        await using var broker = new PostgresBrokerFactory();
        await SuspensionMadeElsewhereAsync(broker);
    }

    [Fact]
    public async Task On_sqlite_a_pack_activated_elsewhere_decides_the_next_filing()
    {
        await using var broker = new BrokerFactory();
        await ActivationMadeElsewhereAsync(broker);
    }

    [PostgresFact]
    public async Task On_postgres_a_pack_activated_elsewhere_decides_the_next_filing()
    {
        await using var broker = new PostgresBrokerFactory();
        await ActivationMadeElsewhereAsync(broker);
    }

    [Fact]
    public async Task A_country_that_a_pack_activated_elsewhere_adds_can_be_suspended_here_at_once()
    {
        await using var broker = new BrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        var candidate = await StoreWithMontenegroAsync(admin);
        await FilingsAsync(broker); // this node has seen the pack in force, which has no ME

        await ActivateElsewhereAsync(broker, candidate);
        using var suspended = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "ME", reason = "Elections annulled." });

        Assert.Equal(HttpStatusCode.NoContent, suspended.StatusCode);
    }

    [Fact]
    public async Task The_country_list_follows_a_pack_activated_elsewhere_at_once()
    {
        await using var broker = new BrokerFactory();
        using var admin = await broker.ClientAsync("broker-admin");
        var candidate = await StoreWithMontenegroAsync(admin);
        var before = await CountryCodesAsync(broker); // this node has read the pack in force, which has no ME

        await ActivateElsewhereAsync(broker, candidate);
        var after = await CountryCodesAsync(broker);

        Assert.DoesNotContain("ME", before);
        Assert.Contains("ME", after);
        Assert.Equal(before.Count + 1, after.Count);
    }

    /// <summary>Stores (does not activate) the repository's pack with Montenegro added, a copy of Serbia's file.</summary>
    private static async Task<string> StoreWithMontenegroAsync(HttpClient admin)
    {
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["countries/me.yaml"] = files["countries/rs.yaml"]
            .Replace("code: RS", "code: ME", StringComparison.Ordinal).Replace("\"Serbia\"", "\"Montenegro\"", StringComparison.Ordinal)
            .Replace("id: rs-", "id: me-", StringComparison.Ordinal);
        using var upload = await admin.PostJsonAsync("/api/v1/policy/versions", new { files });
        var uploaded = await upload.JsonAsync();
        Assert.True(upload.StatusCode == HttpStatusCode.Created, uploaded.ToString());
        return uploaded.GetProperty("version").GetString()!;
    }

    /// <summary>Makes <paramref name="version"/> the active pack straight in the database, as another node would: this node's registry never hears of it.</summary>
    private static async Task ActivateElsewhereAsync(BrokerFactory broker, string version) =>
        await broker.WithDbAsync(db => db.PolicyPacks.ExecuteUpdateAsync(p => p.SetProperty(v => v.IsActive, v => v.Version == version)));

    private static async Task<List<string?>> CountryCodesAsync(BrokerFactory broker) =>
        [.. (await broker.GetAsync(Officer, "/api/v1/countries")).EnumerateArray().Select(c => c.GetProperty("code").GetString())];

    private const string Officer = "met-case-system";

    private static async Task SuspensionMadeElsewhereAsync(BrokerFactory broker)
    {
        var seen = await FilingsAsync(broker); // the node has now seen the policy: no suspension

        await broker.WithDbAsync(db =>
        {
            db.CountrySuspensions.Add(new CountrySuspension
            {
                Country = "GB", Reason = "Suspended on another node", SuspendedAt = DateTimeOffset.UtcNow, SuspendedBy = "another-node",
            });
            return db.SaveChangesAsync();
        });
        var suspended = await FileAsync(broker);
        var afterSuspension = await FileAsync(broker);

        await broker.WithDbAsync(db => db.CountrySuspensions.Where(s => s.Country == "GB").ExecuteDeleteAsync());
        var reinstated = await FileAsync(broker);

        Assert.Equal(("direct", "passed"), await OutcomeAndC11Async(broker, seen));
        Assert.Equal(("mlat", "failed"), await OutcomeAndC11Async(broker, suspended));
        Assert.Equal(("mlat", "failed"), await OutcomeAndC11Async(broker, afterSuspension));
        Assert.Equal(("direct", "passed"), await OutcomeAndC11Async(broker, reinstated));
        Assert.Equal(["GB"], await StoredSuspensionsAsync(broker, suspended));
        Assert.Empty(await StoredSuspensionsAsync(broker, reinstated));
        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(verification.Intact, verification.Reason);
    }

    private static async Task ActivationMadeElsewhereAsync(BrokerFactory broker)
    {
        using var admin = await broker.ClientAsync("broker-admin");
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["pack.yaml"] += "\n# a reviewed copy, activated on another node\n";
        using var upload = await admin.PostJsonAsync("/api/v1/policy/versions", new { files });
        var candidate = (await upload.JsonAsync()).GetProperty("version").GetString()!;
        var before = await FilingsAsync(broker);

        await ActivateElsewhereAsync(broker, candidate);
        var after = await FileAsync(broker);

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.NotEqual(candidate, await PolicyVersionAsync(broker, before));
        Assert.Equal(candidate, await PolicyVersionAsync(broker, after));
    }

    /// <summary>
    /// Files three times and returns the last: on PostgreSQL, a node whose last batches left the chain's head in place
    /// writes the next filing in the round trip that takes the lock, and commits it there behind a guard on the policy
    /// in force (<c>RoundTripGuard</c>), instead of comparing the policy it read there once the round trip is back. The
    /// filing after a change made elsewhere is written that way, so it is the guard that must turn it back.
    /// </summary>
    private static async Task<Guid> FilingsAsync(BrokerFactory broker)
    {
        await FileAsync(broker);
        await FileAsync(broker);
        return await FileAsync(broker);
    }

    private static Task<Guid> FileAsync(BrokerFactory broker) => broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());

    private static async Task<(string? Outcome, string? C11)> OutcomeAndC11Async(BrokerFactory broker, Guid id)
    {
        var decision = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/decision");
        var c11 = decision.GetProperty("reasons").EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "C11");
        return (decision.GetProperty("outcome").GetString(), c11.GetProperty("status").GetString());
    }

    private static async Task<List<string>> StoredSuspensionsAsync(BrokerFactory broker, Guid id)
    {
        var input = await broker.WithDbAsync(db => db.Decisions.AsNoTracking().Where(d => d.RequestId == id).Select(d => d.InputJson).SingleAsync());
        return [.. JsonNode.Parse(input)!["suspendedCountries"]!.AsArray().Select(c => c!.GetValue<string>())];
    }

    private static Task<string> PolicyVersionAsync(BrokerFactory broker, Guid id) =>
        broker.WithDbAsync(db => db.Decisions.AsNoTracking().Where(d => d.RequestId == id).Select(d => d.PolicyVersion).SingleAsync());
}
