namespace EvidenceBroker.Server.Audit;

public static class AuditExtensions
{
    /// <summary>
    /// The signing key (refusing to start without one outside Development) with the signatures it found valid, kept for
    /// the life of the process (<see cref="VerifiedSignatures"/>), checkpoints and their schedule.
    /// </summary>
    public static IServiceCollection AddBrokerAudit(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<AuditOptions>()
            .Bind(configuration.GetSection(AuditOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = configuration.GetSection(AuditOptions.Section).Get<AuditOptions>() ?? new AuditOptions();
        var verified = new VerifiedSignatures();
        services.AddSingleton(verified);
        services.AddSingleton(AuditSigningKey.Load(options, environment, verified));
        services.AddScoped<AuditCheckpoints>();
        services.AddHostedService<AuditCheckpointSchedule>();
        return services;
    }
}
