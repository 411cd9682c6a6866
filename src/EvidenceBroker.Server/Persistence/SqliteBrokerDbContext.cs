using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// SQLite: one writer at a time by design (Microsoft.Data.Sqlite begins transactions IMMEDIATE), which already
/// serialises audit appends. Writers of this process queue at one <see cref="GroupCommit"/> per database file,
/// which shares each disk flush among the changes queued behind it. Its batches follow one another on one connection,
/// which keeps the insert statements it compiled. Taken from the pool each time, every batch compiled its inserts
/// anew, and at 16 filings in flight a batch holds only about four (docs/throughput.md, seventeenth session).
/// </summary>
public sealed class SqliteBrokerDbContext(DbContextOptions<SqliteBrokerDbContext> options) : BrokerDbContext(options)
{
    public override Task<IDbContextTransaction> BeginWriteAsync(CancellationToken ct) => WriteBatch.BeginAsync(this, ct);

    private protected override GroupCommit WriteBatch =>
        GroupCommit.For(
            BatchKey,
            ConnectWithTempStoreInMemory,
            BatchSeal,
            WriteBatchLog);

    /// <summary>
    /// A connection for write batches that keeps savepoint journals in memory once open: every change of a batch has its
    /// own savepoint, and SQLite would otherwise write the original of each page a change touches to a temporary file,
    /// which cost more than the batch's own disk write. Nothing durable depends on those journals: they only serve
    /// rolling one change back while the batch is open. The setting lasts as long as the connection, which batches keep
    /// from one to the next (<see cref="BatchConnection"/>), so it is made when the connection opens, not per batch. A
    /// writer's context gets a connection of this kind back after its turn too; there the setting costs one statement if
    /// that context opens it again, and changes nothing else.
    /// </summary>
    internal static Microsoft.Data.Sqlite.SqliteConnection ConnectWithTempStoreInMemory(string connectionString)
    {
        var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
        connection.StateChange += (_, change) =>
        {
            if (change.CurrentState == System.Data.ConnectionState.Open)
            {
                using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA temp_store = MEMORY";
                pragma.ExecuteNonQuery();
            }
        };
        return connection;
    }

    /// <summary>SQLITE_CONSTRAINT_UNIQUE or SQLITE_CONSTRAINT_PRIMARYKEY.</summary>
    public override bool IsUniqueViolation(DbUpdateException exception) =>
        exception?.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: 2067 or 1555 };

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no date type: store instants as sortable integers so that deadlines can be indexed and compared.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
