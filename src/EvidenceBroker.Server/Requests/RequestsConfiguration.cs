using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvidenceBroker.Server.Requests;

internal sealed class EvidenceRequestConfiguration : IEntityTypeConfiguration<EvidenceRequest>
{
    public void Configure(EntityTypeBuilder<EvidenceRequest> builder)
    {
        builder.ToTable("requests");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Reference).HasMaxLength(32);
        builder.HasIndex(r => r.Reference).IsUnique();
        builder.Property(r => r.RequestingCountry).HasMaxLength(2);
        builder.Property(r => r.AgencyId).HasMaxLength(64);
        builder.Property(r => r.ProviderId).HasMaxLength(64);
        builder.Property(r => r.ProviderJurisdiction).HasMaxLength(2);
        builder.Property(r => r.FiledBy).HasMaxLength(200);
        builder.Property(r => r.PolicyVersion).HasMaxLength(80);
        builder.Property(r => r.State).HasConversion<string>().HasMaxLength(40);
        builder.Property(r => r.Outcome).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.Urgency).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.Channel).HasConversion<string>().HasMaxLength(30);
        builder.Property(r => r.Revision).IsConcurrencyToken();
        builder.Property(r => r.Content)
            .HasConversion(
                c => JsonSerializer.Serialize(c, PublicModelJson.Options),
                json => JsonSerializer.Deserialize<RequestContent>(json, PublicModelJson.Options)!)
            .Metadata.SetValueComparer(new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<RequestContent>(
                (a, b) => ReferenceEquals(a, b),
                c => c.GetHashCode(),
                c => c));
        builder.Ignore(r => r.PermittedTriggers);

        // Tenant-scoped listings: an agency's requests, a provider's inbox, both newest first.
        builder.HasIndex(r => new { r.AgencyId, r.FiledAt });
        builder.HasIndex(r => new { r.ProviderId, r.FiledAt });
        builder.HasIndex(r => r.FiledAt);
    }
}

internal sealed class StoredDecisionConfiguration : IEntityTypeConfiguration<StoredDecision>
{
    public void Configure(EntityTypeBuilder<StoredDecision> builder)
    {
        builder.ToTable("decisions");
        builder.HasKey(d => d.RequestId);
        builder.Property(d => d.Outcome).HasConversion<string>().HasMaxLength(20);
        builder.Property(d => d.Channel).HasConversion<string>().HasMaxLength(30);
        builder.Property(d => d.PolicyVersion).HasMaxLength(80);
        builder.HasOne<EvidenceRequest>().WithOne().HasForeignKey<StoredDecision>(d => d.RequestId);

        // A decision is read through its request only (by key). Lists and reports filter on the request's own Outcome
        // and FiledAt, which the requests table indexes, so the decisions table has no index of its own.
    }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_keys");
        builder.HasKey(r => new { r.ClientId, r.Key });
        builder.Property(r => r.ClientId).HasMaxLength(200);
        builder.Property(r => r.Key).HasMaxLength(128);
        builder.Property(r => r.BodyHash).HasMaxLength(64);
        builder.HasIndex(r => r.CreatedAt); // the retention sweep forgets the oldest keys first
    }
}
