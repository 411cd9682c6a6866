using System.Security.Cryptography;

namespace EvidenceBroker.Server.Tests.Audit;

/// <summary>Writes an ECDSA P-256 key as PEM, as an operator would configure for Audit:SigningKeyPath.</summary>
public static class AuditKeyFile
{
    public static string Write(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(folder, "audit-signing-key.pem");
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        return path;
    }
}
