using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Routing;

public sealed class DecisionTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    private static readonly string[] EveryRule =
        [.. Enumerable.Range(1, 11).Select(i => $"C{i}"), .. Enumerable.Range(1, 15).Select(i => $"R{i}")];

    [Fact]
    public async Task Each_filed_request_is_decided_at_once_with_a_reason_for_every_rule()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var id = await FileAsync(officer, SampleRequests.MetToNorthwindSubscriber());

        var decision = await (await officer.GetAsync($"/api/v1/requests/{id}/decision")).JsonAsync();

        Assert.Equal("direct", decision.GetProperty("outcome").GetString());
        Assert.Equal("cloud-act-agreement", decision.GetProperty("channel").GetString());
        Assert.StartsWith("sha256:", decision.GetProperty("policyVersion").GetString(), StringComparison.Ordinal);
        Assert.Equal(EvidenceBroker.Policies.PolicyEngine.BuildVersion, decision.GetProperty("engine").GetString()); // the code that read the pack
        var rules = decision.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("rule").GetString()).ToList();
        Assert.Equal(EveryRule.Order(), rules.Order());
    }

    [Fact]
    public async Task A_request_without_a_direct_channel_is_queued_for_mlat_and_hidden_from_the_provider()
    {
        using var officer = await broker.ClientAsync("mvd-case-system");
        using var provider = await broker.ClientAsync("northwind-legal");
        var id = await FileAsync(officer, SampleRequests.MvdToNorthwind());

        var request = await (await officer.GetAsync($"/api/v1/requests/{id}")).JsonAsync();
        using var asProvider = await provider.GetAsync($"/api/v1/requests/{id}");

        Assert.Equal("mlat", request.GetProperty("outcome").GetString());
        Assert.Equal("queued-for-mlat", request.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NotFound, asProvider.StatusCode);
    }

    [Fact]
    public async Task Two_writers_storing_the_same_new_pack_at_once_both_succeed_and_store_it_once()
    {
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["pack.yaml"] += "\n# stored by two nodes starting at once\n";
        var version = PolicyPackLoader.Load(files).Pack!.Version;

        // Both look for the version before either has its turn to store it: the turn is held until both lookups (the
        // only commands naming this version) have run, and each then found nothing. The hook is made before its broker
        // starts, as CommandHook asks: EF Core notices a new listener only up to a second late.
        await using var own = new BrokerFactory();
        var lookups = 0;
        var bothLooked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var secondLookup = CommandHook.After(
            command => CommandHook.On(own, command)
                && command.Parameters.Cast<System.Data.Common.DbParameter>().Any(p => Equals(p.Value, version))
                && Interlocked.Increment(ref lookups) == 2,
            _ => bothLooked.SetResult());
        await using var holderScope = own.Services.CreateAsyncScope();
        await using var first = own.Services.CreateAsyncScope();
        await using var second = own.Services.CreateAsyncScope();
        Task<PackStoring>[] stores;
        await using (var held = await holderScope.ServiceProvider.GetRequiredService<BrokerDbContext>().BeginWriteAsync(CancellationToken.None))
        {
            stores = [.. new[] { first, second }.Select(scope => scope.ServiceProvider.GetRequiredService<PolicyPackStore>()
                .StoreAsync(files, "test", "administrator", "administration:broker", CancellationToken.None))];
            await bothLooked.Task.WaitAsync(TimeSpan.FromSeconds(60)); // a failure here still ends the held turn
            await held.CommitAsync();
        }

        var results = await Task.WhenAll(stores);

        Assert.Equal(version, results[0].Load.Pack!.Version);
        Assert.Equal(version, results[1].Load.Pack!.Version);
        Assert.Single(results, r => r.Added);
        Assert.Equal(1, await own.WithDbAsync(db => db.PolicyPacks.CountAsync(p => p.Version == version)));
        Assert.Equal(1, await own.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "policy.stored" && e.SubjectId == version)));
    }

    [Fact]
    public async Task A_stored_decision_replays_identically_with_its_own_version_after_a_new_pack_is_activated()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        using var admin = await broker.ClientAsync("broker-admin");
        var id = await FileAsync(officer, SampleRequests.MetToNorthwindSubscriber());
        var stored = await broker.WithDbAsync(db => db.Decisions.AsNoTracking().SingleAsync(d => d.RequestId == id));

        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["pack.yaml"] = files["pack.yaml"] + "\n# a reviewed copy, activated by the test\n";
        using var upload = await admin.PostJsonAsync("/api/v1/policy/versions", new { files });
        var newVersion = (await upload.JsonAsync()).GetProperty("version").GetString()!;
        try
        {
            using var activate = await admin.PostAsync($"/api/v1/policy/versions/{newVersion}/activate", null);
            var laterId = await FileAsync(officer, SampleRequests.MetToNorthwindSubscriber());
            var later = await broker.WithDbAsync(db => db.Decisions.AsNoTracking().SingleAsync(d => d.RequestId == laterId));

            var replayed = await broker.WithDbAsync(async db =>
            {
                using var scope = broker.Services.CreateScope();
                var decider = scope.ServiceProvider.GetRequiredService<PolicyDecider>();
                return await decider.ReplayAsync(stored.PolicyVersion, stored.InputJson, CancellationToken.None);
            });

            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, activate.StatusCode);
            Assert.NotEqual(stored.PolicyVersion, newVersion);
            Assert.Equal(newVersion, later.PolicyVersion);
            Assert.Equal(stored.DecisionJson, JsonSerializer.Serialize(replayed, DecisionJson.Compact));
        }
        finally
        {
            using var restore = await admin.PostAsync($"/api/v1/policy/versions/{stored.PolicyVersion}/activate", null);
        }
    }

    [Fact]
    public async Task A_malformed_pack_is_refused_with_file_line_and_field_and_the_active_version_stays()
    {
        using var admin = await broker.ClientAsync("broker-admin");
        var before = await ActiveVersionAsync();
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        files["countries/gb.yaml"] = files["countries/gb.yaml"].Replace("code: GB", "code: G1", StringComparison.Ordinal);

        using var upload = await admin.PostJsonAsync("/api/v1/policy/versions", new { files });
        var problem = await upload.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, upload.StatusCode);
        Assert.Contains(problem.GetProperty("errors").EnumerateObject(), e => e.Name.StartsWith("countries/gb.yaml:", StringComparison.Ordinal));
        Assert.Equal(before, await ActiveVersionAsync());
    }

    [Fact]
    public async Task Dry_run_decides_without_storing_anything()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var before = await broker.WithDbAsync(db => db.Requests.CountAsync());
        var request = SampleRequests.MetToNorthwindSubscriber().Without("providerId").With("providerJurisdiction", "US");

        using var response = await officer.PostJsonAsync("/api/v1/policy/evaluate", request);
        var decision = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("direct", decision.GetProperty("outcome").GetString());
        Assert.Equal(before, await broker.WithDbAsync(db => db.Requests.CountAsync()));
    }

    [Theory]
    [InlineData("providerJurisdiction", "GB")]
    [InlineData("providerId", "thames-social")]
    public async Task A_dry_run_for_a_provider_in_the_requesting_state_names_it_instead_of_drafting_mlat_to_itself(string field, string value)
    {
        using var officer = await broker.ClientAsync("met-case-system");
        var request = SampleRequests.MetToNorthwindSubscriber().Without("providerId").With(field, value);

        using var response = await officer.PostJsonAsync("/api/v1/policy/evaluate", request);
        var problem = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("own legal process", problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Suspending_a_country_sends_its_next_request_to_mlat_citing_C11()
    {
        using var officer = await broker.ClientAsync("met-case-system");
        using var admin = await broker.ClientAsync("broker-admin");
        using var suspend = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "GB", reason = "Test: review of safeguards" });
        try
        {
            var id = await FileAsync(officer, SampleRequests.MetToNorthwindSubscriber());
            var decision = await (await officer.GetAsync($"/api/v1/requests/{id}/decision")).JsonAsync();

            Assert.Equal(HttpStatusCode.NoContent, suspend.StatusCode);
            Assert.Equal("mlat", decision.GetProperty("outcome").GetString());
            var c11 = decision.GetProperty("reasons").EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "C11");
            Assert.Equal("failed", c11.GetProperty("status").GetString());
        }
        finally
        {
            using var lift = await admin.DeleteAsync("/api/v1/policy/suspensions/GB");
        }
    }

    [Fact]
    public async Task What_if_lists_the_stored_requests_a_candidate_pack_would_decide_differently()
    {
        using var admin = await broker.ClientAsync("broker-admin");
        var gb = await FileAsync(await broker.ClientAsync("met-case-system"), SampleRequests.MetToNorthwindSubscriber());
        var files = PolicyPackStore.ReadDirectory(PolicyPackFiles.Directory());
        var unchanged = await (await admin.PostJsonAsync("/api/v1/policy/what-if", new { files })).JsonAsync();

        // The candidate takes the UK off the direct channels: its criterion C4 is no longer met.
        files["countries/gb.yaml"] = PolicyPackFiles.MarkCriterionUnmet(files["countries/gb.yaml"], "C4");
        using var response = await admin.PostJsonAsync("/api/v1/policy/what-if", new { files });
        var report = await response.JsonAsync();

        Assert.Equal(0, unchanged.GetProperty("changed").GetInt32());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(report.GetProperty("changed").GetInt32() >= 1, report.ToString());
        Assert.Contains(report.GetProperty("changes").EnumerateArray(), c => c.GetProperty("requestId").GetGuid() == gb
            && c.GetProperty("after").GetString() == "mlat");
        var candidate = report.GetProperty("candidateVersion").GetString();
        var recorded = await broker.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(e => e.Action == "policy.what-if" && e.SubjectId == candidate));
        Assert.Equal(("broker-admin", "administrator"), (recorded.ActorId, recorded.ActorRole));
        Assert.Contains("\"changed\":", recorded.PayloadJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activating_the_pack_already_in_force_changes_and_records_nothing()
    {
        using var admin = await broker.ClientAsync("broker-admin");
        var active = await ActiveVersionAsync();
        var before = await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "policy.activated" && e.SubjectId == active));

        using var again = await admin.PostAsync($"/api/v1/policy/versions/{active}/activate", null);

        Assert.True(again.IsSuccessStatusCode, await again.Content.ReadAsStringAsync());
        Assert.Equal(before, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "policy.activated" && e.SubjectId == active)));
        Assert.Equal(active, await ActiveVersionAsync());
    }

    private async Task<string> ActiveVersionAsync() =>
        await broker.WithDbAsync(db => db.PolicyPacks.Where(p => p.IsActive).Select(p => p.Version).SingleAsync());

    private static async Task<Guid> FileAsync(HttpClient officer, JsonObject body)
    {
        using var response = await officer.PostJsonAsync("/api/v1/requests", body);
        var json = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToString());
        return json.GetProperty("id").GetGuid();
    }
}
