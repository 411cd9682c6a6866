using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// SQLite: one writer at a time by design (Microsoft.Data.Sqlite begins transactions IMMEDIATE), so the base
/// write transaction already serialises audit appends.
/// </summary>
public sealed class SqliteBrokerDbContext(DbContextOptions<SqliteBrokerDbContext> options) : BrokerDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no date type: store instants as sortable integers so that deadlines can be indexed and compared.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
