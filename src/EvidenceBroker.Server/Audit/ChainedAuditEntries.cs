using System.Collections.Concurrent;
using System.Data.Common;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace EvidenceBroker.Server.Audit;

/// <summary>
/// A change's audit records, given their place in the chain by the write batch that applies the change: there the
/// head is known without asking the database, except by the batch's first change.
/// </summary>
internal sealed class ChainedAuditEntries(
    AuditTrail trail,
    string actorId,
    string actorRole,
    string actorTenant,
    IReadOnlyList<PreparedAuditRecord> records,
    AddedRows.TablePlan table,
    string headSql) : IChainedRows
{
    private static readonly ConcurrentDictionary<IModel, string> HeadSqlByModel = new();

    /// <summary>The newest entry's sequence and hash, in the model's own table and column names.</summary>
    public static string HeadSql(BrokerDbContext db) =>
        HeadSqlByModel.GetOrAdd(db.Model, model =>
        {
            var type = model.FindEntityType(typeof(AuditEntry)) ?? throw new InvalidOperationException("Audit entries are not mapped.");
            var name = type.GetTableName() ?? throw new InvalidOperationException("Audit entries have no table.");
            var store = StoreObjectIdentifier.Table(name, type.GetSchema());
            var sql = db.GetService<ISqlGenerationHelper>();
            var sequence = sql.DelimitIdentifier(type.FindProperty(nameof(AuditEntry.Sequence))!.GetColumnName(store)!);
            var hash = sql.DelimitIdentifier(type.FindProperty(nameof(AuditEntry.Hash))!.GetColumnName(store)!);
            return $"SELECT {sequence}, {hash} FROM {sql.DelimitIdentifier(name, type.GetSchema())} ORDER BY {sequence} DESC LIMIT 1";
        });

    public string HeadQuery => headSql;

    public Task<(long Sequence, string Hash)> ReadHeadAsync(DbDataReader reader) => HeadFromAsync(reader, CancellationToken.None);

    /// <summary>The chain's head in the database (the genesis hash before any entry), read with <see cref="HeadSql"/>.</summary>
    public static async Task<(long Sequence, string Hash)> ReadHeadAsync(
        DbConnection connection, DbTransaction? transaction, string headSql, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = headSql;
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await HeadFromAsync(reader, ct);
    }

    /// <summary>The chain's head from <see cref="HeadSql"/>'s result set: the genesis hash before any entry.</summary>
    private static async Task<(long Sequence, string Hash)> HeadFromAsync(DbDataReader reader, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : (0, AuditHashing.Genesis);
    }

    public (IReadOnlyList<AddedRows.BoundInsert> Rows, (long Sequence, string Hash) Head) Follow(
        (long Sequence, string Hash) head, DbCommand parameterFactory)
    {
        var rows = new AddedRows.BoundInsert[records.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var entry = trail.Link(actorId, actorRole, actorTenant, records[i], head);
            rows[i] = AddedRows.Bind(table, entry, parameterFactory);
            head = (entry.Sequence, entry.Hash);
        }

        return (rows, head);
    }
}
