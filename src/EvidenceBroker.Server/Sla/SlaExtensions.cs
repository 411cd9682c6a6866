using EvidenceBroker.Server.Jobs;
using Hangfire;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Sla;

public static class SlaExtensions
{
    public const string SweepJobId = "sla-sweep";

    public static IServiceCollection AddBrokerSla(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SlaOptions>().Bind(configuration.GetSection(SlaOptions.Section))
            .Validate(o => o.SweepEveryProblem() is null, "Sla:SweepEvery must be whole minutes from 00:01:00 to 00:59:00.")
            .ValidateOnStart();
        services.AddScoped<DeadlineMarks>();
        services.AddScoped<SlaClock>();
        services.AddScoped<SlaMonitor>();
        return services;
    }

    /// <summary>
    /// Registers the SLA sweep as a recurring Hangfire job (once per cluster per run). Deadlines live only in the
    /// database: nothing has to be rebuilt at start, and marks that came due while the broker was down are stamped
    /// by the first sweep after it comes back. A node starts even while another holds the job's lock
    /// (<see cref="RecurringSchedules"/>).
    /// </summary>
    public static void ScheduleSlaSweep(this IServiceProvider services)
    {
        var every = services.GetRequiredService<IOptions<SlaOptions>>().Value.SweepEvery;
        RecurringSchedules.AddOrKeep(
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SlaExtensions)), services.GetRequiredService<JobStorage>(), SweepJobId, () =>
            services.GetRequiredService<IRecurringJobManager>().AddOrUpdate<SlaMonitor>(
                SweepJobId, m => m.SweepAsync(CancellationToken.None), Cron.MinuteInterval((int)every.TotalMinutes)));
    }
}
