using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// SQLite: one writer at a time by design (Microsoft.Data.Sqlite begins transactions IMMEDIATE), which already
/// serialises audit appends. Writers of this process also queue at an in-process gate per database file, so they
/// wait in order instead of retrying against the busy lock.
/// </summary>
public sealed class SqliteBrokerDbContext(DbContextOptions<SqliteBrokerDbContext> options) : BrokerDbContext(options)
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WriterGates = new(StringComparer.Ordinal);

    public override async Task<IDbContextTransaction> BeginWriteAsync(CancellationToken ct)
    {
        var gate = WriterGates.GetOrAdd(Database.GetConnectionString() ?? string.Empty, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            return new GatedTransaction(await Database.BeginTransactionAsync(ct), gate);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no date type: store instants as sortable integers so that deadlines can be indexed and compared.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
