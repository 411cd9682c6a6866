using System.Data.Common;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// A change that only inserts, handed to the write batch whole (<see cref="GroupCommit.SubmitAsync"/>): its rows, bound
/// before the writers' turn, and the audit entries that get their place in the chain inside it. The batch's writer
/// applies submitted changes one after another without handing the turn from writer to writer.
/// </summary>
internal sealed class SubmittedChange(IReadOnlyList<AddedRows.BoundInsert> rows, IChainedRows chained, ChangePrecondition? precondition = null)
{
    /// <summary>Parents before children, so every foreign key finds its row.</summary>
    public IReadOnlyList<AddedRows.BoundInsert> Rows { get; } = rows;

    public IChainedRows Chained { get; } = chained;

    /// <summary>The state the change was prepared under, which must still hold in its turn; null if none.</summary>
    public ChangePrecondition? Precondition { get; } = precondition;

    /// <summary>Completes once the batch holding the change is on disk; fails if the change or its batch failed.</summary>
    public TaskCompletionSource Durable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Rows that extend the audit chain, made only once the chain's head is known.</summary>
internal interface IChainedRows
{
    /// <summary>The query for the chain's head as the database holds it, for a batch that has not read or moved it yet.</summary>
    string HeadQuery { get; }

    /// <summary>The head, from <see cref="HeadQuery"/>'s result set.</summary>
    Task<(long Sequence, string Hash)> ReadHeadAsync(DbDataReader reader);

    /// <summary>The entries that follow <paramref name="head"/>, bound for insertion, and the head they leave.</summary>
    /// <param name="parameterFactory">A command of the batch's connection, through which parameters are made.</param>
    (IReadOnlyList<AddedRows.BoundInsert> Rows, (long Sequence, string Hash) Head) Follow(
        (long Sequence, string Hash) head, DbCommand parameterFactory);
}

/// <summary>
/// State that many changes are prepared under and that writers change (such as the policy in force). The write batch
/// reads it inside its turn, where no writer on any node can change it, once for every change of the turn.
/// </summary>
internal interface ITurnState
{
    /// <summary>The query that reads the state: no parameters, one result set.</summary>
    string Query { get; }

    /// <summary>The state, from <see cref="Query"/>'s result set; compared with <see cref="object.Equals(object?)"/>.</summary>
    Task<object> ReadAsync(DbDataReader reader);

    /// <summary>
    /// A condition that holds while the state still reads as <paramref name="expected"/>, for the database to check in
    /// a batch's round trip (<see cref="RoundTripGuard"/>); null where it cannot (SQLite, which has no round trips).
    /// </summary>
    RoundTripGuard? Guard(object expected);
}

/// <summary>A change is applied only while <paramref name="State"/> still reads as <paramref name="Expected"/>.</summary>
internal sealed record ChangePrecondition(ITurnState State, object Expected);

/// <summary>
/// The state a submitted change was prepared under had changed by its turn, so the change was not applied and left
/// no trace. It should be prepared again under the state as it is now.
/// </summary>
internal sealed class StaleChangeException(string message) : Exception(message);
