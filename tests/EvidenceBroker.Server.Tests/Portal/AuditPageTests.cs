using System.Net;
using EvidenceBroker.Server.Tests.Exports;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The oversight body's audit page, as rendered: intact with its head to keep, or broken and where.</summary>
public sealed class AuditPageTests
{
    [Fact]
    public async Task The_page_says_intact_with_the_head_and_after_tampering_broken_at_the_entry()
    {
        await using var broker = new BrokerFactory();
        await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var auditor = await PortalBrowser.SignedInAsync(broker, "auditor@oversight.example");

        var intact = await auditor.Client.GetStringAsync("/portal/oversight/audit");
        await broker.WithDbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_entries_no_update");
            return await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"Action\" = 'request.withdrawn' WHERE \"Sequence\" = 2");
        });
        var broken = await auditor.Client.GetStringAsync("/portal/oversight/audit");

        Assert.Contains("Intact: all", intact, StringComparison.Ordinal);
        Assert.Contains("Every entry lies under the broker&#x27;s seal", intact, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"chain-head\"", intact, StringComparison.Ordinal);
        Assert.Contains("Broken at entry 2.", broken, StringComparison.Ordinal);
        Assert.DoesNotContain("Intact: all", broken, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"chain-head\"", broken, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_downloads_the_audit_trail_of_a_period_as_pdf_and_records_it_and_names_each_bad_field()
    {
        await using var broker = new BrokerFactory();
        await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var admin = await broker.ClientAsync("broker-admin");
        using var suspended = await admin.PostJsonAsync("/api/v1/policy/suspensions", new { country = "RU", reason = "Rule of law report." });
        using var auditor = await PortalBrowser.SignedInAsync(broker, "auditor@oversight.example");
        var today = broker.Clock.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        using var response = await auditor.Client.GetAsync($"/portal/oversight/audit?handler=Trail&From={today}&To={today}&SubjectType=country");
        var pdf = await response.Content.ReadAsByteArrayAsync();
        var refused = await auditor.Client.GetStringAsync($"/portal/oversight/audit?handler=Trail&From={today}&To=not-a-date&SubjectId=GB");

        Assert.Equal(HttpStatusCode.NoContent, suspended.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var text = PdfFiles.Text(pdf);
        var suspension = await broker.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "country.suspended"));
        Assert.Contains(suspension.Hash, text, StringComparison.Ordinal);
        Assert.DoesNotContain("request.filed", text, StringComparison.Ordinal); // only the subject type asked for
        Assert.True(await broker.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.Action == "export.downloaded" && e.SubjectId == "audit-trail")));
        Assert.Contains("A date, YYYY-MM-DD.", refused, StringComparison.Ordinal);
        Assert.Contains("Only with", refused, StringComparison.Ordinal); // a subject id without its type
    }
}
