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
        services.AddScoped<SlaMonitor>();
        return services;
    }

    /// <summary>
    /// Registers the SLA sweep as a recurring Hangfire job (once per cluster per run). Deadlines live only in the
    /// database: nothing has to be rebuilt at start, and marks that came due while the broker was down are stamped
    /// by the first sweep after it comes back.
    /// </summary>
    /// <remarks>
    /// The registration takes the job's cluster-wide lock. Should another node hold it past the timeout (one killed
    /// while triggering the sweep leaves its lock until the storage expires it), the job is registered already, since
    /// that node was running it: the node starts without re-registering it, rather than failing to start.
    /// </remarks>
    public static void ScheduleSlaSweep(this IServiceProvider services)
    {
        var every = services.GetRequiredService<IOptions<SlaOptions>>().Value.SweepEvery;
        try
        {
            services.GetRequiredService<IRecurringJobManager>().AddOrUpdate<SlaMonitor>(
                SweepJobId, m => m.SweepAsync(CancellationToken.None), Cron.MinuteInterval(Math.Max(1, (int)every.TotalMinutes)));
        }
        catch (Hangfire.Storage.DistributedLockTimeoutException e)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SlaExtensions)).LogWarning(e,
                "The SLA sweep's schedule was left as registered: another node holds its lock. A changed interval applies at the next start.");
        }
    }
}
