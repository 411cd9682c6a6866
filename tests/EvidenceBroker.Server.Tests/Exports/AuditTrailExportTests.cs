using System.Globalization;
using System.Net;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Exports;

/// <summary>A broker whose audit trail exports list at most ten entries, so that a period holding more is easy to make.</summary>
public sealed class SmallAuditTrailExports : BrokerFactory
{
    public const int MaxEntries = 10;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Exports:AuditTrailMaxEntries", MaxEntries.ToString(CultureInfo.InvariantCulture))];
}

public sealed class AuditTrailExportTests(SmallAuditTrailExports broker) : IClassFixture<SmallAuditTrailExports>
{
    private const string Path = "/api/v1/exports/audit-trails";

    [Fact]
    public Task An_export_lists_a_country_suspension_with_its_hash_under_an_intact_chain_on_sqlite() =>
        ListsTheSuspensionAsync(new BrokerFactory());

    [PostgresFact]
    public Task An_export_lists_a_country_suspension_with_its_hash_under_an_intact_chain_on_postgresql() =>
        ListsTheSuspensionAsync(new PostgresBrokerFactory());

    private static async Task ListsTheSuspensionAsync(BrokerFactory created)
    {
        await using var own = created;
        await SuspendAsync(own, "JP", "Audit export test");
        await own.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var checkpoint = await CheckpointAsync(own);

        var (job, pdf) = await ExportAsync(own, new { from = "2026-11-01", to = "2026-11-30" });

        var text = PdfFiles.Text(pdf);
        var suspension = await own.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "country.suspended" && e.SubjectId == "JP"));
        Assert.Contains("country.suspended", text, StringComparison.Ordinal);
        Assert.Contains(suspension.Hash, text, StringComparison.Ordinal);
        Assert.Contains(suspension.PreviousHash, text, StringComparison.Ordinal);
        Assert.Contains("""{"reason":"Auditexporttest"}""", text, StringComparison.Ordinal);
        Assert.Contains("Intact:everyentry'shashrecomputed", text, StringComparison.Ordinal);
        Assert.Contains(checkpoint!.HeadHash, text, StringComparison.Ordinal);
        Assert.Contains(checkpoint.Signature, text, StringComparison.Ordinal);
        var requestEntries = await own.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectType == "request").ToListAsync());
        Assert.All(requestEntries, e => Assert.Contains(e.Hash, text, StringComparison.Ordinal));
        Assert.Equal("audit-trail-2026-11-01-2026-11-30.pdf", job.FileName);
        await PdfFiles.RasteriseFirstPageAsync(pdf, created is PostgresBrokerFactory ? "audit-trail-postgresql" : "audit-trail");
    }

    [Fact]
    public async Task A_subject_filter_leaves_every_other_entry_out()
    {
        await SuspendAsync(broker, "CA", "Filter test");
        await SuspendAsync(broker, "BR", "Filter test");

        var (_, pdf) = await ExportAsync(broker, new { from = "2026-11-01", to = "2026-11-30", subjectType = "country", subjectId = "CA" });

        var text = PdfFiles.Text(pdf);
        var entries = await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectType == "country").ToListAsync());
        Assert.All(entries.Where(e => e.SubjectId == "CA"), e => Assert.Contains(e.Hash, text, StringComparison.Ordinal));
        Assert.All(entries.Where(e => e.SubjectId != "CA"), e => Assert.DoesNotContain(e.Hash, text, StringComparison.Ordinal));
        Assert.DoesNotContain("client.registered", text, StringComparison.Ordinal);
        Assert.Contains("subjectcountryCA", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("met-case-system")]
    [InlineData("northwind-legal")]
    [InlineData("broker-admin")]
    public async Task Only_oversight_may_export_the_audit_trail(string client)
    {
        using var caller = await broker.ClientAsync(client);

        using var response = await caller.PostJsonAsync(Path, new { from = "2026-11-01", to = "2026-11-30" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"from":"2026-11-30","to":"2026-11-01"}""", "to")]
    [InlineData("""{"to":"2026-11-30"}""", "from")]
    [InlineData("""{"from":"9999-12-01","to":"9999-12-31"}""", "to")]
    [InlineData("""{"from":"2026-11-01","to":"2026-11-30","subjectType":"Country!"}""", "subjectType")]
    [InlineData("""{"from":"2026-11-01","to":"2026-11-30","subjectId":"GB"}""", "subjectId")]
    [InlineData("""{"from":"2026-11-01","to":"2026-11-30","action":"country suspended"}""", "action")]
    public async Task Bad_parameters_are_refused_naming_the_field_and_store_no_job(string body, string field)
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");
        var before = await broker.WithDbAsync(db => db.ExportJobs.CountAsync());

        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await oversight.PostAsync(Path, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await broker.WithDbAsync(db => db.ExportJobs.CountAsync()));
    }

    [Fact]
    public async Task An_unknown_member_is_refused()
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");

        using var response = await oversight.PostJsonAsync(Path, new { from = "2026-11-01", to = "2026-11-30", tenant = "all" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_period_holding_more_entries_than_one_export_lists_is_refused_saying_how_many()
    {
        for (var i = 0; i < SmallAuditTrailExports.MaxEntries; i++)
        {
            await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber()); // two entries each
        }

        using var oversight = await broker.ClientAsync("ipco-oversight");
        var year = (From: new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), To: new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var (jobs, entries) = await broker.WithDbAsync(async db =>
            (await db.ExportJobs.CountAsync(), await db.AuditEntries.CountAsync(e => e.At >= year.From && e.At < year.To)));

        using var response = await oversight.PostJsonAsync(Path, new { from = "2026-01-01", to = "2026-12-31" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.StartsWith(entries.ToString("N0", CultureInfo.InvariantCulture) + " entries", errors.GetProperty("from")[0].GetString(), StringComparison.Ordinal);
        Assert.True(errors.TryGetProperty("to", out _));
        Assert.Equal(jobs, await broker.WithDbAsync(db => db.ExportJobs.CountAsync()));
    }

    private static async Task SuspendAsync(BrokerFactory broker, string country, string reason)
    {
        using var admin = await broker.ClientAsync("broker-admin");
        using var suspended = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country, reason });
        Assert.Equal(HttpStatusCode.NoContent, suspended.StatusCode);
    }

    private static async Task<AuditCheckpoint?> CheckpointAsync(BrokerFactory broker)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(CancellationToken.None);
    }

    /// <summary>Ordered by oversight through the API, built as Hangfire would build it, and downloaded.</summary>
    private static async Task<(EvidenceBroker.Server.Exports.ExportJob Job, byte[] Pdf)> ExportAsync(BrokerFactory broker, object body)
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");
        using var queued = await oversight.PostJsonAsync(Path, body);
        Assert.True(queued.StatusCode == HttpStatusCode.Accepted, await queued.Content.ReadAsStringAsync());
        var id = (await queued.JsonAsync()).GetProperty("id").GetGuid();
        await broker.RunExportAsync(id);
        using var file = await oversight.GetAsync($"/api/v1/exports/jobs/{id}/file");
        Assert.True(file.StatusCode == HttpStatusCode.OK, await file.Content.ReadAsStringAsync());
        Assert.Equal("application/pdf", file.Content.Headers.ContentType?.MediaType);
        return (await broker.ExportJobAsync(id), await file.Content.ReadAsByteArrayAsync());
    }
}
