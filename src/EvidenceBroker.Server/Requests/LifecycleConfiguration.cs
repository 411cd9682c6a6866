using EvidenceBroker.Domain.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvidenceBroker.Server.Requests;

internal sealed class ClarificationConfiguration : IEntityTypeConfiguration<Clarification>
{
    public void Configure(EntityTypeBuilder<Clarification> builder)
    {
        builder.ToTable("clarifications");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.AskedBy).HasMaxLength(200);
        builder.Property(c => c.AnsweredBy).HasMaxLength(200);
        builder.Property(c => c.Question).HasMaxLength(RequestContentValidator.MaxTextLength);
        builder.Property(c => c.Answer).HasMaxLength(RequestContentValidator.MaxTextLength);
        builder.HasOne<EvidenceRequest>().WithMany().HasForeignKey(c => c.RequestId);
        builder.HasIndex(c => c.RequestId);
    }
}

internal sealed class ProductionConfiguration : IEntityTypeConfiguration<Production>
{
    public void Configure(EntityTypeBuilder<Production> builder)
    {
        builder.ToTable("productions");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.FileName).HasMaxLength(255);
        builder.Property(p => p.ContentType).HasMaxLength(100);
        builder.Property(p => p.Sha256).HasMaxLength(64);
        builder.Property(p => p.StoredPath).HasMaxLength(300);
        builder.Property(p => p.UploadedBy).HasMaxLength(200);
        builder.HasOne<EvidenceRequest>().WithMany().HasForeignKey(p => p.RequestId);
        builder.HasIndex(p => p.RequestId);
    }
}

internal sealed class RequestNoteConfiguration : IEntityTypeConfiguration<RequestNote>
{
    public void Configure(EntityTypeBuilder<RequestNote> builder)
    {
        builder.ToTable("request_notes");
        builder.HasKey(n => n.Id);
        builder.Property(n => n.Kind).HasMaxLength(40);
        builder.Property(n => n.Author).HasMaxLength(200);
        builder.Property(n => n.AuthorRole).HasMaxLength(40);
        builder.Property(n => n.Grounds).HasMaxLength(500);
        builder.Property(n => n.Text).HasMaxLength(RequestContentValidator.MaxTextLength);
        builder.HasOne<EvidenceRequest>().WithMany().HasForeignKey(n => n.RequestId);
        builder.HasIndex(n => n.RequestId);
    }
}
