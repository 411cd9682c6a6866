using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace EvidenceBroker.Server.Hosting;

/// <summary>
/// Data-protection keys (Identity's tokens, antiforgery, cookies) kept in the broker's database, so that what one
/// node protects every other node can read and a restarted node keeps its keys. Always on, with SQLite too: a
/// single node then survives restarts the same way, and there is one code path to test.
/// </summary>
public static class SharedDataProtection
{
    /// <summary>Every node must use the same name: it isolates the keys' purpose from other applications.</summary>
    public const string ApplicationName = "EvidenceBroker";

    public static IServiceCollection AddBrokerDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<BrokerDbContext>();
        return services;
    }
}
