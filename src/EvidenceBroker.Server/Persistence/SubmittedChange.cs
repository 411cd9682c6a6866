using System.Data.Common;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// A change that only inserts, handed to the write batch whole (<see cref="GroupCommit.SubmitAsync"/>): its rows, bound
/// before the writers' turn, and the audit entries that get their place in the chain inside it. The batch's writer
/// applies submitted changes one after another without handing the turn from writer to writer.
/// </summary>
internal sealed class SubmittedChange(IReadOnlyList<AddedRows.BoundInsert> rows, IChainedRows chained)
{
    /// <summary>Parents before children, so every foreign key finds its row.</summary>
    public IReadOnlyList<AddedRows.BoundInsert> Rows { get; } = rows;

    public IChainedRows Chained { get; } = chained;

    /// <summary>Completes once the batch holding the change is on disk; fails if the change or its batch failed.</summary>
    public TaskCompletionSource Durable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Rows that extend the audit chain, made only once the chain's head is known.</summary>
internal interface IChainedRows
{
    /// <summary>The chain's head as the database holds it, for a batch that has not read or moved it yet.</summary>
    Task<(long Sequence, string Hash)> ReadHeadAsync(DbConnection connection, DbTransaction transaction);

    /// <summary>The entries that follow <paramref name="head"/>, bound for insertion, and the head they leave.</summary>
    /// <param name="parameterFactory">A command of the batch's connection, through which parameters are made.</param>
    (IReadOnlyList<AddedRows.BoundInsert> Rows, (long Sequence, string Hash) Head) Follow(
        (long Sequence, string Hash) head, DbCommand parameterFactory);
}
