using System.Net;
using System.Text;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Exports;

/// <summary>
/// Reports count what providers answered and how each response clock ran, whatever became of the request afterwards:
/// one request produced and then closed, one withdrawn before any answer, one left past its deadline, one just filed.
/// </summary>
public sealed class ReportAnswerTests
{
    private const string Officer = "met-case-system";
    private const string Provider = "northwind-legal";

    private sealed class WithJobs : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Jobs:RunServer", "true")];
    }

    private sealed class PostgresWithJobs : PostgresBrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Jobs:RunServer", "true")];
    }

    [Fact]
    public Task A_closed_answer_counts_as_answered_and_a_withdrawal_as_ended_not_as_overdue() => CountsAnswersAsync(new WithJobs());

    [PostgresFact]
    public Task The_same_on_postgresql() => CountsAnswersAsync(new PostgresWithJobs());

    private static async Task CountsAnswersAsync(BrokerFactory created)
    {
        await using var broker = created;
        var producedThenClosed = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync(Provider, producedThenClosed, "acknowledge");
        await broker.ProduceAsync(Provider, producedThenClosed);

        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync(Officer, producedThenClosed, "closure")).Status);
        var withdrawn = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync(Officer, withdrawn, "withdrawal", new { text = "The suspect was identified otherwise." })).Status);
        await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber()); // left unanswered past its deadline
        broker.Clock.Advance(TimeSpan.FromDays(40));
        await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber()); // open, in time

        var oversight = PdfFiles.Text(await ReportAsync(broker, "/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2027-01-31" }));
        var csv = Encoding.UTF8.GetString(await ReportAsync(broker, "/api/v1/exports/transparency-reports", new { period = "2026-H2", format = "csv" }));

        Assert.Contains("Releasedtoproviders4", oversight, StringComparison.Ordinal);
        Assert.Contains("Answeredwithindeadline1of1answered", oversight, StringComparison.Ordinal);
        Assert.Contains("Open,withindeadline1", oversight, StringComparison.Ordinal);
        Assert.Contains("Open,overdue1", oversight, StringComparison.Ordinal);
        Assert.Contains("Endedwithoutananswer1", oversight, StringComparison.Ordinal);
        // The three filed in 2026-H2: some data produced 1 (non-content only), no data 2.
        Assert.Contains("2026-H2,GB,northwind-mail,3,3,3,0,0,0,1,33.3,0,1,2,0\r\n", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_after_the_due_time_is_late_even_before_the_sweep_saw_the_clock_run_out()
    {
        await using var broker = new WithJobs();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        broker.Clock.Advance(TimeSpan.FromDays(11)); // past the 10 days; no SLA sweep runs in tests
        await broker.ActAsync(Provider, id, "acknowledge");
        await broker.ProduceAsync(Provider, id);

        var oversight = PdfFiles.Text(await ReportAsync(broker, "/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-12-31" }));

        Assert.Contains("Answeredwithindeadline0of1answered", oversight, StringComparison.Ordinal);
        Assert.Contains("Answeredlate1", oversight, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_a_reviewer_sends_to_mlat_counts_as_mlat_in_both_reports()
    {
        await using var broker = new WithJobs();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("flags", new System.Text.Json.Nodes.JsonArray("press")));
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync("broker-review-desk", id, "review", new { decision = "mlat", text = "Let the central authorities weigh it." })).Status);

        var csv = Encoding.UTF8.GetString(await ReportAsync(broker, "/api/v1/exports/transparency-reports", new { period = "2026-H2", format = "csv" }));

        var oversight = PdfFiles.Text(await ReportAsync(broker, "/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30" }));

        // requests 1, accounts 1, production orders 0, emergency 0, preservation 0, mlat 1
        Assert.Contains("2026-H2,GB,northwind-mail,1,1,0,0,0,1,", csv, StringComparison.Ordinal);
        Assert.Contains("MLAT1(100.0%)", oversight, StringComparison.Ordinal);
        Assert.Contains("Humanreview0(0.0%)", oversight, StringComparison.Ordinal);

        // The outcome filter selects by the same route as the tables.
        var onlyMlat = PdfFiles.Text(await ReportAsync(broker, "/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30", outcome = "mlat" }));
        var onlyReview = PdfFiles.Text(await ReportAsync(broker, "/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30", outcome = "human-review" }));
        Assert.Contains("MLAT1(100.0%)", onlyMlat, StringComparison.Ordinal);
        Assert.DoesNotContain("MLAT1(100.0%)", onlyReview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_emergency_that_goes_by_mlat_counts_as_mlat_only_so_the_legal_processes_add_up_to_the_requests()
    {
        await using var broker = new WithJobs();
        await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind()
            .With("urgency", "emergency")
            .With("emergencyThreat", "A credible threat to kill a named person on 24 November 2026 was sent from this account."));

        var csv = Encoding.UTF8.GetString(await ReportAsync(broker, "/api/v1/exports/transparency-reports", new { period = "2026-H2", format = "csv" }));

        // requests 1, accounts 1, production orders 0, emergency 0, preservation 0, mlat 1
        Assert.Contains("2026-H2,RU,northwind-mail,1,1,0,0,0,1,", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_preservation_turned_into_a_production_order_counts_as_a_production_order()
    {
        await using var broker = new WithJobs();
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));
        Assert.Equal(HttpStatusCode.OK, (await broker.ActAsync(Officer, id, "preservation/conversion")).Status);

        var csv = Encoding.UTF8.GetString(await ReportAsync(broker, "/api/v1/exports/transparency-reports", new { period = "2026-H2", format = "csv" }));

        // requests 1, accounts 1, production orders 1, emergency 0, preservation 0, mlat 0
        Assert.Contains("2026-H2,GB,northwind-mail,1,1,1,0,0,0,", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_transparency_report_counts_only_what_reached_the_provider_not_a_request_rejected_at_filing_or_held_for_review()
    {
        await using var broker = new WithJobs();
        await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        var rejected = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber()
            .With("dataCategories", new System.Text.Json.Nodes.JsonArray("content"))
            .With("issuingAuthority", new System.Text.Json.Nodes.JsonObject { ["type"] = "police", ["name"] = "DS Smith" }));
        var held = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("flags", new System.Text.Json.Nodes.JsonArray("press")));
        Assert.Equal(RequestState.Rejected, await broker.WithDbAsync(db => db.Requests.Where(r => r.Id == rejected).Select(r => r.State).SingleAsync()));
        Assert.Equal(RequestState.AwaitingHumanReview, await broker.WithDbAsync(db => db.Requests.Where(r => r.Id == held).Select(r => r.State).SingleAsync()));

        var csv = Encoding.UTF8.GetString(await ReportAsync(broker, "/api/v1/exports/transparency-reports", new { period = "2026-H2", format = "csv" }));
        var pdf = PdfFiles.Text(await ReportAsync(broker, "/api/v1/exports/transparency-reports", new { period = "2026-H2" }));

        // requests 1, accounts 1, production orders 1, ..., no data 1, rejected 0
        Assert.Contains("2026-H2,GB,northwind-mail,1,1,1,0,0,0,0,0.0,0,0,1,0\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("Rejected,refusedorobjected0", pdf, StringComparison.Ordinal);
    }

    private static async Task<byte[]> ReportAsync(BrokerFactory broker, string path, object body)
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");
        using var queued = await oversight.PostJsonAsync(path, body);
        Assert.True(queued.StatusCode == HttpStatusCode.Accepted, await queued.Content.ReadAsStringAsync());
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = await (await oversight.GetAsync(queued.Headers.Location)).JsonAsync();
            if (job.GetProperty("status").GetString() == "completed")
            {
                return await oversight.GetByteArrayAsync(job.GetProperty("download").GetString());
            }

            Assert.NotEqual("failed", job.GetProperty("status").GetString());
            Assert.True(DateTime.UtcNow < until, $"the export did not finish: {job}");
            await Task.Delay(100);
        }
    }
}
