using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvidenceBroker.Server.Audit;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.HasKey(e => e.Sequence);
        builder.Property(e => e.Sequence).ValueGeneratedNever();
        builder.Property(e => e.ActorId).HasMaxLength(200);
        builder.Property(e => e.ActorRole).HasMaxLength(40);
        builder.Property(e => e.ActorTenant).HasMaxLength(200);
        builder.Property(e => e.Action).HasMaxLength(80);
        builder.Property(e => e.SubjectType).HasMaxLength(40);
        builder.Property(e => e.SubjectId).HasMaxLength(80);
        builder.Property(e => e.StateBefore).HasMaxLength(40);
        builder.Property(e => e.StateAfter).HasMaxLength(40);
        builder.Property(e => e.PolicyVersion).HasMaxLength(80);
        builder.Property(e => e.PayloadHash).HasMaxLength(64);
        builder.Property(e => e.PreviousHash).HasMaxLength(64);
        builder.Property(e => e.Hash).HasMaxLength(64);
        builder.HasIndex(e => new { e.SubjectType, e.SubjectId });
    }
}
