using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EvidenceBroker.Server.Exports;

public enum ExportKind
{
    [JsonStringEnumMemberName("oversight-report")] OversightReport,
    [JsonStringEnumMemberName("transparency-report")] TransparencyReport,
    [JsonStringEnumMemberName("audit-trail")] AuditTrail,
}

public enum ExportStatus
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>
/// A report built in the background. The finished file is kept in the database (not on one node's disk), so
/// any broker node can serve the download.
/// </summary>
public sealed class ExportJob
{
    /// <summary>How job parameters are stored: the parameter records as they are, enums by name.</summary>
    public static JsonSerializerOptions ParametersOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public required Guid Id { get; init; }
    public required ExportKind Kind { get; init; }
    public required string ParametersJson { get; init; }
    public required string RequestedBy { get; init; }

    /// <summary>The tenant that asked; only callers of the same tenant see the job.</summary>
    public required string RequestedByTenant { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public ExportStatus Status { get; set; }
    public int Progress { get; set; }
    public string? Stage { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? FileName { get; set; }
    public string? ContentType { get; set; }
    public byte[]? Content { get; set; }
    public string? Error { get; set; }

    /// <summary>The client's Idempotency-Key, if it sent one: the same key and parameters again answer with this job.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>How many times building the report was started; it is given up after <see cref="ExportJobRunner.Retries"/> more.</summary>
    public int Attempts { get; set; }

    /// <summary>
    /// Which attempt is building the report now, if one is: taken before a build starts, so that two deliveries of the
    /// job (on two nodes, or a job queued again) never build it at once. A concurrency token: an attempt that lost its
    /// claim can no longer write.
    /// </summary>
    public Guid? ClaimedBy { get; set; }

    /// <summary>Until when <see cref="ClaimedBy"/> holds: renewed at every stage, so a claim left by a node that died runs out.</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }
}

internal sealed class ExportJobConfiguration : IEntityTypeConfiguration<ExportJob>
{
    public void Configure(EntityTypeBuilder<ExportJob> builder)
    {
        builder.ToTable("export_jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Kind).HasConversion<string>().HasMaxLength(30);
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(j => j.RequestedBy).HasMaxLength(200);
        builder.Property(j => j.RequestedByTenant).HasMaxLength(200);
        builder.Property(j => j.Stage).HasMaxLength(200);
        builder.Property(j => j.FileName).HasMaxLength(200);
        builder.Property(j => j.ContentType).HasMaxLength(100);
        builder.Property(j => j.Error).HasMaxLength(1000);
        builder.HasIndex(j => new { j.RequestedByTenant, j.CreatedAt });
        builder.Property(j => j.IdempotencyKey).HasMaxLength(128);
        builder.Property(j => j.ClaimedBy).IsConcurrencyToken();
        builder.HasIndex(j => new { j.RequestedBy, j.IdempotencyKey }).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
    }
}
