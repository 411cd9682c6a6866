using System.Net;
using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Routing;

/// <summary>
/// A pack says from when its rules apply (effectiveFrom). Activated before that day, it would decide requests under
/// rules not yet in force: an administrator can store it and run what-ifs, and activate it from that day.
/// </summary>
public sealed class PackActivationTests
{
    [Fact]
    public async Task A_pack_is_not_activated_before_its_effective_date_and_is_from_that_day()
    {
        await using var broker = new BrokerFactory(); // today is 2026-11-23
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["pack.yaml"] = files["pack.yaml"].Replace("effectiveFrom: 2026-11-01", "effectiveFrom: 2026-12-01", StringComparison.Ordinal);
        using var admin = await broker.ClientAsync("broker-admin");
        using var stored = await admin.PostJsonAsync("/api/v1/policy/versions", new { files });
        var version = (await stored.JsonAsync()).GetProperty("version").GetString();

        using var early = await admin.PostAsync($"/api/v1/policy/versions/{version}/activate", null);
        var problem = await early.JsonAsync();
        var activeMeanwhile = await ActiveAsync(admin);
        broker.Clock.Advance(TimeSpan.FromDays(8));
        using var adminLater = await broker.ClientAsync("broker-admin"); // the first token has expired by then
        using var onTheDay = await adminLater.PostAsync($"/api/v1/policy/versions/{version}/activate", null);

        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("2026-12-01", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(version, activeMeanwhile);
        Assert.Equal(HttpStatusCode.NoContent, onTheDay.StatusCode);
        Assert.Equal(version, await ActiveAsync(adminLater));
    }

    [Fact]
    public async Task A_pack_stored_before_a_check_it_fails_is_kept_for_replay_but_not_activated()
    {
        await using var broker = new BrokerFactory();
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["deadlines.yaml"] = files["deadlines.yaml"].Replace("within: 10 days", "within: 200000 months", StringComparison.Ordinal);
        var pack = EvidenceBroker.Policies.PolicyPackLoader.LoadStored(files).Pack!; // as an earlier broker admitted it
        await broker.WithDbAsync(async db =>
        {
            db.PolicyPacks.Add(new PolicyPackVersion
            {
                Version = pack.Version, Label = pack.Label, EffectiveFrom = pack.EffectiveFrom,
                FilesJson = System.Text.Json.JsonSerializer.Serialize(files), StoredAt = broker.Clock.GetUtcNow(), StoredBy = "earlier-broker",
            });
            return await db.SaveChangesAsync();
        });
        using var admin = await broker.ClientAsync("broker-admin");

        using var activated = await admin.PostAsync($"/api/v1/policy/versions/{Uri.EscapeDataString(pack.Version)}/activate", null);

        Assert.Equal(HttpStatusCode.Conflict, activated.StatusCode);
        Assert.Contains("within", (await activated.JsonAsync()).GetProperty("errors").GetRawText(), StringComparison.Ordinal);
        Assert.NotEqual(pack.Version, await ActiveAsync(admin));
    }

    [Fact]
    public async Task The_same_files_stored_again_answer_200_with_the_version_already_stored_and_audit_nothing_new()
    {
        await using var broker = new BrokerFactory();
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["pack.yaml"] += "\n# a copy stored twice\n";
        using var admin = await broker.ClientAsync("broker-admin");

        using var first = await admin.PostJsonAsync("/api/v1/policy/versions", new { files });
        using var again = await admin.PostJsonAsync("/api/v1/policy/versions", new { files });

        var version = (await first.JsonAsync()).GetProperty("version").GetString();
        var summary = await again.JsonAsync();
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Null(again.Headers.Location);
        Assert.Equal(version, summary.GetProperty("version").GetString());
        Assert.False(summary.GetProperty("isActive").GetBoolean());
        Assert.Equal(1, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "policy.stored" && e.SubjectId == version)));
    }

    private static async Task<string?> ActiveAsync(HttpClient admin) =>
        (await (await admin.GetAsync("/api/v1/policy/versions")).JsonAsync()).EnumerateArray()
            .Single(v => v.GetProperty("isActive").GetBoolean()).GetProperty("version").GetString();
}
