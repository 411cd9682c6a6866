using System.ComponentModel.DataAnnotations;

namespace EvidenceBroker.Server.Auth;

/// <summary>Bound from the "Auth" section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// The token issuer, fixed so that a token obtained through one host name (localhost) is still accepted
    /// through another (127.0.0.1 or a load balancer). The default serves Development only: elsewhere the broker
    /// does not start without one configured (the public URL), so that two deployments never share an issuer.
    /// </summary>
    public Uri Issuer { get; set; } = new("http://localhost:5080/");

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long a node remembers an access token it has validated, at most; never past the token's own expiry.
    /// Shorter than the token lifetime so that the tokens of clients that went quiet leave memory within minutes.
    /// Zero turns the cache off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ValidatedTokenCacheLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How many validated access tokens a node remembers. Beyond it new tokens are validated on every call until
    /// room frees up; a remembered token costs a few kilobytes.
    /// </summary>
    [Range(1, 1_000_000)]
    public int ValidatedTokenCacheSize { get; set; } = 10_000;

    /// <summary>
    /// How often a node re-reads which API clients are disabled: an administrator's switch takes effect at once on
    /// the node where it was made, and within this period on the others.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan DisabledClientsRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>PKCS#12 file with the token signing key. Required outside Development.</summary>
    public string? SigningCertificatePath { get; set; }
    public string? SigningCertificatePassword { get; set; }

    /// <summary>PKCS#12 file with the token encryption key. Required outside Development.</summary>
    public string? EncryptionCertificatePath { get; set; }
    public string? EncryptionCertificatePassword { get; set; }

    /// <summary>
    /// Encryption certificates replaced by <see cref="EncryptionCertificatePath"/>, kept so that the data-protection keys
    /// they encrypted (and so the webhook secrets, authenticator keys and sign-in cookies sealed with those keys) can
    /// still be read. New keys are encrypted with the current certificate only.
    /// </summary>
    public PreviousCertificate[] PreviousEncryptionCertificates { get; set; } = [];

    /// <summary>
    /// Accept plain HTTP on the token endpoint. Always on in Development; elsewhere for a test cluster on one machine
    /// only, from that machine only (<see cref="PlainHttpFromThisMachineOnly"/>; a warning is logged at start). Behind a TLS-terminating proxy, forward the scheme instead
    /// (<c>Proxy:TrustedNetworks</c>).
    /// </summary>
    public bool AllowHttp { get; set; }
}

/// <summary>A PKCS#12 file and its password.</summary>
public sealed class PreviousCertificate
{
    public string? Path { get; set; }
    public string? Password { get; set; }
}
