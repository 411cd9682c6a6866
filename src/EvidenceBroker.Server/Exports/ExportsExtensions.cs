using EvidenceBroker.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Exports;

public static class ExportsExtensions
{
    /// <summary>
    /// On PostgreSQL, how long an export may stay queued without being started before a starting node queues it again:
    /// its job may never have reached Hangfire's storage (a node that stopped between recording the export and
    /// queueing it). Longer than any queue of reports should be; should its first job still run after all, it finds the
    /// report built and stops (<see cref="ExportJobRunner"/>).
    /// </summary>
    public static readonly TimeSpan PostgresRequeueAfter = TimeSpan.FromMinutes(10);

    public static IServiceCollection AddBrokerExports(this IServiceCollection services)
    {
        services.AddSingleton<ExportJobRunner>();
        services.AddScoped<DocumentDownloads>();
        return services;
    }

    /// <summary>
    /// Queues again, at start, the exports whose jobs were lost: on SQLite, Hangfire keeps its queue in memory, so every
    /// export not finished when the process stopped; on PostgreSQL, whose queue survives a restart, only those queued
    /// long ago and never started (<see cref="PostgresRequeueAfter"/>). On SQLite it also clears the claims of attempts
    /// that the stop cut short (<see cref="ExportJob.ClaimedBy"/>).
    /// </summary>
    public static async Task RequeueLostExportsAsync(this IServiceProvider services, ILogger logger)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var unfinished = db.ExportJobs.Where(j => j.Status == ExportStatus.Queued || j.Status == ExportStatus.Running);
        if (db.Database.IsNpgsql())
        {
            var before = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow() - PostgresRequeueAfter;
            unfinished = unfinished.Where(j => j.Status == ExportStatus.Queued && j.CreatedAt < before);
        }

        else
        {
            // SQLite runs one node, and this is its start: no attempt from before it is still building.
            await unfinished.ExecuteUpdateAsync(set => set
                .SetProperty(j => j.ClaimedBy, (Guid?)null)
                .SetProperty(j => j.ClaimedUntil, (DateTimeOffset?)null));
        }

        var lost = await unfinished.Select(j => j.Id).ToListAsync();
        var jobs = scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>();
        foreach (var id in lost)
        {
            ExportJobRunner.Enqueue(jobs, id);
        }

        if (lost.Count > 0)
        {
            logger.LogInformation("Queued again {Count} export(s) whose jobs were lost when a node stopped", lost.Count);
        }
    }
}
