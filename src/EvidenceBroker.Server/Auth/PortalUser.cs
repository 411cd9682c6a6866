using Microsoft.AspNetCore.Identity;

namespace EvidenceBroker.Server.Auth;

/// <summary>A person who signs in to the portal. Like an API client, bound to exactly one tenant.</summary>
public sealed class PortalUser : IdentityUser
{
    public required string DisplayName { get; set; }
    public required TenantKind TenantKind { get; set; }
    public required string TenantId { get; set; }
    public string? Country { get; set; }

    /// <summary>officer, supervisor, reviewer, provider-legal, oversight, administrator.</summary>
    public required string Role { get; set; }

    /// <summary>
    /// The password is one an administrator handed over (a new account, or a reset sign-in): at the next sign-in the
    /// user must choose their own before anything else, enrolling an authenticator included.
    /// </summary>
    public bool PasswordChangeRequired { get; set; }

    public Tenant Tenant => new(TenantKind, TenantId, Country);
}
