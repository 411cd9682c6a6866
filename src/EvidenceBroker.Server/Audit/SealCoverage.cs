using System.Globalization;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Audit;

/// <summary>
/// Which entries the broker's seals (<see cref="AuditSeal"/>) vouch for. A checkpoint of the second version vouches
/// for every entry from its <see cref="AuditCheckpoint.SealedFrom"/> up to its own entry, having checked their seals
/// when it was signed; after the newest such checkpoint, each entry must lie under a seal whose signature holds and
/// whose hash is the chain's. So a verification checks the seals of the last few minutes, not of the whole chain.
/// </summary>
internal sealed record SealCoverage(long? SealedFrom, long? CheckFrom, IReadOnlyList<AuditSeal> Seals, IReadOnlyDictionary<long, string> HashesAtSealEnds)
{
    /// <summary>
    /// Where sealing began and the seals to check with the chain's hashes where they end: from the newest checkpoint in
    /// <paramref name="checkpoints"/> that vouches for seals and carries a valid signature, or from the first seal when
    /// none does yet. Read after the chain was walked: every entry walked was committed with its seal, so a seal read
    /// later is there for it, whereas one read before could miss entries written in between.
    /// </summary>
    public static async Task<SealCoverage> ReadAsync(BrokerDbContext db, IEnumerable<AuditCheckpoint> checkpoints, AuditSigningKey key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(key);
        var vouching = checkpoints
            .Where(c => c.SealedFrom is not null)
            .OrderByDescending(c => c.Sequence)
            .FirstOrDefault(c => key.Verify(c.KeyId, c.Message(), c.Signature));
        var sealedFrom = vouching?.SealedFrom
                         ?? await db.AuditSeals.AsNoTracking().OrderBy(s => s.LastSequence).Select(s => (long?)s.FirstSequence).FirstOrDefaultAsync(ct);
        if (sealedFrom is null)
        {
            return new SealCoverage(null, null, [], new Dictionary<long, string>());
        }

        var checkFrom = vouching is null ? sealedFrom.Value : Math.Max(sealedFrom.Value, vouching.Sequence + 1);
        var seals = await db.AuditSeals.AsNoTracking().Where(s => s.LastSequence >= checkFrom).OrderBy(s => s.LastSequence).ToListAsync(ct);
        var ends = seals.Select(s => s.LastSequence).ToList();
        var hashes = await db.AuditEntries.AsNoTracking()
            .Where(e => e.Sequence >= checkFrom && ends.Contains(e.Sequence))
            .ToDictionaryAsync(e => e.Sequence, e => e.Hash, ct);
        return new SealCoverage(sealedFrom, checkFrom, seals, hashes);
    }

    /// <summary>
    /// The first entry from <see cref="CheckFrom"/> to <paramref name="through"/> that no valid seal covers, with why
    /// ("Entry N: …"); null when every one is covered.
    /// </summary>
    public (long Entry, string Reason)? FirstUnsealed(long through, AuditSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (CheckFrom is not { } expected)
        {
            return null;
        }

        foreach (var seal in Seals)
        {
            if (expected > through)
            {
                break;
            }

            if (seal.LastSequence < expected)
            {
                continue; // a seal over entries already covered adds nothing
            }

            if (seal.FirstSequence > expected)
            {
                return (expected, Unsealed(expected, Math.Min(seal.FirstSequence - 1, through)));
            }

            if (!seal.SignatureValid(key))
            {
                return (expected, $"Entry {expected}: the seal over {Range(seal.FirstSequence, seal.LastSequence)} does not carry a valid " +
                                  $"signature of key {seal.KeyId}: the seal was forged or altered, or its key was replaced without being " +
                                  "listed in Audit:PreviousPublicKeyPaths.");
            }

            if (seal.LastSequence <= through && !string.Equals(HashesAtSealEnds.GetValueOrDefault(seal.LastSequence), seal.LastHash, StringComparison.Ordinal))
            {
                return (expected, $"Entry {expected}: the seal over {Range(seal.FirstSequence, seal.LastSequence)} was signed over entry " +
                                  $"{seal.LastSequence}'s hash {seal.LastHash[..12]}…, which the chain no longer has: it was rewritten since.");
            }

            expected = seal.LastSequence + 1;
        }

        return expected <= through ? (expected, Unsealed(expected, through)) : null;
    }

    private static string Unsealed(long first, long last) =>
        $"Entry {first}: no seal of the broker covers {Range(first, last)}, so the broker did not write " +
        (first == last ? "it" : "them") + ": added to the database from outside.";

    private static string Range(long first, long last) =>
        first == last
            ? string.Create(CultureInfo.InvariantCulture, $"entry {first}")
            : string.Create(CultureInfo.InvariantCulture, $"entries {first}–{last}");
}
