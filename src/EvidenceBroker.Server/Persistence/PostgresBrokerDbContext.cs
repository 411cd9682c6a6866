using EvidenceBroker.Server.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// PostgreSQL: several broker nodes write at once, so a write transaction takes a transaction-scoped advisory
/// lock before it reads the audit chain's head; the lock is released at commit or rollback. Within a node, writers
/// share that transaction through the <see cref="GroupCommit"/>, so one lock and one flush serve many changes.
/// </summary>
public sealed class PostgresBrokerDbContext(DbContextOptions<PostgresBrokerDbContext> options) : BrokerDbContext(options)
{
    /// <summary>An arbitrary constant naming the audit-chain lock.</summary>
    private const long AuditChainLockKey = 0x45_42_41_55_44_49_54; // "EBAUDIT"

    public override Task<IDbContextTransaction> BeginWriteAsync(CancellationToken ct) => WriteBatch.BeginAsync(this, ct);

    private protected override GroupCommit WriteBatch =>
        GroupCommit.For(
            BatchKey,
            connectionString => new NpgsqlConnection(connectionString),
            BatchSeal,
            WriteBatchLog,
            $"SELECT pg_advisory_xact_lock({AuditChainLockKey})");

    public override bool IsUniqueViolation(DbUpdateException exception) =>
        exception?.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // A decision's explanation (about 6 KB) is compressed before it is stored, inside the writers' turn. LZ4 does
        // that several times faster than PostgreSQL's default (pglz): with pglz, inserting the decision took more
        // than a third of the database's time per filing (pg_stat_statements under eb-load). Needs PostgreSQL 14 or
        // later built with LZ4, as the official images and Debian's packages are.
        builder.Entity<StoredDecision>(decision =>
        {
            decision.Property(d => d.DecisionJson).UseCompressionMethod("lz4");
            decision.Property(d => d.InputJson).UseCompressionMethod("lz4");
        });
    }
}
