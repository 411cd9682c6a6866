namespace EvidenceBroker.Server.Requests;

/// <summary>
/// Remembers an Idempotency-Key per client, with a hash of the body it came with, so a retry returns the
/// request it created and a different body under the same key is refused. Written in the intake transaction, and in
/// the transaction of a webhook endpoint's change, which sets no request (<see cref="RequestId"/> empty).
/// </summary>
public sealed class IdempotencyRecord
{
    public required string ClientId { get; init; }
    public required string Key { get; init; }
    public required string BodyHash { get; init; }
    public required Guid RequestId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}
