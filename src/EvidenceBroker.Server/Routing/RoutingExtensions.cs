namespace EvidenceBroker.Server.Routing;

public static class RoutingExtensions
{
    public static IServiceCollection AddBrokerPolicy(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<PolicyOptions>()
            .Bind(configuration.GetSection(PolicyOptions.Section))
            // A mistyped path would otherwise leave the pack in force unseen, whatever the files say. Empty means unset.
            .Validate(o => string.IsNullOrEmpty(o.PackDirectory) || Directory.Exists(o.PackDirectory),
                "Policy:PackDirectory is not a directory.")
            .ValidateOnStart()
            .PostConfigure(o => o.ActivateOnStart |= environment.IsDevelopment() && configuration[$"{PolicyOptions.Section}:{nameof(PolicyOptions.ActivateOnStart)}"] is null);
        services.AddSingleton<PolicyRegistry>();
        services.AddSingleton<IPolicyCatalogue>(sp => sp.GetRequiredService<PolicyRegistry>());
        services.AddScoped<PolicyDecider>();
        services.AddScoped<IRequestDecider>(sp => sp.GetRequiredService<PolicyDecider>());
        services.AddScoped<PolicyPackStore>();
        services.AddScoped<PolicyWhatIf>();
        services.AddScoped<SuspensionSwitch>();
        return services;
    }
}
