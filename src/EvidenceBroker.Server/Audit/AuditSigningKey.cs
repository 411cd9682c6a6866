using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EvidenceBroker.Server.Audit;

/// <summary>Bound from the "Audit" section.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>ECDSA private key as PEM (PKCS#8 or SEC1, optionally encrypted) or a PKCS#12 file (.pfx/.p12).</summary>
    public string? SigningKeyPath { get; set; }

    public string? SigningKeyPassword { get; set; }

    /// <summary>
    /// Development only: keep a generated key in this file, so that checkpoints and seals still verify after a restart.
    /// Empty: a key in memory only, and the trail a restarted broker finds is sealed by a key it no longer holds.
    /// </summary>
    public string? DevelopmentKeyPath { get; set; } = "data/audit-development-key.pem";

    /// <summary>
    /// Public keys (PEM) of keys that signed checkpoints before the current one, so those checkpoints still count
    /// after a key rotation. Without them, older checkpoints can no longer be checked.
    /// </summary>
    public string[] PreviousPublicKeyPaths { get; set; } = [];

    /// <summary>How often the chain head is signed when it moved.</summary>
    [Range(1, 59)]
    public int CheckpointIntervalMinutes { get; set; } = 15;
}

/// <summary>
/// The key that signs checkpoints, and the public keys of those it replaced. A key's id is derived from its public
/// key, so a checkpoint names its signer, and a checkpoint relabelled with another known key's id fails its signature.
/// </summary>
public sealed class AuditSigningKey : IDisposable
{
    private readonly KnownKey key;
    private readonly Dictionary<string, KnownKey> previous;
    private readonly VerifiedSignatures verified;

    /// <summary>
    /// Takes ownership of <paramref name="key"/> and of <paramref name="previousPublicKeys"/>.
    /// <paramref name="verified"/>: the signatures found valid so far, kept across verifications; a new, empty set when null.
    /// </summary>
    public AuditSigningKey(ECDsa key, string origin, IEnumerable<ECDsa>? previousPublicKeys = null, VerifiedSignatures? verified = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        this.key = new KnownKey(key);
        this.verified = verified ?? new VerifiedSignatures();
        Origin = origin;
        KeyId = this.key.Id;
        PublicKeyPem = PemEncoding.WriteString("PUBLIC KEY", key.ExportSubjectPublicKeyInfo());
        previous = [];
        foreach (var earlier in (previousPublicKeys ?? []).Select(k => new KnownKey(k)))
        {
            // The current key, or one listed twice, adds nothing.
            if (earlier.Id == KeyId || !previous.TryAdd(earlier.Id, earlier))
            {
                earlier.Key.Dispose();
            }
        }
    }

    public string KeyId { get; }
    public string PublicKeyPem { get; }

    /// <summary>Where the key came from ("file …", "ephemeral development key"), for logs and the verify report.</summary>
    public string Origin { get; }

    public string Sign(byte[] message) =>
        Convert.ToBase64String(key.Key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    public bool Verify(byte[] message, string signature) => Verify(key, message, signature);

    /// <summary>The public keys (PEM) of the previous keys by id, for a reader who checks older checkpoints.</summary>
    public IReadOnlyDictionary<string, string> PreviousPublicKeysPem =>
        previous.ToDictionary(p => p.Key, p => PemEncoding.WriteString("PUBLIC KEY", p.Value.Key.ExportSubjectPublicKeyInfo()));

    /// <summary>The ids of the current key and of the previous ones.</summary>
    public IReadOnlyList<string> KeyIds => [KeyId, .. previous.Keys];

    /// <summary>Whether checkpoints labelled <paramref name="keyId"/> can be checked: the current key or a previous one.</summary>
    public bool CanVerify(string keyId) => keyId == KeyId || previous.ContainsKey(keyId);

    /// <summary>Checks a signature made by the key <paramref name="keyId"/> names; false for a key this broker does not know.</summary>
    public bool Verify(string keyId, byte[] message, string signature) =>
        keyId == KeyId ? Verify(key, message, signature) : previous.TryGetValue(keyId, out var earlier) && Verify(earlier, message, signature);

    public void Dispose()
    {
        key.Key.Dispose();
        foreach (var earlier in previous.Values)
        {
            earlier.Key.Dispose();
        }
    }

    /// <summary>
    /// The signature checked once per process: a signature <paramref name="signer"/> verified before over the same
    /// message is taken from <see cref="verified"/> (which keys it by the exact bytes, so a changed row is checked afresh).
    /// </summary>
    private bool Verify(KnownKey signer, byte[] message, string signature) =>
        verified.Verify(signer.PublicKeyHash, message, signature, signer.Key, VerifyNow);

    private static bool VerifyNow(ECDsa signer, byte[] message, string signature)
    {
        Span<byte> bytes = stackalloc byte[160];
        return Convert.TryFromBase64String(signature, bytes, out var length)
               && signer.VerifyData(message, bytes[..length], HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>A key with the SHA-256 of its SubjectPublicKeyInfo, which names it (<see cref="Id"/>) and keys what it verified.</summary>
    private sealed class KnownKey
    {
        public KnownKey(ECDsa key)
        {
            Key = key;
            PublicKeyHash = SHA256.HashData(key.ExportSubjectPublicKeyInfo());
            Id = Convert.ToHexStringLower(PublicKeyHash)[..16];
        }

        public ECDsa Key { get; }
        public byte[] PublicKeyHash { get; }
        public string Id { get; }
    }

    /// <summary>
    /// The configured key; in Development a generated one (kept in a file when DevelopmentKeyPath is set, else in
    /// memory). Anywhere else the broker refuses to start without one, as it does without token certificates.
    /// <paramref name="verified"/>: where the key keeps the signatures it found valid (see <see cref="VerifiedSignatures"/>).
    /// </summary>
    public static AuditSigningKey Load(AuditOptions options, IHostEnvironment environment, VerifiedSignatures? verified = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrWhiteSpace(options.SigningKeyPath))
        {
            var signing = CheckedForSigning(LoadFile(options.SigningKeyPath, options.SigningKeyPassword), options.SigningKeyPath);
            return new AuditSigningKey(signing, $"file {options.SigningKeyPath}", LoadPublicKeys(options.PreviousPublicKeyPaths, signing), verified);
        }

        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"The broker will not start in the '{environment.EnvironmentName}' environment without an audit signing key: " +
                "set Audit:SigningKeyPath (an ECDSA P-256 private key as PEM, or a PKCS#12 file) and Audit:SigningKeyPassword if it is encrypted. " +
                "Generated keys are only used in Development.");
        }

        var (development, origin) = string.IsNullOrWhiteSpace(options.DevelopmentKeyPath)
            ? (ECDsa.Create(ECCurve.NamedCurves.nistP256), "ephemeral development key")
            : (LoadOrCreateDevelopmentKey(options.DevelopmentKeyPath), $"development key file {options.DevelopmentKeyPath}");
        return new AuditSigningKey(development, origin, LoadPublicKeys(options.PreviousPublicKeyPaths, development), verified);
    }

