using System.Collections.Concurrent;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.ReferenceData;

/// <summary>
/// Where each provider is established, read from the database once per provider and node. A provider's jurisdiction
/// is fixed when it is registered, so a remembered answer cannot go stale; an unknown id is looked up every time, so a
/// provider registered on another node is found at once. Holds at most one entry per registered provider.
/// </summary>
public sealed class ProviderJurisdictions
{
    private readonly ConcurrentDictionary<string, string> known = new(StringComparer.Ordinal);

    /// <summary>The provider's jurisdiction, or null when no provider has this id.</summary>
    public async Task<string?> FindAsync(BrokerDbContext db, string? providerId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (providerId is null)
        {
            return null;
        }

        if (known.TryGetValue(providerId, out var jurisdiction))
        {
            return jurisdiction;
        }

        var found = await db.Providers.AsNoTracking().Where(p => p.Id == providerId).Select(p => p.Jurisdiction).SingleOrDefaultAsync(ct);
        if (found is not null)
        {
            known.TryAdd(providerId, found);
        }

        return found;
    }
}
