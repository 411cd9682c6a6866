using EvidenceBroker.Server.Jobs;
using Hangfire;

namespace EvidenceBroker.Server.Retention;

public static class RetentionExtensions
{
    public static IServiceCollection AddBrokerRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>()
            .Bind(configuration.GetSection(RetentionOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddScoped<RetentionSweep>();
        return services;
    }

    /// <summary>
    /// Registers the daily sweep as a recurring Hangfire job, at a quiet hour (UTC); a node starts even while another
    /// holds the job's lock (<see cref="RecurringSchedules"/>).
    /// </summary>
    public static void ScheduleRetentionSweep(this IServiceProvider services) =>
        RecurringSchedules.AddOrKeep(
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RetentionExtensions)), services.GetRequiredService<JobStorage>(),
            RetentionSweep.RecurringJobId, () =>
                services.GetRequiredService<IRecurringJobManager>().AddOrUpdate<RetentionSweep>(
                    RetentionSweep.RecurringJobId, sweep => sweep.RunAsync(CancellationToken.None), Cron.Daily(3, 17)));
}
