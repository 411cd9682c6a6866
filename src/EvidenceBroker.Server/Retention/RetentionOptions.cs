using System.ComponentModel.DataAnnotations;

namespace EvidenceBroker.Server.Retention;

/// <summary>Bound from the "Retention" section: how long operational records are kept once they have served.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>
    /// How long an Idempotency-Key is remembered. A retry within this time returns the request the key created; after
    /// it, the key is forgotten and the same key files a new request. Clients retry within minutes, not weeks.
    /// </summary>
    [Range(1, 3650)]
    public int IdempotencyKeyDays { get; set; } = 30;

    /// <summary>
    /// How long a delivered (or deliberately skipped) webhook message is kept. Undelivered and dead messages are kept
    /// until delivered, so an administrator can still see and resend them. Requests, decisions and the audit trail
    /// are never swept: they are the record.
    /// </summary>
    [Range(1, 3650)]
    public int DeliveredWebhookDays { get; set; } = 30;

    /// <summary>Rows deleted per write turn: small enough not to hold up filings behind the sweep.</summary>
    [Range(1, 100_000)]
    public int RowsPerTurn { get; set; } = 1_000;
}
