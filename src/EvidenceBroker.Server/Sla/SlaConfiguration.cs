using EvidenceBroker.Domain.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvidenceBroker.Server.Sla;

internal sealed class DeadlineConfiguration : IEntityTypeConfiguration<Deadline>
{
    public void Configure(EntityTypeBuilder<Deadline> builder)
    {
        builder.ToTable("deadlines");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Kind).HasConversion<string>().HasMaxLength(30);
        builder.Property(d => d.Source).HasMaxLength(300);
        builder.HasOne<EvidenceRequest>().WithMany().HasForeignKey(d => d.RequestId);
        builder.HasIndex(d => d.RequestId); // a request's clocks: its page, its inbox entry, its dossier

        // "What must be looked at now" (the SLA sweep) is an index range scan over the deadlines with a mark still
        // ahead, never a scan of every deadline. Nothing lists deadlines across requests by when they fall due, so
        // there is no index on DueAt: it would cost every filing two more index entries that no query reads.
        builder.HasIndex(d => d.NextCheckAt).HasFilter("\"NextCheckAt\" IS NOT NULL").HasDatabaseName("ix_deadlines_next_check");
    }
}
