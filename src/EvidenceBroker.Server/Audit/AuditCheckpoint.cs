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

    /// <summary>Base64 of the IEEE P1363 signature over <see cref="Message"/>.</summary>
    public required string Signature { get; init; }

    /// <summary>
    /// Set when the broker, before signing, found every entry from here up to <see cref="Sequence"/> under a valid
    /// <see cref="AuditSeal"/>: the checkpoint then also vouches that the broker wrote them, and verification need not
    /// check those seals again. Null in a checkpoint of the first version, and in one signed over entries no seal
    /// covers (it still shows a cut-off tail).
    /// </summary>
    public long? SealedFrom { get; init; }

    /// <summary>What this checkpoint's signature covers: <see cref="SignedMessage(long, string, DateTimeOffset)"/>, or its second version when it vouches for seals.</summary>
    public byte[] Message() => MessageFor(Sequence, HeadHash, At, SealedFrom);

    /// <summary>Whether <paramref name="key"/> (or a previous key it lists) signed this checkpoint; false for a key it does not know.</summary>
    public bool SignatureValid(AuditSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Verify(KeyId, Message(), Signature);
    }

    /// <summary>What a checkpoint with these fields signs: the second version when it vouches for seals, else the first.</summary>
    public static byte[] MessageFor(long sequence, string headHash, DateTimeOffset at, long? sealedFrom) =>
        sealedFrom is { } from ? SignedMessage(sequence, headHash, at, from) : SignedMessage(sequence, headHash, at);

    /// <summary>What is signed. Changing this breaks every stored checkpoint.</summary>
    public static byte[] SignedMessage(long sequence, string headHash, DateTimeOffset at) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"evidence-broker audit checkpoint v1\n{sequence}\n{headHash}\n{SignedTime(at)}\n"));

    /// <summary>The second version, with the entry from which every entry was found sealed. Changing this breaks every stored checkpoint.</summary>
    public static byte[] SignedMessage(long sequence, string headHash, DateTimeOffset at, long sealedFrom) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"evidence-broker audit checkpoint v2\n{sequence}\n{headHash}\n{SignedTime(at)}\n{sealedFrom}\n"));

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
