using EvidenceBroker.Domain.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvidenceBroker.Server.Mlat;

internal sealed class MlatDraftConfiguration : IEntityTypeConfiguration<MlatDraft>
{
    public void Configure(EntityTypeBuilder<MlatDraft> builder)
    {
        builder.ToTable("mlat_drafts");
        builder.HasKey(d => d.RequestId);
        builder.Property(d => d.Reference).HasMaxLength(32);
        builder.Property(d => d.RequestingState).HasMaxLength(2);
        builder.Property(d => d.RequestedState).HasMaxLength(2);
        builder.Property(d => d.RequestingCentralAuthority).HasMaxLength(300);
        builder.Property(d => d.RequestedCentralAuthority).HasMaxLength(300);
        builder.Property(d => d.TreatyBasis).HasMaxLength(500);
        builder.Property(d => d.IssuingAuthority).HasMaxLength(600); // two authorities of up to 200 characters each, with their types
        builder.Property(d => d.State).HasConversion<string>().HasMaxLength(30);
        builder.Ignore(d => d.PermittedTriggers);
        builder.HasOne<EvidenceRequest>().WithOne().HasForeignKey<MlatDraft>(d => d.RequestId);
        builder.HasIndex(d => new { d.State, d.DraftedAt });
    }
}
