using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>Self-signed PFX files (password "test") for brokers started outside Development.</summary>
public static class TestCertificates
{
    public const string Password = "test";

    /// <summary>
    /// Writes a certificate valid from a year before <see cref="BrokerFactory.Start"/> to a year after today: the
    /// broker checks validity against its own clock, which in tests stands still at that start while the real one
    /// moves on. A file already there is kept, so settings read twice name the same certificate.
    /// </summary>
    public static string Write(string folder, string name, X509KeyUsageFlags usage)
    {
        var path = Path.Combine(folder, name);
        if (File.Exists(path))
        {
            return path;
        }

        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=Evidence Broker test {name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        using var certificate = request.CreateSelfSigned(BrokerFactory.Start.AddYears(-1), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return path;
    }
}
