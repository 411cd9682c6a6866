using System.Net;
using System.Net.Http.Json;
using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Exports;

/// <summary>
/// On SQLite, Hangfire keeps its queue in memory: an export asked for before a restart must still be built after it,
/// or it would stay queued for ever and its download answer 409; and the claim of an attempt the stop cut short must
/// not keep it from being built.
/// </summary>
public sealed class ExportRecoveryTests
{
    [Fact]
    public async Task An_export_queued_or_being_built_before_a_restart_is_built_after_it()
    {
        var folder = Directory.CreateTempSubdirectory("eb-export-restart-").FullName;
        var database = $"Data Source={Path.Combine(folder, "broker.db")}";
        Uri location;
        await using (var first = new SharedDatabase(database, runJobs: false)) // stops before any job runs
        {
            using var oversight = await first.ClientAsync("ipco-oversight");
            using var queued = await oversight.PostJsonAsync("/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30" });
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            location = queued.Headers.Location!;

            // As if an attempt had claimed it for a quarter of an hour and the stop cut it short.
            var id = (await queued.JsonAsync()).GetProperty("id").GetGuid();
            await first.WithDbAsync(db => db.ExportJobs.Where(j => j.Id == id).ExecuteUpdateAsync(set => set
                .SetProperty(j => j.Status, ExportStatus.Running)
                .SetProperty(j => j.ClaimedBy, Guid.NewGuid())
                .SetProperty(j => j.ClaimedUntil, first.Clock.GetUtcNow() + ExportJobRunner.ClaimLease)));
        }

        await using var second = new SharedDatabase(database, runJobs: true);
        using var caller = await second.ClientAsync("ipco-oversight");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? status;
        do
        {
            await Task.Delay(100);
            status = (await (await caller.GetAsync(location)).JsonAsync()).GetProperty("status").GetString();
        }
        while (status is "queued" or "running" && DateTime.UtcNow < deadline);

        Assert.Equal("completed", status);
    }

    [Fact]
    public async Task An_export_whose_every_attempt_took_the_broker_down_is_given_up_not_built_again()
    {
        await using var broker = new BrokerFactory();
        using var oversight = await broker.ClientAsync("ipco-oversight");
        using var queued = await oversight.PostJsonAsync("/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30" });
        var id = (await queued.JsonAsync()).GetProperty("id").GetGuid();
        await broker.WithDbAsync(db => db.ExportJobs.Where(j => j.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.Status, ExportStatus.Running).SetProperty(j => j.Attempts, ExportJobRunner.Retries + 1)));

        await broker.Services.GetRequiredService<ExportJobRunner>().RunAsync(id, CancellationToken.None);

        var job = await (await oversight.GetAsync(queued.Headers.Location)).JsonAsync();
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("every attempt ended with the broker stopping", job.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ExportStatus.Queued, false, 11, 1)] // its job never reached Hangfire
    [InlineData(ExportStatus.Running, false, 11, 1)] // Hangfire gave up retrying while the report had attempts left
    [InlineData(ExportStatus.Running, true, 11, 0)] // another attempt holds a claim that has not run out
    [InlineData(ExportStatus.Queued, false, 5, 0)] // asked for a moment ago: its job is probably still waiting its turn
    public async Task An_export_nobody_is_building_is_queued_again_by_the_recurring_look(
        ExportStatus status, bool claimed, int minutesAgo, int queuedAgain)
    {
        await using var broker = new BrokerFactory();
        var id = await broker.QueueReportAsync();
        await broker.WithDbAsync(db => db.ExportJobs.Where(j => j.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.Status, status)
            .SetProperty(j => j.ClaimedBy, claimed ? Guid.NewGuid() : null)
            .SetProperty(j => j.ClaimedUntil, claimed ? broker.Clock.GetUtcNow() + TimeSpan.FromHours(1) : null)));
        broker.Clock.Advance(TimeSpan.FromMinutes(minutesAgo));
        var queue = broker.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var before = queue.EnqueuedCount("default");

        await using var scope = broker.Services.CreateAsyncScope();
        var requeued = await scope.ServiceProvider.GetRequiredService<LostExports>().RequeueAsync(CancellationToken.None);

        Assert.Equal(queuedAgain, requeued);
        Assert.Equal(before + queuedAgain, queue.EnqueuedCount("default"));
    }

    [Fact]
    public async Task The_look_for_lost_exports_is_scheduled_on_the_cluster()
    {
        await using var broker = new BrokerFactory();
        using var connection = broker.Services.GetRequiredService<JobStorage>().GetConnection();

        Assert.False(Assert.Single(connection.GetRecurringJobs([LostExports.RecurringJobId])).Removed);
    }

    [Fact]
    public async Task A_retried_order_of_a_report_still_queued_queues_its_job_again()
    {
        await using var broker = new BrokerFactory();
        using var oversight = await broker.ClientAsync("ipco-oversight");
        async Task<HttpStatusCode> OrderAsync()
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports/oversight-reports")
            {
                Content = JsonContent.Create(new { from = "2026-11-01", to = "2026-11-30" }),
            };
            message.Headers.Add("Idempotency-Key", "report-2026-11");
            using var response = await oversight.SendAsync(message);
            return response.StatusCode;
        }

        var queue = broker.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        await OrderAsync();
        var afterFirst = queue.EnqueuedCount("default");

        var retried = await OrderAsync();

        Assert.Equal(HttpStatusCode.Accepted, retried);
        Assert.Equal(afterFirst + 1, queue.EnqueuedCount("default"));
    }

    [Fact]
    public async Task An_export_whose_job_storage_is_down_is_accepted_once_and_left_to_the_look_for_lost_exports()
    {
        await using var broker = new JobStorageDown();
        using var oversight = await broker.ClientAsync("ipco-oversight");

        using var queued = await oversight.PostJsonAsync("/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30" });

        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var id = (await queued.JsonAsync()).GetProperty("id").GetGuid();
        var job = await broker.WithDbAsync(db => db.ExportJobs.AsNoTracking().SingleAsync());
        Assert.Equal((id, ExportStatus.Queued), (job.Id, job.Status));
        Assert.Equal(1, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "export.requested")));
    }

    /// <summary>A node whose job storage refuses every new job, as Hangfire's client does when its storage cannot be reached.</summary>
    private sealed class JobStorageDown : BrokerFactory
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IBackgroundJobClient, RefusingJobClient>());
        }
    }

    private sealed class RefusingJobClient : IBackgroundJobClient
    {
        public string Create(Hangfire.Common.Job job, Hangfire.States.IState state) =>
            throw new BackgroundJobClientException("Background job creation failed. See inner exception for details.", new TimeoutException("job storage unreachable"));

        public bool ChangeState(string jobId, Hangfire.States.IState state, string expectedState) =>
            throw new BackgroundJobClientException("State change failed.", new TimeoutException("job storage unreachable"));
    }

    private sealed class SharedDatabase(string connectionString, bool runJobs) : BrokerFactory(DatabaseProvider.Sqlite, connectionString)
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Jobs:RunServer", runJobs ? "true" : "false")];
    }
}
