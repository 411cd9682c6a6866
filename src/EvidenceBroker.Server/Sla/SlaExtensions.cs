using Hangfire;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Sla;

public static class SlaExtensions
{
    public const string SweepJobId = "sla-sweep";

    public static IServiceCollection AddBrokerSla(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SlaOptions>().Bind(configuration.GetSection(SlaOptions.Section));
        services.AddScoped<SlaClock>();
        services.AddScoped<SlaScheduler>();
        services.AddScoped<SlaMonitor>();
        return services;
    }

    /// <summary>
    /// Deadlines live in the database; at every start the jobs that watch them are scheduled again (each once),
    /// and a periodic sweep catches any mark whose job was lost between a commit and its scheduling.
    /// </summary>
    public static async Task RebuildSlaJobsAsync(this IServiceProvider services, ILogger logger, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var scheduled = await scope.ServiceProvider.GetRequiredService<SlaScheduler>().RebuildAsync(ct);
        var every = scope.ServiceProvider.GetRequiredService<IOptions<SlaOptions>>().Value.SweepEvery;
        scope.ServiceProvider.GetRequiredService<IRecurringJobManager>().AddOrUpdate<SlaMonitor>(
            SweepJobId, m => m.SweepAsync(CancellationToken.None), Cron.MinuteInterval(Math.Max(1, (int)every.TotalMinutes)));
        logger.LogInformation("SLA: {Count} deadline jobs scheduled at start", scheduled);
    }
}
