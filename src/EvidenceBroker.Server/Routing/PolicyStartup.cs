using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Routing;

/// <summary>
/// At start: import the pack on disk (stored if new), and make sure a version is active. A malformed pack on
/// disk never becomes active: the stored active version stays in force, and with none the broker refuses to start.
/// </summary>
public static class PolicyStartup
{
    private const string System = "system";

    public static async Task ImportPolicyPackAsync(this IServiceProvider services, ILogger logger, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var options = scope.ServiceProvider.GetRequiredService<IOptions<PolicyOptions>>().Value;
        var environment = scope.ServiceProvider.GetRequiredService<IHostEnvironment>();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<PolicyPackStore>();
        var registry = scope.ServiceProvider.GetRequiredService<PolicyRegistry>();

        var directory = string.IsNullOrEmpty(options.PackDirectory)
            ? FindPolicies(environment.ContentRootPath) ?? FindPolicies(Directory.GetCurrentDirectory())
            : options.PackDirectory;
        var activeVersion = await db.PolicyPacks.Where(p => p.IsActive).Select(p => p.Version).SingleOrDefaultAsync(ct);

        if (directory is not null && Directory.Exists(directory))
        {
            var result = (await store.StoreAsync(PolicyPackStore.ReadDirectory(directory), System, AuditTrail.SystemRole, AuditTrail.SystemTenant, ct)).Load;
            if (result.Pack is null)
            {
                var errors = string.Join(Environment.NewLine, result.Errors);
                if (activeVersion is null)
                {
                    throw new InvalidOperationException($"The policy pack in {directory} is malformed and no stored pack is active:{Environment.NewLine}{errors}");
                }

                logger.LogError("The policy pack in {Directory} is malformed; {Version} stays active. {Errors}", directory, activeVersion, errors);
            }
            else if (activeVersion is null)
            {
                // Nothing else could decide a request: a first start takes the pack even before its effectiveFrom.
                await store.ActivateAsync(result.Pack.Version, System, AuditTrail.SystemRole, AuditTrail.SystemTenant, ct, evenBeforeEffective: true);
                activeVersion = result.Pack.Version;
            }
            else if (options.ActivateOnStart && activeVersion != result.Pack.Version)
            {
                if ((await store.ActivateAsync(result.Pack.Version, System, AuditTrail.SystemRole, AuditTrail.SystemTenant, ct)).Outcome == PackActivationOutcome.Activated)
                {
                    activeVersion = result.Pack.Version;
                }
                else
                {
                    logger.LogWarning("Policy pack {New} from {Directory} takes effect on {EffectiveFrom}; {Active} stays in force until an " +
                                      "administrator activates the new one on or after that day, or the broker starts again then.",
                        result.Pack.Version, directory, result.Pack.EffectiveFrom, activeVersion);
                }
            }
            else if (activeVersion != result.Pack.Version)
            {
                logger.LogWarning("Policy pack {New} from {Directory} is stored but not active; {Active} stays in force until an administrator activates it.",
                    result.Pack.Version, directory, activeVersion);
            }
        }

        if (activeVersion is null)
        {
            throw new InvalidOperationException("No policy pack is active and none was found: set Policy:PackDirectory.");
        }

        registry.Activate((await registry.EngineForAsync(db, activeVersion, ct)).Pack);
        logger.LogInformation("Policy pack {Version} is active", activeVersion);
    }

    private static string? FindPolicies(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "policies");
            if (File.Exists(Path.Combine(candidate, "pack.yaml")))
            {
                return candidate;
            }
        }

        return null;
    }
}
