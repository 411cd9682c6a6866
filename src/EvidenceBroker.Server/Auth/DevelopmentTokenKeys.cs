using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Development only: the token server's signing and encryption keys, made in memory once per process, so every token
/// dies with the process.
/// </summary>
/// <remarks>
/// OpenIddict's own ephemeral keys are RSA-4096, made again by every host: 1–7 s of CPU each on this machine, spent on
/// the first token request. That made a developer's first call after start slow, and it was most of the time of the
/// test suite, which starts a host per test class. RSA-2048 is the smallest size OpenIddict accepts for RS256 and
/// RSA-OAEP; outside Development the keys come from the configured certificates instead.
/// </remarks>
internal static class DevelopmentTokenKeys
{
    private static readonly Lazy<RsaSecurityKey> SigningKey = new(() => NewKey("development-signing"));
    private static readonly Lazy<RsaSecurityKey> EncryptionKey = new(() => NewKey("development-encryption"));

    public static RsaSecurityKey Signing => SigningKey.Value;

    public static RsaSecurityKey Encryption => EncryptionKey.Value;

    private static RsaSecurityKey NewKey(string purpose)
    {
        var rsa = RSA.Create(2048);
        return new RsaSecurityKey(rsa) { KeyId = $"{purpose}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}" };
    }
}
