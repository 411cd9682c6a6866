using EvidenceBroker.Domain.Requests;
using EvidenceBroker.LoadTest;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Sla;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Cluster.Tests;

/// <summary>
/// Issue 8: two broker processes, one PostgreSQL. Everything is observed from outside — HTTP answers, the webhooks a
/// receiver got, and the shared database — while the nodes run as they would in production (Hangfire servers and
/// webhook workers on both).
/// </summary>
[Collection(SharedClusterDefinition.Name)]
public sealed class ClusterTests(LocalCluster cluster)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(75);

    /// <summary>The lock Hangfire.PostgreSql keeps for the sweep's [DisableConcurrentExecution]: schema, job type, method.</summary>
    private const string SweepLock = "hangfire:SlaMonitor.SweepAsync";

    [ClusterFact]
    public async Task Concurrent_filing_through_both_nodes_decides_routes_and_audits_every_request_once()
    {
        const int count = 120;
        var prefix = "concurrent-" + Guid.NewGuid().ToString("N")[..8];
        var before = await CountRequestsAsync();

        // Every request is sent to both nodes at about the same moment, under the same Idempotency-Key.
        using var forward = new LoadGenerator(Options(prefix, count, cluster.Node1, cluster.Node2));
        using var backward = new LoadGenerator(Options(prefix, count, cluster.Node2, cluster.Node1));
        var reports = await Task.WhenAll(forward.RunAsync(default), backward.RunAsync(default));

        var answers = reports.SelectMany(r => r.Outcomes).ToList();
        Assert.Equal(2 * count, answers.Count);
        Assert.All(answers, a => Assert.Equal(201, a.Status));
        foreach (var pair in answers.GroupBy(a => a.Index))
        {
            Assert.Single(pair.Select(a => a.RequestId).Distinct());
            Assert.Single(pair, a => !a.Replayed); // one node created it, the other replayed it
        }

        var ids = answers.Select(a => a.RequestId!.Value).Distinct().ToList();
        Assert.Equal(count, ids.Count);
        Assert.Equal(before + count, await CountRequestsAsync());
        await AssertDecidedAndRoutedOnceAsync(ids);
        await AssertWebhooksDeliveredAsync(ids, exactlyOnce: true);

        // Every SLA mark fires once although both nodes run Hangfire servers and the sweep runs twice at once.
        var watched = ids.Take(20).ToList();
        await ExpireResponseDeadlinesAsync(watched);
        var jobs = new RecurringJobManager(cluster.Jobs());
        jobs.Trigger(SlaExtensions.SweepJobId);
        jobs.Trigger(SlaExtensions.SweepJobId);
        await AssertSlaMarksOnceAsync(watched);
        await AssertChainIntactAsync();
    }

    [ClusterFact]
    public async Task Kill_nine_under_load_loses_no_acknowledged_request_and_everything_resumes()
    {
        const int count = 400;
        var prefix = "crash-" + Guid.NewGuid().ToString("N")[..8];
        var before = await CountRequestsAsync();

        using var generator = new LoadGenerator(Options(prefix, count, cluster.Node1, cluster.Node2));
        var load = generator.RunAsync(default);
        Assert.True(await LocalCluster.EventuallyAsync(async () => await CountKeysAsync(prefix) >= 60, TimeSpan.FromSeconds(60)));

        // Deadlines that come due while a node is down: the sweep of whichever node runs it next stamps them.
        var early = await FiledAsync(prefix, 20);
        await ExpireResponseDeadlinesAsync(early);

        Assert.False(load.IsCompleted, "the load ended before the kill; nothing was tested under load");
        cluster.KillNine(2);
        var first = await load;
        Assert.Contains(first.Outcomes, o => o.Status == 0); // node 2 really died mid-run
        Assert.All(first.Outcomes, o => Assert.Contains(o.Status, new[] { 0, 201 }));

        await cluster.RestartAsync(2);

        // The client retries everything with the same keys, now through the restarted node first.
        using var retry = new LoadGenerator(Options(prefix, count, cluster.Node2, cluster.Node1));
        var second = await retry.RunAsync(default);
        Assert.Equal(count, second.Outcomes.Count);
        Assert.All(second.Outcomes, o => Assert.Equal(201, o.Status));
        var acknowledged = first.Outcomes.Where(o => o.Status == 201).ToDictionary(o => o.Index, o => o.RequestId);
        foreach (var answer in second.Outcomes.Where(o => acknowledged.ContainsKey(o.Index)))
        {
            Assert.Equal(acknowledged[answer.Index], answer.RequestId);
            Assert.True(answer.Replayed);
        }

        var ids = second.Outcomes.Select(o => o.RequestId!.Value).Distinct().ToList();
        Assert.Equal(count, ids.Count);
        Assert.Equal(before + count, await CountRequestsAsync()); // no duplicate from any retry
        Assert.Equal(count, await CountKeysAsync(prefix));
        await AssertDecidedAndRoutedOnceAsync(ids);
        await AssertChainIntactAsync();

        // Webhooks claimed by the dead node are delivered once its lease runs out; deadlines fire once.
        await AssertWebhooksDeliveredAsync(ids, exactlyOnce: false);
        await AssertSlaMarksOnceAsync(early);
        await AssertChainIntactAsync();
    }

    [ClusterFact]
    public async Task A_sweep_lock_left_by_a_dead_node_holds_the_sla_sweep_back_no_longer_than_the_lock_timeout()
    {
        const int count = 10;
        var prefix = "stale-lock-" + Guid.NewGuid().ToString("N")[..8];
        using var generator = new LoadGenerator(Options(prefix, count, cluster.Node1));
        Assert.All((await generator.RunAsync(default)).Outcomes, o => Assert.Equal(201, o.Status));
        var ids = await FiledAsync(prefix, count);

        // As a node killed in the middle of a sweep leaves it: older than the nodes' Jobs:LockTimeout (one minute), far
        // younger than Hangfire.PostgreSql's own default (ten). Under that default every sweep would wait for it.
        await using (var db = cluster.Db())
        {
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES ({0}, 0, now() - interval '2 minutes') "
                + "ON CONFLICT (resource) DO UPDATE SET acquired = excluded.acquired", SweepLock);
        }

        try
        {
            await ExpireResponseDeadlinesAsync(ids);
            new RecurringJobManager(cluster.Jobs()).Trigger(SlaExtensions.SweepJobId);
            await AssertSlaMarksOnceAsync(ids);
        }
        finally
        {
            await using var db = cluster.Db();
            await db.Database.ExecuteSqlRawAsync("DELETE FROM hangfire.lock WHERE resource = {0} AND acquired < now() - interval '1 minute'", SweepLock);
        }
    }

    [ClusterFact]
    public async Task A_client_disabled_on_another_node_is_refused_by_every_node_within_the_refresh_period()
    {
        const string client = "bka-case-system"; // used by no other cluster test
        using var viaNode1 = await LocalCluster.ClientAsync(cluster.Node1, client, "dev-bka-secret");
        using var viaNode2 = await LocalCluster.ClientAsync(cluster.Node2, client, "dev-bka-secret");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await viaNode1.GetAsync("/api/v1/requests")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await viaNode2.GetAsync("/api/v1/requests")).StatusCode);

        // As an administrator's switch on some third node leaves the database: neither node here made it.
        await SetDisabledAsync(client, true);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20); // the refresh period is 5 s
            while (!(await RefusedAsync(viaNode1) && await RefusedAsync(viaNode2)))
            {
                Assert.True(DateTime.UtcNow < deadline, "A node still accepts the disabled client's token after 20 s.");
                await Task.Delay(250);
            }
        }
        finally
        {
            await SetDisabledAsync(client, false);
        }

        static async Task<bool> RefusedAsync(HttpClient http)
        {
            using var response = await http.GetAsync("/api/v1/requests");
            return response.StatusCode == System.Net.HttpStatusCode.Unauthorized;
        }
    }

    [ClusterFact]
    public async Task A_suspension_made_through_one_node_decides_the_next_filing_through_the_other()
    {
        using var officer = await LocalCluster.ClientAsync(cluster.Node2, "nca-case-system", "dev-nca-secret"); // no other cluster test files for it
        using var admin = await LocalCluster.ClientAsync(cluster.Node1, "broker-admin", "dev-admin-secret");
        var seen = await FileAsync(officer, 1); // node 2 has now seen the policy: no suspension

        using (var suspend = await admin.PostAsync("/api/v1/policy/suspensions",
            LocalCluster.JsonContent("""{"country":"GB","reason":"Cluster test: review of safeguards"}""")))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, suspend.StatusCode);
        }

        string suspended;
        try
        {
            suspended = await FileAsync(officer, 2);
        }
        finally
        {
            using var reinstate = await admin.DeleteAsync("/api/v1/policy/suspensions/GB");
        }

        var reinstated = await FileAsync(officer, 3);

        Assert.Equal("direct", seen);
        Assert.Equal("mlat", suspended);
        Assert.Equal("direct", reinstated);
        await AssertChainIntactAsync();

        static async Task<string> FileAsync(HttpClient officer, int index)
        {
            using var response = await officer.PostAsync("/api/v1/requests",
                LocalCluster.JsonContent(LoadGenerator.Filing(index, "GB", "gb-nca").Replace("suspect-", $"suspension-{Guid.NewGuid():N}-", StringComparison.Ordinal)));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
            return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("outcome").GetString()!;
        }
    }

    [ClusterFact]
    public async Task Started_again_on_its_database_the_cluster_accepts_its_tokens_opens_its_secrets_and_verifies_its_seals()
    {
        const int count = 5;
        using var oversight = await LocalCluster.ClientAsync(cluster.Node1, "ipco-oversight", "dev-ipco-secret");
        using (var before = new LoadGenerator(Options("restart-before-" + Guid.NewGuid().ToString("N")[..8], count, cluster.Node1)))
        {
            Assert.All((await before.RunAsync(default)).Outcomes, o => Assert.Equal(201, o.Status));
        }

        await cluster.StopAndStartAsync();

        var prefix = "restart-after-" + Guid.NewGuid().ToString("N")[..8];
        using (var after = new LoadGenerator(Options(prefix, count, cluster.Node2)))
        {
            Assert.All((await after.RunAsync(default)).Outcomes, o => Assert.Equal(201, o.Status));
        }

        // Webhook secrets are sealed with the data-protection keys, which the encryption certificate encrypts.
        await AssertWebhooksDeliveredAsync(await FiledAsync(prefix, count), exactlyOnce: false);
        // A token issued before the start is signed and encrypted with the cluster's certificates.
        using var verify = await oversight.GetAsync("/api/v1/audit/verify");
        var report = System.Text.Json.JsonDocument.Parse(await verify.Content.ReadAsStringAsync()).RootElement;
        Assert.True(verify.IsSuccessStatusCode, report.ToString());
        Assert.True(report.GetProperty("intact").GetBoolean(), report.ToString());
        // Every entry, those written before the start too, is under a seal the audit key verifies.
        Assert.Equal(1, report.GetProperty("sealedFrom").GetInt64());
        Assert.Equal(0, report.GetProperty("unverifiableCheckpoints").GetInt32());
    }

    private async Task SetDisabledAsync(string clientId, bool disabled)
    {
        await using var db = cluster.Db();
        await db.ApiClients.Where(c => c.ClientId == clientId).ExecuteUpdateAsync(set => set.SetProperty(c => c.Disabled, disabled));
    }

    private static LoadOptions Options(string prefix, int count, params Uri[] targets) => new()
    {
        Targets = targets, Requests = count, Concurrency = 8, Duration = TimeSpan.FromSeconds(90), KeyPrefix = prefix,
    };

    private async Task<int> CountRequestsAsync()
    {
        await using var db = cluster.Db();
        return await db.Requests.CountAsync();
    }

    private async Task<int> CountKeysAsync(string prefix)
    {
        await using var db = cluster.Db();
        return await db.IdempotencyRecords.CountAsync(k => k.Key.StartsWith(prefix));
    }

    private async Task<List<Guid>> FiledAsync(string prefix, int take)
    {
        await using var db = cluster.Db();
        return await db.IdempotencyRecords.Where(k => k.Key.StartsWith(prefix)).OrderBy(k => k.CreatedAt)
            .Select(k => k.RequestId).Take(take).ToListAsync();
    }

    private async Task AssertDecidedAndRoutedOnceAsync(List<Guid> ids)
    {
        await using var db = cluster.Db();
        var subjects = ids.Select(id => id.ToString()).ToList();
        var audit = await db.AuditEntries.Where(e => subjects.Contains(e.SubjectId) && (e.Action == "request.filed" || e.Action == "request.decided"))
            .GroupBy(e => new { e.SubjectId, e.Action }).Select(g => g.Count()).ToListAsync();
        Assert.Equal(2 * ids.Count, audit.Count);
        Assert.All(audit, n => Assert.Equal(1, n));

        Assert.Equal(ids.Count, await db.Decisions.CountAsync(d => ids.Contains(d.RequestId)));
        Assert.Equal(ids.Count, await db.Requests.CountAsync(r => ids.Contains(r.Id) && r.Outcome == Outcome.Direct));
        var messages = await db.Outbox.Where(m => m.RequestId != null && ids.Contains(m.RequestId.Value))
            .GroupBy(m => new { m.RequestId, m.Topic, m.Recipient }).Select(g => new { g.Key.Topic, g.Key.Recipient, Count = g.Count() }).ToListAsync();
        Assert.Equal(ids.Count, messages.Count(m => m.Topic == "request.decided" && m.Recipient == "agency:gb-met"));
        Assert.Equal(ids.Count, messages.Count(m => m.Topic == "request.routed" && m.Recipient == "provider:northwind-mail"));
        Assert.All(messages, m => Assert.Equal(1, m.Count));
    }

    private async Task AssertWebhooksDeliveredAsync(List<Guid> ids, bool exactlyOnce)
    {
        List<Guid> expected = [];
        var settled = await LocalCluster.EventuallyAsync(async () =>
        {
            await using var db = cluster.Db();
            var outbox = await db.Outbox.Where(m => m.RequestId != null && ids.Contains(m.RequestId.Value))
                .Select(m => new { m.Id, m.DeliveredAt, m.SkippedReason, m.DeadAt }).ToListAsync();
            expected = [.. outbox.Select(m => m.Id)];
            return outbox.All(m => m.DeliveredAt != null && m.SkippedReason == null && m.DeadAt == null)
                   && expected.All(cluster.Receiver.Deliveries.ContainsKey);
        }, Patience);
        Assert.True(settled, $"{expected.Count(id => !cluster.Receiver.Deliveries.ContainsKey(id))} of {expected.Count} webhooks never arrived");
        if (exactlyOnce)
        {
            var twice = expected.Where(id => cluster.Receiver.Deliveries[id] != 1).ToList();
            Assert.True(twice.Count == 0, $"{twice.Count} webhooks arrived more than once; the nodes logged about them:\n"
                + string.Join('\n', new[] { 1, 2 }.SelectMany(node => cluster.Log(node).Split('\n')
                    .Where(line => twice.Any(id => line.Contains(id.ToString(), StringComparison.OrdinalIgnoreCase)))
                    .Select(line => $"node {node}: {line}"))));
        }
    }

    /// <summary>
    /// Moves the response deadline of each request so that its 50 %, 80 % and due marks have all passed: what a broker
    /// sees when it comes back after the deadline.
    /// </summary>
    private async Task ExpireResponseDeadlinesAsync(List<Guid> ids)
    {
        await using var db = cluster.Db();
        var now = DateTimeOffset.UtcNow;
        var changed = await db.Deadlines.Where(d => ids.Contains(d.RequestId) && d.Kind == DeadlineKind.Response)
            .ExecuteUpdateAsync(set => set
                .SetProperty(d => d.StartsAt, now.AddHours(-2))
                .SetProperty(d => d.DueAt, now.AddMinutes(-1))
                .SetProperty(d => d.NextCheckAt, now.AddHours(-1)));
        Assert.Equal(ids.Count, changed);
    }

    private async Task AssertSlaMarksOnceAsync(List<Guid> ids)
    {
        var subjects = ids.Select(id => id.ToString()).ToList();
        string[] marks = ["sla.reminder-50", "sla.reminder-80", "sla.breached"];
        async Task<List<int>> CountsAsync()
        {
            await using var db = cluster.Db();
            return await db.AuditEntries.Where(e => subjects.Contains(e.SubjectId) && marks.Contains(e.Action))
                .GroupBy(e => new { e.SubjectId, e.Action }).Select(g => g.Count()).ToListAsync();
        }

        Assert.True(await LocalCluster.EventuallyAsync(async () => (await CountsAsync()).Count == 3 * ids.Count, Patience),
            $"SLA marks stamped: {(await CountsAsync()).Count} of {3 * ids.Count}");
        await Task.Delay(TimeSpan.FromSeconds(2)); // a second run, had there been one, would have appended by now
        var counts = await CountsAsync();
        Assert.Equal(3 * ids.Count, counts.Count);
        Assert.All(counts, n => Assert.Equal(1, n));

        await using var check = cluster.Db();
        Assert.Equal(ids.Count, await check.Deadlines.CountAsync(d => ids.Contains(d.RequestId) && d.Kind == DeadlineKind.Response
                                                                      && d.BreachedAt != null && d.NextCheckAt == null));
    }

    private async Task AssertChainIntactAsync()
    {
        await using var db = cluster.Db();
        var verification = await AuditVerifier.VerifyAsync(db, default);
        Assert.True(verification.Intact, verification.Reason);
        Assert.True(verification.Entries > 0);
    }
}
