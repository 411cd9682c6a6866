using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Audit;

public sealed class AuditKeyStartupTests
{
    private sealed class Production(string folder, string? auditKey, string? previousPublicKey = null) : BrokerFactory
    {
        protected override string Environment => "Production";

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Auth:SigningCertificatePath", TestCertificates.Write(folder, "signing.pfx", X509KeyUsageFlags.DigitalSignature)),
            new("Auth:SigningCertificatePassword", TestCertificates.Password),
            new("Auth:EncryptionCertificatePath", TestCertificates.Write(folder, "encryption.pfx", X509KeyUsageFlags.KeyEncipherment)),
            new("Auth:EncryptionCertificatePassword", TestCertificates.Password),
            new("Auth:AllowHttp", "true"),
            new("Audit:SigningKeyPath", auditKey),
            .. previousPublicKey is null ? [] : new KeyValuePair<string, string?>[] { new("Audit:PreviousPublicKeyPaths:0", previousPublicKey) },
        ];
    }

    [Fact]
    public void Outside_development_the_broker_refuses_to_start_without_an_audit_signing_key()
    {
        using var broker = new Production(Directory.CreateTempSubdirectory("eb-audit-").FullName, null);

        var error = Assert.ThrowsAny<Exception>(() => broker.CreateClient());

        Assert.Contains("without an audit signing key", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_the_broker_starts_with_a_configured_pem_key()
    {
        var folder = Directory.CreateTempSubdirectory("eb-audit-").FullName;
        using var broker = new Production(folder, AuditKeyFile.Write(folder));
        using var client = broker.CreateClient();

        using var live = await client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Theory]
    [InlineData("public-only", "cannot sign")]
    [InlineData("p-384", "P-256 curve")]
    public void Outside_development_the_broker_refuses_to_start_with_a_key_it_cannot_sign_checkpoints_with(string kind, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("eb-audit-").FullName;
        var path = Path.Combine(folder, $"{kind}.pem");
        using (var key = ECDsa.Create(kind == "p-384" ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(path, kind == "public-only" ? key.ExportSubjectPublicKeyInfoPem() : key.ExportPkcs8PrivateKeyPem());
        }

        using var broker = new Production(folder, path);

        var error = Assert.ThrowsAny<Exception>(() => broker.CreateClient());

        Assert.Contains(expected, Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_public_keys_of_previous_audit_keys_are_loaded_and_one_on_another_curve_is_refused()
    {
        var folder = Directory.CreateTempSubdirectory("eb-audit-").FullName;
        var previous = Path.Combine(folder, "previous.pem");
        var wrongCurve = Path.Combine(folder, "previous-p384.pem");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(previous, key.ExportSubjectPublicKeyInfoPem());
        }

        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP384))
        {
            File.WriteAllText(wrongCurve, key.ExportSubjectPublicKeyInfoPem());
        }

        using (var broker = new Production(folder, AuditKeyFile.Write(folder), previous))
        {
            using var client = broker.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        }

        using var refused = new Production(folder, AuditKeyFile.Write(folder), wrongCurve);
        var error = Assert.ThrowsAny<Exception>(() => refused.CreateClient());
        Assert.Contains("previous audit key must be on the P-256 curve", Flatten(error), StringComparison.Ordinal);
    }

    private static string Flatten(Exception error) =>
        error.InnerException is null ? error.Message : error.Message + " | " + Flatten(error.InnerException);
}
