using EvidenceBroker.Server.Persistence;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace EvidenceBroker.Server.Auth;

/// <summary>Registers an OAuth client with OpenIddict and binds it to its tenant, in one place.</summary>
public static class ApiClients
{
    public static async Task RegisterAsync(
        BrokerDbContext db, IOpenIddictApplicationManager applications, string clientId, string secret,
        string displayName, Tenant tenant, IReadOnlyList<string> scopes, DateTimeOffset createdAt, CancellationToken ct)
    {
        if (await applications.FindByClientIdAsync(clientId, ct) is null)
        {
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = secret,
                ClientType = ClientTypes.Confidential,
                DisplayName = displayName,
                Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
            };
            var allowed = BrokerScopes.AllowedFor(tenant.Kind);
            var refused = scopes.Where(scope => !allowed.Contains(scope)).ToList();
            if (refused.Count > 0)
            {
                throw new ArgumentException($"A {tenant.Kind} client may not hold {string.Join(", ", refused)}.", nameof(scopes));
            }

            foreach (var scope in scopes)
            {
                descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
            }

            await applications.CreateAsync(descriptor, ct);
        }

        if (await db.ApiClients.FindAsync([clientId], ct) is null)
        {
            db.ApiClients.Add(new ApiClient
            {
                ClientId = clientId, DisplayName = displayName, TenantKind = tenant.Kind, TenantId = tenant.Id,
                Country = tenant.Country, CreatedAt = createdAt,
            });
            await db.SaveChangesAsync(ct);
        }
    }
}
