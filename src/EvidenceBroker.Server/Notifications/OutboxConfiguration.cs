using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvidenceBroker.Server.Notifications;

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Topic).HasMaxLength(80);
        builder.Property(m => m.Recipient).HasMaxLength(100);
        builder.Property(m => m.LastError).HasMaxLength(2000);
        builder.Property(m => m.SkippedReason).HasMaxLength(200);
        builder.HasIndex(m => new { m.DeliveredAt, m.DeadAt, m.NextAttemptAt });
        builder.HasIndex(m => m.ClaimToken);
        builder.HasIndex(m => m.DeadAt);
    }
}

internal sealed class WebhookSecretConfiguration : IEntityTypeConfiguration<WebhookSecret>
{
    public void Configure(EntityTypeBuilder<WebhookSecret> builder)
    {
        builder.ToTable("webhook_secrets");
        builder.HasKey(s => s.Recipient);
        builder.Property(s => s.Recipient).HasMaxLength(100);
        builder.Property(s => s.Secret).HasMaxLength(500); // sealed: see WebhookSecretVault
        builder.Property(s => s.PreviousSecret).HasMaxLength(500);
    }
}
