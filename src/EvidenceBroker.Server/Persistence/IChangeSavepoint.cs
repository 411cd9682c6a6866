namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// The savepoint that lets one change in a shared write batch fail without failing the others. A change begun with
/// <see cref="BrokerDbContext.BeginInsertingWriteAsync"/> on a database that takes statement batches (PostgreSQL)
/// has it made by its insert batch, whose first statement is the SAVEPOINT and whose last is its RELEASE: the change
/// then costs the writers' turn one round trip instead of three.
/// </summary>
internal interface IChangeSavepoint
{
    /// <summary>
    /// True when the savepoint is yet to be made: the caller puts SAVEPOINT first in its batch. From then on the
    /// change counts as having one, so a failed batch is rolled back to it (and if the SAVEPOINT itself failed, that
    /// rollback fails too, and with it the whole write batch: nothing is acknowledged that was not kept).
    /// </summary>
    bool TakePending();

    /// <summary>The caller's batch ended with RELEASE and succeeded: there is nothing left to release at commit.</summary>
    void Released();
}
