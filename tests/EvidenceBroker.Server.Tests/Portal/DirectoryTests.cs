using System.Net;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The administrator's directory page: registering agencies and providers.</summary>
public sealed class DirectoryTests
{
    [Theory]
    [InlineData("Agency", "agency.registered")]
    [InlineData("Provider", "provider.registered")]
    public async Task A_double_click_on_register_registers_once_and_the_other_click_hears_the_id_is_taken(string handler, string action)
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var pages = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => admin.PostFormAsync(
            $"/portal/admin?handler={handler}", new() { ["Id"] = "es-gc", ["Country"] = "ES", ["Name"] = "Guardia Civil" })));

        Assert.All(pages, page => Assert.True(page.Status == HttpStatusCode.OK, $"{page.Status}: {broker.ServerErrors}"));
        Assert.Equal(3, pages.Count(page => page.Body.Contains("This id is taken.", StringComparison.Ordinal)));
        Assert.Single(await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.Action == action && e.SubjectId == "es-gc").ToListAsync()));
    }
}
