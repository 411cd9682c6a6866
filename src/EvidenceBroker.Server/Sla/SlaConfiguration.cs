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
        builder.HasIndex(d => d.RequestId); // a request's clocks: its pages, the provider inbox, SlaClock

        // "What falls due in the next hour" and "what must be looked at now" (the SLA sweep) are index range scans
        // over open deadlines only, never a scan of every deadline (issue 5: ≤ 100 ms among 1,000,000 open requests).
        builder.HasIndex(d => d.DueAt).HasFilter("\"CompletedAt\" IS NULL").HasDatabaseName("ix_deadlines_open_due");
        builder.HasIndex(d => d.NextCheckAt).HasFilter("\"NextCheckAt\" IS NOT NULL").HasDatabaseName("ix_deadlines_next_check");
    }
}
