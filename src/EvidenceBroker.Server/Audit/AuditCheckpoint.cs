using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvidenceBroker.Server.Audit;

/// <summary>
/// A signed statement "the chain had <see cref="Sequence"/> entries ending in <see cref="HeadHash"/> at
/// <see cref="At"/>". The hash chain alone cannot show that its tail was cut off (the shorter chain is still
/// valid); a checkpoint signed with a key the database does not hold can.
/// </summary>
public sealed class AuditCheckpoint
{
    public const string EcdsaP256Sha256 = "ECDSA-P256-SHA256";

    public long Id { get; init; }
    public required long Sequence { get; init; }
    public required string HeadHash { get; init; }
    public required DateTimeOffset At { get; init; }
    public required string KeyId { get; init; }
    public required string Algorithm { get; init; }

    /// <summary>Base64 of the IEEE P1363 signature over <see cref="SignedMessage"/>.</summary>
    public required string Signature { get; init; }

    /// <summary>What is signed. Changing this breaks every stored checkpoint.</summary>
    public static byte[] SignedMessage(long sequence, string headHash, DateTimeOffset at) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"evidence-broker audit checkpoint v1\n{sequence}\n{headHash}\n{SignedTime(at)}\n"));

    /// <summary>The signing time exactly as it is signed, so a reader of an export can check the signature.</summary>
    public static string SignedTime(DateTimeOffset at) =>
        AuditHashing.Normalise(at).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
}

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> builder)
    {
        builder.ToTable("audit_checkpoints");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.HeadHash).HasMaxLength(64);
        builder.Property(c => c.KeyId).HasMaxLength(32);
        builder.Property(c => c.Algorithm).HasMaxLength(40);
        builder.Property(c => c.Signature).HasMaxLength(200);
        builder.HasIndex(c => c.Sequence);
    }
}
