using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Audit;

/// <summary>"Intact up to N", or the first broken entry and why.</summary>
public sealed record ChainVerification(long Entries, long IntactUpTo, long? BrokenAt, string? Reason)
{
    public bool Intact => BrokenAt is null;
}

/// <summary>Walks the chain in sequence order, recomputing every hash; stops at the first break.</summary>
public static class AuditVerifier
{
    public static async Task<ChainVerification> VerifyAsync(BrokerDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        long expected = 1;
        long count = 0;
        var previousHash = AuditHashing.Genesis;
        await foreach (var entry in db.AuditEntries.AsNoTracking().OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(ct))
        {
            count++;
            var reason = entry.Sequence != expected
                ? entry.Sequence > expected
                    ? $"entries {expected}–{entry.Sequence - 1} are missing"
                    : $"sequence {entry.Sequence} appears out of order"
                : entry.PreviousHash != previousHash
                    ? "its previous-hash does not match the entry before it"
                    : AuditHashing.Sha256Hex(entry.PayloadJson) != entry.PayloadHash
                        ? "its payload does not match its payload hash"
                        : AuditHashing.HashOf(entry) != entry.Hash
                            ? "its content does not match its hash"
                            : null;
            if (reason is not null)
            {
                return new ChainVerification(count, expected - 1, expected, $"Entry {expected}: {reason}.");
            }

            previousHash = entry.Hash;
            expected++;
        }

        return new ChainVerification(count, expected - 1, null, null);
    }
}
