using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Exports;

/// <summary>
/// Three direct GB requests, two Russian ones that go to MLAT, one from the BKA: a known set to count.
/// </summary>
public sealed class ReportsFixture : BrokerFactory, IAsyncLifetime
{
    /// <summary>Reports are built by the real Hangfire server here: the test polls the job as a client would.</summary>
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Jobs:RunServer", "true")];

    public async Task InitializeAsync()
    {
        using var met = await ClientAsync("met-case-system");
        using var mvd = await ClientAsync("mvd-case-system");
        using var bka = await ClientAsync("bka-case-system");
        for (var i = 0; i < 3; i++)
        {
            (await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber())).EnsureSuccessStatusCode();
        }

        for (var i = 0; i < 2; i++)
        {
            (await mvd.PostJsonAsync("/api/v1/requests", SampleRequests.MvdToNorthwind())).EnsureSuccessStatusCode();
        }

        (await bka.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber().With("requestingCountry", "DE").With("agencyId", "de-bka")))
            .EnsureSuccessStatusCode();
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class ReportTests(ReportsFixture broker) : IClassFixture<ReportsFixture>
{
    private async Task<(JsonElement Job, byte[] File, string ContentType)> RunAsync(string client, string path, object body)
    {
        using var caller = await broker.ClientAsync(client);
        using var queued = await caller.PostJsonAsync(path, body);
        Assert.True(queued.StatusCode == HttpStatusCode.Accepted, await queued.Content.ReadAsStringAsync());
        var location = queued.Headers.Location!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = await (await caller.GetAsync(location)).JsonAsync();
            var status = job.GetProperty("status").GetString();
            if (status == "completed")
            {
                using var file = await caller.GetAsync(job.GetProperty("download").GetString());
                Assert.Equal(HttpStatusCode.OK, file.StatusCode);
                return (job, await file.Content.ReadAsByteArrayAsync(), file.Content.Headers.ContentType!.MediaType!);
            }

            Assert.NotEqual("failed", status);
            Assert.True(DateTime.UtcNow < deadline, $"the export did not finish: {job}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task The_oversight_report_counts_by_country_outcome_and_mlat_backlog()
    {
        var (job, pdf, type) = await RunAsync("ipco-oversight", "/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30" });

        Assert.Equal("application/pdf", type);
        Assert.Equal(100, job.GetProperty("progress").GetInt32());
        var text = PdfFiles.Text(pdf);
        Assert.Contains("Requestsfiled6", text, StringComparison.Ordinal);
        Assert.Contains("MLAT2(33.3%)", text, StringComparison.Ordinal);
        Assert.Contains("GB3", text, StringComparison.Ordinal);
        Assert.Contains("RU2", text, StringComparison.Ordinal);
        Assert.Contains("2requestsofthisperiodhaveanMLATrequeststillopen", text, StringComparison.Ordinal);
        await PdfFiles.RasteriseFirstPageAsync(pdf, "oversight-report");
    }

    [Fact]
    public async Task The_oversight_report_applies_its_filters()
    {
        var (_, pdf, _) = await RunAsync("broker-admin", "/api/v1/exports/oversight-reports",
            new { from = "2026-11-01", to = "2026-11-30", requestingCountry = "RU", outcome = "mlat" });

        Assert.Contains("Requestsfiled2", PdfFiles.Text(pdf), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_transparency_report_csv_has_one_line_per_country_and_provider_and_a_total()
    {
        var (_, csv, type) = await RunAsync("ipco-oversight", "/api/v1/exports/transparency-reports", new { period = "2026-H2", format = "csv" });

        Assert.Equal("text/csv", type);
        var taken = await broker.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            db.AuditEntries, e => e.Action == "export.downloaded" && e.PayloadJson.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(csv)))));
        Assert.Equal("oversight", taken.ActorRole);
        var lines = Encoding.UTF8.GetString(csv).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("period,requesting_country,provider,requests,accounts_specified", lines[0], StringComparison.Ordinal);
        Assert.Contains("2026-H2,GB,northwind-mail,3,3,3,0,0,0,0,0.0,0,0,3,0", lines);
        Assert.Contains("2026-H2,RU,northwind-mail,2,2,0,0,0,2,0,0.0,0,0,2,0", lines);
        Assert.StartsWith("2026-H2,all,all providers,6,", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_transparency_report_pdf_for_one_country()
    {
        var (_, pdf, type) = await RunAsync("ipco-oversight", "/api/v1/exports/transparency-reports", new { period = "2026-H2", requestingCountry = "GB" });

        Assert.Equal("application/pdf", type);
        var text = PdfFiles.Text(pdf);
        Assert.Contains("Transparencyreport2026-H2", text, StringComparison.Ordinal);
        Assert.Contains("Requests3", text, StringComparison.Ordinal);
        Assert.DoesNotContain("RU", text.Replace("Requests", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        await PdfFiles.RasteriseFirstPageAsync(pdf, "transparency-report");
    }

    [Theory]
    [InlineData("/api/v1/exports/transparency-reports", """{ "period": "2026-H2", "requestingCountry": "XX" }""")]
    [InlineData("/api/v1/exports/oversight-reports", """{ "from": "2026-11-01", "to": "2026-11-30", "requestingCountry": "XX" }""")]
    public async Task A_report_for_a_country_neither_the_pack_nor_any_request_knows_is_refused_naming_the_country(string path, string body)
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");
        var jobsBefore = await broker.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.ExportJobs));

        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var refused = await oversight.PostAsync(path, content);
        var problem = await refused.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(["Not a country of the policy pack in force, and no request was filed from it."],
            problem.GetProperty("errors").GetProperty("requestingCountry").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(jobsBefore, await broker.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.ExportJobs)));
    }

    [Fact]
    public async Task A_report_for_a_country_the_pack_in_force_does_not_know_is_ordered_while_requests_were_filed_from_it()
    {
        await using var own = new BrokerFactory();
        var id = await own.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        // As if the pack that knew the country had been replaced by one that dropped it.
        await own.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ExecuteUpdateAsync(
            db.Requests.Where(r => r.Id == id), set => set.SetProperty(r => r.RequestingCountry, "YU")));
        using var oversight = await own.ClientAsync("ipco-oversight");

        using var ordered = await oversight.PostJsonAsync("/api/v1/exports/transparency-reports", new { period = "2026-H2", requestingCountry = "YU" });

        Assert.True(ordered.StatusCode == HttpStatusCode.Accepted, await ordered.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bad_report_parameters_are_refused_naming_each_field()
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");

        var oversightReport = await (await oversight.PostJsonAsync("/api/v1/exports/oversight-reports",
            new { from = "2026-11-30", to = "2026-11-01", channel = "carrier-pigeon" })).JsonAsync();
        using var transparency = await oversight.PostJsonAsync("/api/v1/exports/transparency-reports", new { period = "2026-Q3", format = "xlsx" });
        var transparencyBody = await transparency.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, transparency.StatusCode);
        var errors = oversightReport.GetProperty("errors");
        Assert.True(errors.TryGetProperty("to", out _));
        Assert.True(errors.TryGetProperty("channel", out _));
        Assert.True(transparencyBody.GetProperty("errors").TryGetProperty("period", out _));
        Assert.True(transparencyBody.GetProperty("errors").TryGetProperty("format", out _));
    }

    [Fact]
    public async Task Dates_at_the_end_of_the_calendar_are_refused_naming_the_field_not_failed_later()
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");

        using var oversightReport = await oversight.PostJsonAsync("/api/v1/exports/oversight-reports", new { from = "9999-12-01", to = "9999-12-31" });
        using var transparency = await oversight.PostJsonAsync("/api/v1/exports/transparency-reports", new { period = "9999-H2" });

        Assert.Equal(HttpStatusCode.BadRequest, oversightReport.StatusCode);
        Assert.True((await oversightReport.JsonAsync()).GetProperty("errors").TryGetProperty("to", out _));
        Assert.Equal(HttpStatusCode.BadRequest, transparency.StatusCode);
        Assert.True((await transparency.JsonAsync()).GetProperty("errors").TryGetProperty("period", out _));
    }

    [Theory]
    [InlineData("met-case-system")]
    [InlineData("northwind-legal")]
    public async Task Officers_and_providers_cannot_order_reports(string client)
    {
        using var caller = await broker.ClientAsync(client);

        using var response = await caller.PostJsonAsync("/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Another_tenant_s_export_job_is_not_found()
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");
        using var queued = await oversight.PostJsonAsync("/api/v1/exports/transparency-reports", new { period = "2026-H2" });
        using var admin = await broker.ClientAsync("broker-admin");

        using var response = await admin.GetAsync(queued.Headers.Location);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_retried_order_with_its_idempotency_key_answers_with_the_same_job_and_records_nothing_again()
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");
        async Task<HttpResponseMessage> OrderAsync(string key, string to)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exports/oversight-reports")
            {
                Content = JsonContent.Create(new { from = "2026-11-01", to }),
            };
            message.Headers.Add("Idempotency-Key", key);
            return await oversight.SendAsync(message);
        }

        using var first = await OrderAsync("report-2026-11", "2026-11-30");
        using var retried = await OrderAsync("report-2026-11", "2026-11-30");
        using var other = await OrderAsync("report-2026-11", "2026-11-29");
        using var malformed = await OrderAsync("two words", "2026-11-30");
        var id = (await first.JsonAsync()).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(id, (await retried.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal("true", Assert.Single(retried.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.True((await malformed.JsonAsync()).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        var requested = await broker.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(
            db.AuditEntries, e => e.Action == "export.requested" && e.SubjectId == id.ToString()));
        Assert.Equal(1, requested);
    }

    [Fact]
    public async Task Ordering_a_report_is_audited()
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");
        var job = await (await oversight.PostJsonAsync("/api/v1/exports/transparency-reports", new { period = "2026-H2" })).JsonAsync();
        var id = job.GetProperty("id").GetGuid().ToString();

        var entry = await broker.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            db.AuditEntries, e => e.SubjectType == "export" && e.SubjectId == id));

        Assert.Equal(("export.requested", "oversight"), (entry.Action, entry.ActorRole));
    }
}
