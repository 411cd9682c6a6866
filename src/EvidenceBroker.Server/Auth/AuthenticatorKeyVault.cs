using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Seals portal users' authenticator keys (the TOTP secrets their apps hold) before they are stored, and opens them to
/// check a code, with the broker's data-protection keys, as <see cref="Notifications.WebhookSecretVault"/> does for
/// webhook secrets. A copy of the database alone then yields no second factor to go with the password hashes in it.
/// </summary>
/// <remarks>
/// Each key is sealed for its user: a sealed key copied into another user's row does not open there, so someone able to
/// write to the database cannot give an account an authenticator they hold.
/// </remarks>
public sealed class AuthenticatorKeyVault(IDataProtectionProvider dataProtection)
{
    /// <summary>
    /// Begins every sealed value. A key stored in clear by an earlier version is base32 (A–Z, 2–7), which never
    /// contains it.
    /// </summary>
    public const string SealedPrefix = "dp1:";

    private readonly IDataProtector protector = dataProtection.CreateProtector("EvidenceBroker.Auth.AuthenticatorKey.v1");

    public string Seal(string userId, string key) => SealedPrefix + For(userId).Protect(key);

    /// <summary>
    /// The key a stored value holds. A key stored in clear by an earlier version is read as it is. False when the
    /// value is sealed with data-protection keys this node no longer has (lost, or another deployment's).
    /// </summary>
    public bool TryOpen(string userId, string stored, [NotNullWhen(true)] out string? key)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!IsSealed(stored))
        {
            key = stored;
            return true;
        }

        try
        {
            key = For(userId).Unprotect(stored[SealedPrefix.Length..]);
            return true;
        }
        catch (CryptographicException)
        {
            key = null;
            return false;
        }
    }

    public static bool IsSealed(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return stored.StartsWith(SealedPrefix, StringComparison.Ordinal);
    }

    private IDataProtector For(string userId) => protector.CreateProtector(userId);
}
