using System.Net;
using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Exports;

/// <summary>A report ordered through the API, and its job run by hand as Hangfire would run it.</summary>
internal static class ExportJobs
{
    public static async Task<Guid> QueueReportAsync(this BrokerFactory broker)
    {
        using var oversight = await broker.ClientAsync("ipco-oversight");
        using var queued = await oversight.PostJsonAsync("/api/v1/exports/oversight-reports", new { from = "2026-11-01", to = "2026-11-30" });
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        return (await queued.JsonAsync()).GetProperty("id").GetGuid();
    }

    public static Task RunExportAsync(this BrokerFactory broker, Guid id) =>
        broker.Services.GetRequiredService<ExportJobRunner>().RunAsync(id, CancellationToken.None);

    public static Task<ExportJob> ExportJobAsync(this BrokerFactory broker, Guid id) =>
        broker.WithDbAsync(db => db.ExportJobs.AsNoTracking().SingleAsync(j => j.Id == id));
}
