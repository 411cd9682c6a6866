using EvidenceBroker.Server.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Exports;

public static class ExportsExtensions
{
    public static IServiceCollection AddBrokerExports(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ExportOptions>()
            .Bind(configuration.GetSection(ExportOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ExportJobRunner>();
        services.AddScoped<LostExports>();
        services.AddScoped<DocumentDownloads>();
        return services;
    }

    /// <summary>
    /// At start, queues again the exports whose jobs were lost, and schedules the same every five minutes
    /// (<see cref="LostExports"/>). On SQLite, Hangfire keeps its queue in memory and this is the only node: every
    /// unfinished export lost its job when the process stopped, and the claims of attempts the stop cut short are cleared
    /// (<see cref="ExportJob.ClaimedBy"/>). On PostgreSQL, whose queue survives a restart and whose other nodes may be
    /// building, only the exports nobody is building are.
    /// </summary>
    public static async Task RequeueLostExportsAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        if (!db.Database.IsNpgsql())
        {
            var unfinished = db.ExportJobs.Where(j => j.Status == ExportStatus.Queued || j.Status == ExportStatus.Running);
            await unfinished.ExecuteUpdateAsync(set => set
                .SetProperty(j => j.ClaimedBy, (Guid?)null)
                .SetProperty(j => j.ClaimedUntil, (DateTimeOffset?)null));
            var jobs = scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>();
            var lost = await unfinished.Select(j => j.Id).ToListAsync();
            foreach (var id in lost)
            {
                ExportJobRunner.Enqueue(jobs, id);
            }

            if (lost.Count > 0)
            {
                scope.ServiceProvider.GetRequiredService<ILogger<LostExports>>()
                    .LogInformation("Queued again {Count} export(s) whose jobs were lost when the broker stopped", lost.Count);
            }
        }
        else
        {
            await scope.ServiceProvider.GetRequiredService<LostExports>().RequeueAsync(CancellationToken.None);
        }

        LostExports.Schedule(services);
    }
}
