using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvidenceBroker.Server.Routing;

internal sealed class PolicyPackVersionConfiguration : IEntityTypeConfiguration<PolicyPackVersion>
{
    public void Configure(EntityTypeBuilder<PolicyPackVersion> builder)
    {
        builder.ToTable("policy_packs");
        builder.HasKey(p => p.Version);
        builder.Property(p => p.Version).HasMaxLength(80);
        builder.Property(p => p.Label).HasMaxLength(80);
        builder.Property(p => p.StoredBy).HasMaxLength(200);
        builder.Property(p => p.ActivatedBy).HasMaxLength(200);
    }
}

internal sealed class CountrySuspensionConfiguration : IEntityTypeConfiguration<CountrySuspension>
{
    public void Configure(EntityTypeBuilder<CountrySuspension> builder)
    {
        builder.ToTable("country_suspensions");
        builder.HasKey(s => s.Country);
        builder.Property(s => s.Country).HasMaxLength(2);
        builder.Property(s => s.Reason).HasMaxLength(2000);
        builder.Property(s => s.SuspendedBy).HasMaxLength(200);
    }
}
