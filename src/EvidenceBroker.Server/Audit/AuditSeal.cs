using System.Data.Common;
using System.Globalization;
using System.Text;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvidenceBroker.Server.Audit;

/// <summary>
/// The broker's signature over the entries one write batch appended, <see cref="FirstSequence"/> to
/// <see cref="LastSequence"/>, written in the batch's own transaction. The hash chain shows that nothing was changed
/// or removed; it cannot show who wrote an entry, as its hashes take no secret. Someone able to write to the database
/// could add well-formed entries after the head. They could not seal them: the key is not in the database. So an
/// entry that no seal covers was not written by the broker.
/// </summary>
public sealed class AuditSeal
{
    public required long LastSequence { get; init; }
    public required long FirstSequence { get; init; }

    /// <summary>The hash of entry <see cref="LastSequence"/>, which through the chain fixes every entry before it.</summary>
    public required string LastHash { get; init; }

    public required string KeyId { get; init; }

    /// <summary>Base64 of the IEEE P1363 ECDSA P-256 signature over <see cref="SignedMessage"/>.</summary>
    public required string Signature { get; init; }

    /// <summary>What is signed. Changing this breaks every stored seal.</summary>
    public static byte[] SignedMessage(long firstSequence, long lastSequence, string lastHash) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"evidence-broker audit seal v1\n{firstSequence}\n{lastSequence}\n{lastHash}\n"));

    public bool SignatureValid(AuditSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Verify(KeyId, SignedMessage(FirstSequence, LastSequence, LastHash), Signature);
    }
}

/// <summary>Seals a write batch's entries with the broker's audit key, as one more row of the batch.</summary>
internal sealed class BatchSeal(AuditSigningKey key, AddedRows.TablePlan table)
{
    /// <summary>The sealer of <paramref name="db"/>'s database, or null where the broker's key is not at hand (tools, some tests).</summary>
    public static BatchSeal? For(BrokerDbContext db, AuditSigningKey? key) =>
        key is not null && AddedRows.TableFor(db, typeof(AuditSeal)) is { } table ? new BatchSeal(key, table) : null;

    /// <summary>The seal over entries <paramref name="firstSequence"/> to <paramref name="last"/>, bound for the batch's connection.</summary>
    public AddedRows.BoundInsert Bind(long firstSequence, (long Sequence, string Hash) last, DbCommand parameterFactory) =>
        AddedRows.Bind(table, new AuditSeal
        {
            FirstSequence = firstSequence,
            LastSequence = last.Sequence,
            LastHash = last.Hash,
            KeyId = key.KeyId,
            Signature = key.Sign(AuditSeal.SignedMessage(firstSequence, last.Sequence, last.Hash)),
        }, parameterFactory);
}

internal sealed class AuditSealConfiguration : IEntityTypeConfiguration<AuditSeal>
{
    public void Configure(EntityTypeBuilder<AuditSeal> builder)
    {
        builder.ToTable("audit_seals");
        builder.HasKey(s => s.LastSequence);
        builder.Property(s => s.LastSequence).ValueGeneratedNever();
        builder.Property(s => s.LastHash).HasMaxLength(64);
        builder.Property(s => s.KeyId).HasMaxLength(32);
        builder.Property(s => s.Signature).HasMaxLength(200);
    }
}
