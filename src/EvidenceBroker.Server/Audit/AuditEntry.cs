namespace EvidenceBroker.Server.Audit;

/// <summary>
/// One link of the append-only, hash-chained audit trail. <see cref="Hash"/> covers every other field through
/// <see cref="AuditHashing.Canonical"/> and the previous entry's hash, so changing, removing or reordering an
/// entry breaks the chain at that point.
/// </summary>
public sealed class AuditEntry
{
    public required long Sequence { get; init; }
    public required DateTimeOffset At { get; init; }
    public required string ActorId { get; init; }
    public required string ActorRole { get; init; }
    public required string ActorTenant { get; init; }
    public required string Action { get; init; }
    public required string SubjectType { get; init; }
    public required string SubjectId { get; init; }
    public string? StateBefore { get; init; }
    public string? StateAfter { get; init; }
    public string? PolicyVersion { get; init; }
    public required string PayloadJson { get; init; }
    public required string PayloadHash { get; init; }
    public required string PreviousHash { get; init; }
    public required string Hash { get; init; }
}
