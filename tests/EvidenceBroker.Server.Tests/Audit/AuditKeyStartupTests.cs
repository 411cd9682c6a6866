using System.Net;
using System.Security.Cryptography.X509Certificates;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Audit;

public sealed class AuditKeyStartupTests
{
    private sealed class Production(string folder, string? auditKey) : BrokerFactory
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

    private static string Flatten(Exception error) =>
        error.InnerException is null ? error.Message : error.Message + " | " + Flatten(error.InnerException);
}
