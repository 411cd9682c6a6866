using Microsoft.AspNetCore.Identity;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// The networks (<see cref="Hosting.RateLimiting.NetworkOf"/>) a portal user last completed a sign-in from, the
/// <see cref="Kept"/> most recent, kept beside their authenticator key. Password attempts from them are not held to
/// the ceiling for strangers' networks (<see cref="PasswordAttempts"/>), so a guesser with many addresses cannot keep
/// the owner out from where they usually sign in.
/// </summary>
public static class SignInNetworks
{
    public const int Kept = 5;

    private const string Name = "SignInNetworks";

    public static async Task<bool> IsFamiliarAsync(UserManager<PortalUser> users, PortalUser user, string network) =>
        (await ReadAsync(users, user)).Contains(network, StringComparer.Ordinal);

    /// <summary>Remembers <paramref name="network"/> as the latest the user signed in from; written with the caller's unit of work.</summary>
    public static async Task<IdentityResult> RememberAsync(UserManager<PortalUser> users, PortalUser user, string network)
    {
        var networks = (await ReadAsync(users, user)).Where(kept => kept != network).Prepend(network).Take(Kept);
        return await users.SetAuthenticationTokenAsync(user, OneUseAuthenticatorCodes.LoginProvider, Name, string.Join(' ', networks));
    }

    /// <summary>
    /// Forgets every network, when an administrator resets the sign-in: whoever signed in before the reset may not have
    /// been the owner, and their networks should not be spared the strangers' limit.
    /// </summary>
    public static Task<IdentityResult> ForgetAsync(UserManager<PortalUser> users, PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(users);
        return users.RemoveAuthenticationTokenAsync(user, OneUseAuthenticatorCodes.LoginProvider, Name);
    }

    private static async Task<string[]> ReadAsync(UserManager<PortalUser> users, PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(users);
        return (await users.GetAuthenticationTokenAsync(user, OneUseAuthenticatorCodes.LoginProvider, Name))?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
    }
}
