using System.Security.Claims;
using EvidenceBroker.Server.Auth;
using OpenIddict.Abstractions;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>Callers for tests that use the broker's services directly rather than over HTTP with a token.</summary>
public static class Callers
{
    /// <summary>Northwind Mail's legal team: the provider of the sample requests.</summary>
    public static Caller NorthwindLegal { get; } = Holding(
        "legal@northwind.example", "Northwind legal", new Tenant(TenantKind.Provider, "northwind-mail"), BrokerScopes.ProviderRespond);

    /// <summary>An oversight body, which reads every request.</summary>
    public static Caller Oversight { get; } = Holding("oversight-test", "Oversight", new Tenant(TenantKind.Oversight, "board"), BrokerScopes.OversightRead);

    public static Caller Holding(string subject, string name, Tenant tenant, params string[] scopes) =>
        new(subject, name, tenant, new ClaimsPrincipal(new ClaimsIdentity(
            scopes.Select(scope => new Claim(OpenIddictConstants.Claims.Private.Scope, scope)), "test")));
}
