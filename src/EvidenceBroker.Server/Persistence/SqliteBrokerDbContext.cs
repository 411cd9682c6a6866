using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// SQLite: one writer at a time by design (Microsoft.Data.Sqlite begins transactions IMMEDIATE), which already
/// serialises audit appends. Writers of this process queue at one <see cref="GroupCommit"/> per database file,
/// which shares each disk flush among the changes queued behind it.
/// </summary>
public sealed class SqliteBrokerDbContext(DbContextOptions<SqliteBrokerDbContext> options) : BrokerDbContext(options)
{
    public override Task<IDbContextTransaction> BeginWriteAsync(CancellationToken ct) =>
        GroupCommit.For(
                Database.GetConnectionString() ?? string.Empty,
                connectionString => new Microsoft.Data.Sqlite.SqliteConnection(connectionString),
                async (connection, token) => await connection.BeginTransactionAsync(token)) // Microsoft.Data.Sqlite: BEGIN IMMEDIATE
            .BeginAsync(this, ct);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no date type: store instants as sortable integers so that deadlines can be indexed and compared.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
