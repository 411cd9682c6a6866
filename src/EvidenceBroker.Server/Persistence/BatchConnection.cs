using System.Data;
using System.Data.Common;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// Where a node's write batches get their connection. Batches follow one another all day, each one transaction on one
/// connection. Taken from Npgsql's pool each time, a batch lands on whichever pooled connection has waited longest (the
/// pool hands them out in turn), so PostgreSQL ran each batch in a backend process that had sat idle while the others
/// worked, and the batch first sent the statements with which Npgsql resets a pooled connection. Kept from one batch to
/// the next, every batch runs in the same backend: in the intake benchmark at 16 in flight PostgreSQL's CPU per filing
/// fell from 0.34–0.35 to 0.19–0.27 ms, and the filing from 676–689 to 504–635 µs (docs/throughput.md, sixteenth
/// session). On SQLite the kept connection keeps the insert statements it compiled (<see cref="AddedRows"/>). A
/// connection is kept only after a batch that committed, and for at most <see cref="IdleLimit"/> unused, so that a
/// quiet node does not hold on to a connection the server or the network may have dropped meanwhile. It goes back to
/// the pool once it has served batches for <see cref="HoldLimit"/>, where Npgsql applies the operator's
/// <c>Connection Lifetime</c>, if one is set. Only the writer holding the turn calls it, so it takes no lock.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "One per database for the life of the process; a kept connection is closed when it goes stale, or with the process.")]
internal sealed class BatchConnection(string connectionString, Func<string, DbConnection> connect, TimeProvider time)
{
    /// <summary>How long a kept connection may wait unused before the next batch takes a fresh one instead.</summary>
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(30);

    /// <summary>How long one connection serves batches before it goes back to the pool and the next batch opens another.</summary>
    public static readonly TimeSpan HoldLimit = TimeSpan.FromMinutes(5);

    private DbConnection? kept;
    private long keptAt;
    private long heldSince; // when the connection handed out last was taken from the pool

    /// <summary>An open connection for the next batch: the one kept from the last batch if it is still open and fresh.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var warm = kept;
        kept = null;
        if (warm is not null)
        {
            if (warm.State == ConnectionState.Open && time.GetElapsedTime(keptAt) <= IdleLimit)
            {
                return warm;
            }

            await warm.DisposeAsync();
        }

        var opened = connect(connectionString);
        try
        {
            await opened.OpenAsync(ct);
            heldSince = time.GetTimestamp();
            return opened;
        }
        catch
        {
            await opened.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Takes back a batch's connection once its transaction is over: kept for the next batch if the batch committed,
    /// closed (back to the pool) otherwise, since after a failure nobody knows the state of the connection, or once it
    /// has been held for <see cref="HoldLimit"/>.
    /// </summary>
    public async Task ReturnAsync(DbConnection connection, bool committed)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (committed && connection.State == ConnectionState.Open && time.GetElapsedTime(heldSince) < HoldLimit)
        {
            if (kept is not null && !ReferenceEquals(kept, connection))
            {
                await kept.DisposeAsync();
            }

            kept = connection;
            keptAt = time.GetTimestamp();
            return;
        }

        await connection.DisposeAsync();
    }
}
