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

        // Each index holds only the rows its query looks for. Every message is written pending, so a filing adds an
        // entry to the pending index alone; the others take a message when it is claimed, delivered or dead.
        builder.HasIndex(m => m.NextAttemptAt).HasFilter("\"DeliveredAt\" IS NULL AND \"DeadAt\" IS NULL")
            .HasDatabaseName("ix_outbox_pending"); // the delivery worker's due messages
        builder.HasIndex(m => m.ClaimToken).HasFilter("\"ClaimToken\" IS NOT NULL")
            .HasDatabaseName("ix_outbox_claimed"); // the messages a delivery pass claimed
        builder.HasIndex(m => m.Id).HasFilter("\"DeadAt\" IS NOT NULL")
            .HasDatabaseName("ix_outbox_dead"); // the administrators' dead letters, newest first
        builder.HasIndex(m => m.DeliveredAt).HasFilter("\"DeliveredAt\" IS NOT NULL")
            .HasDatabaseName("ix_outbox_delivered"); // the retention sweep
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
        builder.Property(s => s.RotationKey).HasMaxLength(128);
    }
}
