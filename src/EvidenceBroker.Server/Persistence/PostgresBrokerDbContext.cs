using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// PostgreSQL: several broker nodes write at once, so a write transaction takes a transaction-scoped advisory
/// lock before it reads the audit chain's head; the lock is released at commit or rollback.
/// </summary>
public sealed class PostgresBrokerDbContext(DbContextOptions<PostgresBrokerDbContext> options) : BrokerDbContext(options)
{
    /// <summary>An arbitrary constant naming the audit-chain lock.</summary>
    private const long AuditChainLockKey = 0x45_42_41_55_44_49_54; // "EBAUDIT"

    public override async Task<IDbContextTransaction> BeginWriteAsync(CancellationToken ct)
    {
        var transaction = await Database.BeginTransactionAsync(ct);
        await Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({AuditChainLockKey})", ct);
        return transaction;
    }
}
