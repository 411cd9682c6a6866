using System.Security.Cryptography;
using System.Text;

namespace EvidenceBroker.Server.Notifications;

/// <summary>
/// The HMAC key one recipient (agency:&lt;id&gt; or provider:&lt;id&gt;) verifies deliveries with. Kept apart from the
/// agency and provider records so that reading reference data never loads a secret.
/// </summary>
/// <remarks>
/// The broker must be able to compute the HMAC, so the secret is stored, not hashed: sealed by
/// <see cref="WebhookSecretVault"/>. It is shown once (when created or rotated), never logged, never written to the
/// audit trail and never returned by a read endpoint.
/// </remarks>
public sealed class WebhookSecret
{
    public const string Prefix = "whsec_";

    public required string Recipient { get; init; }

    /// <summary>
    /// Sealed by <see cref="WebhookSecretVault"/>; opened, it is whsec_ followed by the base64 of the key bytes (the
    /// Standard Webhooks serialisation).
    /// </summary>
    public required string Secret { get; set; }

    /// <summary>Sealed, like <see cref="Secret"/>. After a rotation it still signs until <see cref="PreviousValidUntil"/>, so receivers can switch without loss.</summary>
    public string? PreviousSecret { get; set; }

    public DateTimeOffset? PreviousValidUntil { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// The <see cref="ReplayKey"/> of the request that issued <see cref="Secret"/> (a rotation, or the first URL set), if
    /// it sent an Idempotency-Key: the same request retried (its answer lost) gets this secret again. A rotation retried
    /// would otherwise replace it, dropping the one receivers still use; a first URL retried would otherwise answer
    /// without any secret.
    /// </summary>
    public string? RotationKey { get; set; }

    /// <summary>
    /// What <see cref="RotationKey"/> holds for an Idempotency-Key: bound to the operation and to who sent it, so that a
    /// rotation sent with the key a URL was set with, or by another administrator, rotates instead of being taken for a
    /// retry (and handed the secret in force). Null without a key.
    /// </summary>
    public static string? ReplayKey(string operation, string caller, string? idempotencyKey) =>
        idempotencyKey is null
            ? null
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{operation}\n{caller}\n{idempotencyKey}")));

    /// <summary>
    /// How long after issuing a secret a retry with <see cref="RotationKey"/> gets it again: long enough for a client
    /// to retry a lost answer, not so long that the key becomes a way to read the secret in force.
    /// </summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromHours(24);

    /// <summary>Whether a request with <paramref name="replayKey"/> (<see cref="ReplayKey"/>) is the one that issued this secret, retried in time.</summary>
    public bool IssuedBy(string? replayKey, DateTimeOffset now) =>
        replayKey is not null && RotationKey == replayKey && now - CreatedAt < ReplayWindow;

    /// <summary>32 random bytes, as in the Standard Webhooks reference libraries.</summary>
    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// Development only: a fixed secret per recipient whose key is the readable text dev-webhook-secret:&lt;recipient&gt;,
    /// so a local receiver can be set up without calling the API.
    /// </summary>
    public static string ForDevelopment(string recipient) =>
        Prefix + Convert.ToBase64String(Encoding.UTF8.GetBytes($"dev-webhook-secret:{recipient}"));

    public static byte[] KeyOf(string secret) =>
        Convert.FromBase64String(secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret);
}
