namespace EvidenceBroker.Server.Notifications;

/// <summary>
/// A notification waiting to leave the broker, written in the same transaction as the change it announces so
/// that nothing acknowledged is ever lost; a background worker delivers it at least once.
/// </summary>
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
    public string? LastError { get; set; }
}
