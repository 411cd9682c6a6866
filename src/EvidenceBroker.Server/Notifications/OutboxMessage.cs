namespace EvidenceBroker.Server.Notifications;

/// <summary>
/// A notification waiting to leave the broker, written in the same transaction as the change it announces so
/// that nothing acknowledged is ever lost; <see cref="WebhookDelivery"/> delivers it at least once.
/// </summary>
/// <remarks>
/// States: pending (neither <see cref="DeliveredAt"/> nor <see cref="DeadAt"/>), delivered (<see cref="DeliveredAt"/>
/// set and <see cref="SkippedReason"/> null), skipped (<see cref="DeliveredAt"/> and <see cref="SkippedReason"/> set:
/// the recipient registered no webhook URL, so there was nowhere to send it), dead (<see cref="DeadAt"/> set: every
/// attempt failed; an administrator may re-queue it).
/// </remarks>
public sealed class OutboxMessage
{
    public required Guid Id { get; init; }

    /// <summary>e.g. request.routed, request.decided.</summary>
    public required string Topic { get; init; }

    /// <summary>agency:&lt;id&gt; or provider:&lt;id&gt;.</summary>
    public required string Recipient { get; init; }

    public Guid? RequestId { get; init; }
    public required string PayloadJson { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? DeadAt { get; set; }

    /// <summary>When an administrator last put this dead letter back in the queue; its retries count from here.</summary>
    public DateTimeOffset? RequeuedAt { get; set; }

    /// <summary>Why the last attempt failed, short and free of secrets and URLs (e.g. "HTTP 503 Service Unavailable").</summary>
    public string? LastError { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }

    /// <summary>Set with <see cref="DeliveredAt"/> when the message was settled without sending it.</summary>
    public string? SkippedReason { get; set; }

    /// <summary>
    /// The delivery pass that holds the message until <see cref="ClaimExpiresAt"/>. Another pass (on this node or
    /// another) takes it only after the lease expires, so a crashed node delays a message but never loses it.
    /// </summary>
    public Guid? ClaimToken { get; set; }

    public DateTimeOffset? ClaimExpiresAt { get; set; }
}
