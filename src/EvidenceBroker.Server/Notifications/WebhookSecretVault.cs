using Microsoft.AspNetCore.DataProtection;

namespace EvidenceBroker.Server.Notifications;

/// <summary>
/// Seals webhook secrets before they are stored and opens them to sign a delivery, with the broker's data-protection
/// keys (shared by every node; outside Development themselves encrypted with the broker's encryption certificate). A
/// copy of the database alone then yields no secret a forger could sign webhooks with.
/// </summary>
public sealed class WebhookSecretVault(IDataProtectionProvider dataProtection)
{
    private readonly IDataProtector protector = dataProtection.CreateProtector("EvidenceBroker.Webhooks.Secret.v1");

    public string Seal(string secret) => protector.Protect(secret);

    /// <summary>
    /// The secret a stored value seals. A value stored in clear by an earlier version (whsec_…) is read as it is, and
    /// sealed at its next rotation.
    /// </summary>
    public string Open(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return IsClear(stored) ? stored : protector.Unprotect(stored);
    }

    /// <summary>
    /// False for a value sealed with data-protection keys this broker no longer has (the keys lost, or the certificate
    /// that encrypts them replaced without the old one): no secret can be read from it.
    /// </summary>
    public bool TryOpen(string stored, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? secret)
    {
        try
        {
            secret = Open(stored);
            return true;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            secret = null;
            return false;
        }
    }

    /// <summary>A stored value sealed, or left as it is when it is sealed already.</summary>
    public string SealIfClear(string stored) => IsClear(stored) ? Seal(stored) : stored;

    private static bool IsClear(string stored) => stored.StartsWith(WebhookSecret.Prefix, StringComparison.Ordinal);
}
