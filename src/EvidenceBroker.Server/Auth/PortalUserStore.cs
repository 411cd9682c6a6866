using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Identity's Entity Framework store for portal users, keeping each authenticator key sealed
/// (<see cref="AuthenticatorKeyVault"/>): Identity's own stores it in clear among the user's tokens. The portal uses no
/// recovery codes, so none are stored.
/// </summary>
public sealed class PortalUserStore(BrokerDbContext context, AuthenticatorKeyVault vault, ILogger<PortalUserStore> logger, IdentityErrorDescriber describer)
    : UserOnlyStore<PortalUser, BrokerDbContext, string>(context, describer)
{
    /// <summary>Where Identity keeps a user's authenticator key: the login provider and name of its row among the user's tokens.</summary>
    public const string KeyLoginProvider = "[AspNetUserStore]";

    /// <inheritdoc cref="KeyLoginProvider"/>
    public const string KeyName = "AuthenticatorKey";

    public override Task SetAuthenticatorKeyAsync(PortalUser user, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return base.SetAuthenticatorKeyAsync(user, vault.Seal(user.Id, key), cancellationToken);
    }

    /// <summary>
    /// The user's authenticator key, or null when they have none, or one sealed with data-protection keys this node
    /// no longer has: they cannot sign in with it, and are told to have their sign-in reset (the code step checks).
    /// </summary>
    public override async Task<string?> GetAuthenticatorKeyAsync(PortalUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await base.GetAuthenticatorKeyAsync(user, cancellationToken) is not { } stored)
        {
            return null;
        }

        if (vault.TryOpen(user.Id, stored, out var key))
        {
            return key;
        }

        logger.LogWarning(
            "The authenticator key of portal user {UserId} cannot be opened with this node's data-protection keys: an enrolled " +
            "user cannot sign in until an administrator resets their sign-in, one not yet enrolled is shown a new key", user.Id);
        return null;
    }
}
