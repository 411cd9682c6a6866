namespace EvidenceBroker.Server.Exports;

public static class ExportsExtensions
{
    public static IServiceCollection AddBrokerExports(this IServiceCollection services)
    {
        services.AddSingleton<ExportJobRunner>();
        return services;
    }
}
