namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// The audit chain's head as known to the open write batch: where the changes committed in it so far, and the
/// change under way, have left it. Valid only while the batch holds the chain (SQLite's write lock, PostgreSQL's
/// advisory lock), which is why only the batch hands it out.
/// </summary>
internal interface IAuditChainCursor
{
    /// <summary>Null until an appender in this batch has read or moved the head.</summary>
    (long Sequence, string Hash)? Head { get; }

    /// <summary>
    /// The first entry the open batch appended, if any: it and those after it are sealed when the batch commits
    /// (<see cref="Audit.AuditSeal"/>), in the same transaction as whatever the change under way writes.
    /// </summary>
    long? UnsealedFrom { get; }

    void Appended(long sequence, string hash);
}