    /// <summary>
    /// The key, if it is a P-256 private key, as checkpoints are labelled (ECDSA-P256-SHA256) and must be signed:
    /// otherwise the broker would start, and every checkpoint job fail later.
    /// </summary>
    private static ECDsa CheckedForSigning(ECDsa key, string path)
    {
        if (!IsOnP256(key, out var curve))
        {
            key.Dispose();
            throw new InvalidOperationException($"{path}: the audit signing key must be on the P-256 curve; it is on {curve}.");
        }

        try
        {
            byte[] probe = [1, 2, 3];
            if (key.VerifyData(probe, key.SignData(probe, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256))
            {
                return key;
            }
        }
        catch (CryptographicException)
        {
            // no private part: it cannot sign
        }

        key.Dispose();
        throw new InvalidOperationException($"{path}: the audit signing key cannot sign; configure the private key, not only the public one.");
    }

    /// <summary>The previous keys' public parts; if one cannot be loaded, none is kept (nor <paramref name="current"/>).</summary>
    private static List<ECDsa> LoadPublicKeys(IEnumerable<string> paths, ECDsa current)
    {
        var loaded = new List<ECDsa>();
        try
        {
            foreach (var path in paths)
            {
                loaded.Add(LoadPublicKey(path));
            }

            return loaded;
        }
        catch
        {
            loaded.ForEach(k => k.Dispose());
            current.Dispose();
            throw;
        }
    }

    /// <summary>A previous key's public part (PEM), on P-256 as every checkpoint is.</summary>
    private static ECDsa LoadPublicKey(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidOperationException($"{path}: not an ECDSA public key in PEM form ({ex.Message}).", ex);
        }

        if (!IsOnP256(key, out _))
        {
            key.Dispose();
            throw new InvalidOperationException($"{path}: a previous audit key must be on the P-256 curve.");
        }

        return key;
    }

    /// <summary>Whether <paramref name="key"/> is on P-256, the curve every checkpoint is signed and labelled with.</summary>
    private static bool IsOnP256(ECDsa key, out string curve)
    {
        var oid = key.ExportParameters(includePrivateParameters: false).Curve.Oid;
        curve = oid.FriendlyName ?? oid.Value ?? "an unnamed curve";
        return oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value;
    }

    private static ECDsa LoadFile(string path, string? password)
    {
        var extension = Path.GetExtension(path);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            using var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
            return certificate.GetECDsaPrivateKey()
                   ?? throw new InvalidOperationException($"{path}: the certificate has no ECDSA private key.");
        }

        var pem = File.ReadAllText(path);
        var key = ECDsa.Create();
        if (string.IsNullOrEmpty(password))
        {
            key.ImportFromPem(pem);
        }
        else
        {
            key.ImportFromEncryptedPem(pem, password);
        }

        return key;
    }

    /// <summary>A new file only its owner can read (on Unix), written whole: a private key, even a development one.</summary>
    private static void WritePrivately(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        writer.Write(text);
    }

    private static ECDsa LoadOrCreateDevelopmentKey(string path)
    {
        if (!File.Exists(path))
        {
            using var generated = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            // Written aside and moved, so two processes starting at once agree on one key.
            var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            WritePrivately(temporary, generated.ExportPkcs8PrivateKeyPem());
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException)
            {
                File.Delete(temporary);
            }
        }

        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return key;
    }
}
