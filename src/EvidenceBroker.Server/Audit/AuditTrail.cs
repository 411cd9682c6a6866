using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace EvidenceBroker.Server.Audit;

/// <summary>What is being recorded, before it is given its place in the chain.</summary>
public sealed record AuditRecord(
    string Action,
    string SubjectType,
    string SubjectId,
    object Payload,
    string? StateBefore = null,
    string? StateAfter = null,
    string? PolicyVersion = null);

/// <summary>A record whose payload is serialised and hashed, ready to be given its place in the chain.</summary>
public sealed record PreparedAuditRecord(AuditRecord Record, string PayloadJson, string PayloadHash);

/// <summary>
/// Appends entries to the chain inside the caller's write transaction (see
/// <see cref="BrokerDbContext.BeginWriteAsync"/>), which serialises appenders so the chain never forks.
/// </summary>
public sealed class AuditTrail(TimeProvider clock)
{
    /// <summary>The role recorded for the broker's own jobs (SLA sweep, retention, policy import at start).</summary>
    public const string SystemRole = "system";

    /// <summary>The tenant recorded for the broker's own jobs.</summary>
    public const string SystemTenant = "Administration:broker";

    /// <summary>Serialises and hashes the payload, which needs no place in the chain yet (nor the write lock).</summary>
    public PreparedAuditRecord Prepare(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var payloadJson = JsonSerializer.Serialize(record.Payload, PublicModelJson.Options);
        return new PreparedAuditRecord(record, payloadJson, AuditHashing.Sha256Hex(payloadJson));
    }

    public async Task<AuditEntry> AppendAsync(BrokerDbContext db, Caller actor, AuditRecord record, CancellationToken ct) =>
        await AppendAsync(db, actor.Subject, actor.Role, actor.Tenant.ToString(), Prepare(record), ct);

    public async Task<AuditEntry> AppendAsync(BrokerDbContext db, Caller actor, PreparedAuditRecord prepared, CancellationToken ct) =>
        await AppendAsync(db, actor.Subject, actor.Role, actor.Tenant.ToString(), prepared, ct);

    public async Task<AuditEntry> AppendAsync(
        BrokerDbContext db, string actorId, string actorRole, string actorTenant, AuditRecord record, CancellationToken ct) =>
        await AppendAsync(db, actorId, actorRole, actorTenant, Prepare(record), ct);

    private async Task<AuditEntry> AppendAsync(
        BrokerDbContext db, string actorId, string actorRole, string actorTenant, PreparedAuditRecord prepared, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(prepared);
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Audit entries are written in the transaction of the change they record.");
        }

        var entry = Link(actorId, actorRole, actorTenant, prepared, await HeadAsync(db, ct));
        db.AddRow(entry);
        db.ChainCursor?.Appended(entry.Sequence, entry.Hash);
        return entry;
    }

    /// <summary>
    /// The records' entries as a change handed whole to the write batch (<see cref="BrokerDbContext.TrySubmitQueuedRowsAsync"/>)
    /// gets them: chained there, once the head is known. Null if this model cannot insert audit entries untracked.
    /// </summary>
    internal IChainedRows? Chained(BrokerDbContext db, Caller actor, params PreparedAuditRecord[] records)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        return AddedRows.TableFor(db, typeof(AuditEntry)) is { } table
            ? new ChainedAuditEntries(this, actor.Subject, actor.Role, actor.Tenant.ToString(), records, table, ChainedAuditEntries.HeadSql(db))
            : null;
    }

    /// <summary>The entry that records <paramref name="prepared"/> right after <paramref name="head"/>.</summary>
    internal AuditEntry Link(
        string actorId, string actorRole, string actorTenant, PreparedAuditRecord prepared, (long Sequence, string Hash) head)
    {
        var (record, payloadJson, payloadHash) = prepared;
        var (sequence, previousHash) = head;
        var at = AuditHashing.Normalise(clock.GetUtcNow());
        var hash = AuditHashing.Sha256Hex(AuditHashing.Canonical(
            sequence + 1, at, actorId, actorRole, actorTenant, record.Action, record.SubjectType, record.SubjectId,
            record.StateBefore, record.StateAfter, record.PolicyVersion, payloadHash, previousHash));

        return new AuditEntry
        {
            Sequence = sequence + 1,
            At = at,
            ActorId = actorId,
            ActorRole = actorRole,
            ActorTenant = actorTenant,
            Action = record.Action,
            SubjectType = record.SubjectType,
            SubjectId = record.SubjectId,
            StateBefore = record.StateBefore,
            StateAfter = record.StateAfter,
            PolicyVersion = record.PolicyVersion,
            PayloadJson = payloadJson,
            PayloadHash = payloadHash,
            PreviousHash = previousHash,
            Hash = hash,
        };
    }

    private static async Task<(long Sequence, string Hash)> HeadAsync(BrokerDbContext db, CancellationToken ct)
    {
        if (db.ChainCursor is { } cursor)
        {
            // In a shared write batch, which knows where this change and the earlier ones in the batch left the head.
            if (cursor.Head is { } known)
            {
                return known;
            }
        }
        else if (db.AuditEntries.Local.Concat(db.QueuedRows.Select(row => row.Entity).OfType<AuditEntry>()).MaxBy(e => e.Sequence) is { } pending)
        {
            // Entries appended earlier in this same unit of work are not in the database yet.
            return (pending.Sequence, pending.Hash);
        }

        // The same statement the write batch's own writer reads the head with; appenders run inside a transaction.
        return await ChainedAuditEntries.ReadHeadAsync(
            db.Database.GetDbConnection(), db.Database.CurrentTransaction?.GetDbTransaction(), ChainedAuditEntries.HeadSql(db), ct);
    }
}
