using System.Security.Cryptography.X509Certificates;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace EvidenceBroker.Server.Hosting;

/// <summary>
/// Data-protection keys (Identity's tokens, antiforgery, cookies) kept in the broker's database, so that what one
/// node protects every other node can read and a restarted node keeps its keys. Always on, with SQLite too: a
/// single node then survives restarts the same way, and there is one code path to test.
/// </summary>
public static class SharedDataProtection
{
    /// <summary>Every node must use the same name: it isolates the keys' purpose from other applications.</summary>
    public const string ApplicationName = "EvidenceBroker";

    public static IServiceCollection AddBrokerDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<BrokerDbContext>();
        return services;
    }

    /// <summary>
    /// Encrypts the keys at rest with <paramref name="certificate"/> (its RSA key; every node has the same PFX). The
    /// keys sit in the database beside what they protect (webhook secrets, authenticator keys, Identity's tokens), so without this a copy
    /// of the database alone would open them. The certificate itself is handed to the decryptor, because on Linux the
    /// default one looks only in the machine's certificate store. Keys encrypted with a certificate it replaced are read
    /// with that one, from <paramref name="previous"/>.
    /// </summary>
    public static IServiceCollection ProtectDataProtectionKeysWith(
        this IServiceCollection services, X509Certificate2 certificate, IReadOnlyCollection<X509Certificate2> previous)
    {
        services.AddDataProtection()
            .ProtectKeysWithCertificate(certificate)
            .UnprotectKeysWithAnyCertificate([certificate, .. previous]);
        return services;
    }
}
