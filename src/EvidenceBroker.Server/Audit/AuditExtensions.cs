namespace EvidenceBroker.Server.Audit;

public static class AuditExtensions
{
    /// <summary>The signing key (refusing to start without one outside Development), checkpoints and their schedule.</summary>
    public static IServiceCollection AddBrokerAudit(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<AuditOptions>()
            .Bind(configuration.GetSection(AuditOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = configuration.GetSection(AuditOptions.Section).Get<AuditOptions>() ?? new AuditOptions();
        services.AddSingleton(AuditSigningKey.Load(options, environment));
        services.AddScoped<AuditCheckpoints>();
        services.AddHostedService<AuditCheckpointSchedule>();
        return services;
    }
}
