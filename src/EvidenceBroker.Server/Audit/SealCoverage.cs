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
internal sealed record SealCoverage(long? SealedFrom, long? CheckFrom, IReadOnlyList<SealCoverage.SealAndHash> Seals)
{
    /// <summary>A seal with the chain's hash of the entry it ends at (null if the chain has no such entry).</summary>
    internal sealed record SealAndHash(AuditSeal Seal, string? ChainHash);

    /// <summary>
    /// Where sealing began, and the seals to check from <see cref="CheckFrom"/> on, with the chain's hashes where they
    /// end. Sealing began where the newest valid checkpoint in <paramref name="checkpoints"/> that vouches for seals
    /// says; before any such checkpoint, at the first seal.
    /// The check starts after that checkpoint, and not before <paramref name="checkedUpTo"/> + 1 when the caller has
    /// checked that far already. A verification reads the seals after walking the chain: every entry walked was
    /// committed with its seal, so a seal read later is there for it, whereas one read before could miss entries
    /// written in between.
    /// <paramref name="sealedAfter"/>: an entry an earlier verification saw (a head kept outside the broker). Every
    /// write since was sealed, so unless a valid checkpoint says sealing began later, it began right after that entry
    /// at the latest: seals and checkpoints deleted together cannot pass entries added from outside for the time before
    /// sealing.
    /// </summary>
    public static async Task<SealCoverage> ReadAsync(
        BrokerDbContext db, IEnumerable<AuditCheckpoint> checkpoints, AuditSigningKey key, CancellationToken ct, long checkedUpTo = 0,
        long? sealedAfter = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(key);
        var vouching = checkpoints
            .Where(c => c.SealedFrom is not null && key.CanVerify(c.KeyId))
            .OrderByDescending(c => c.Sequence)
            .FirstOrDefault(c => c.SignatureValid(key));
        // Before any checkpoint vouches for seals, sealing began at the first seal that could be one, whether or not its
        // signature holds: a seal made up and placed first can only make the check start earlier, and a seal of a key
        // rotated out without being listed is then reported rather than taken for the time before sealing.
        var sealedFrom = vouching?.SealedFrom
                         ?? await db.AuditSeals.AsNoTracking()
                             .Where(s => s.FirstSequence >= 1 && s.FirstSequence <= s.LastSequence)
                             .OrderBy(s => s.LastSequence)
                             .Select(s => (long?)s.FirstSequence)
                             .FirstOrDefaultAsync(ct);
        if (vouching is null && sealedAfter is { } seen && (sealedFrom is null || sealedFrom > seen + 1))
        {
            sealedFrom = seen + 1;
        }

        if (sealedFrom is null)
        {
            return new SealCoverage(null, null, []);
        }

        var checkFrom = Math.Max(vouching is null ? sealedFrom.Value : Math.Max(sealedFrom.Value, vouching.Sequence + 1), checkedUpTo + 1);
        return new SealCoverage(sealedFrom, checkFrom, await SealsFromAsync(db, checkFrom, ct));
    }

    private static Task<List<SealAndHash>> SealsFromAsync(BrokerDbContext db, long from, CancellationToken ct) =>
        db.AuditSeals.AsNoTracking()
            .Where(s => s.LastSequence >= from)
            .OrderBy(s => s.LastSequence)
            .Select(s => new SealAndHash(s, db.AuditEntries.Where(e => e.Sequence == s.LastSequence).Select(e => e.Hash).FirstOrDefault()))
            .ToListAsync(ct);

    /// <summary>
    /// The first entry from <see cref="CheckFrom"/> to <paramref name="through"/> that no valid seal covers, with why
    /// ("Entry N: …"); null when every one is covered. <paramref name="chainEndsThere"/>: the chain is whole up to
    /// <paramref name="through"/> and has nothing after it that was read; a batch commits whole, so a seal that begins
    /// at or before that entry and ends after it then shows entries cut off the tail.
    /// </summary>
    public (long Entry, string Reason)? FirstUnsealed(long through, bool chainEndsThere, AuditSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (CheckFrom is not { } expected)
        {
            return null;
        }

        foreach (var (seal, chainHash) in Seals)
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

            if (seal.LastSequence > through)
            {
                // Past where the chain is checked: a break the caller found first, or entries removed from the tail.
                return chainEndsThere
                    ? (through + 1, $"Entry {through + 1}: the broker sealed {Range(seal.FirstSequence, seal.LastSequence)}, but the chain " +
                                    $"ends at entry {through}: the entries after it were cut off or replaced.")
                    : null;
            }

            if (!string.Equals(chainHash, seal.LastHash, StringComparison.Ordinal))
            {
                return (expected, $"Entry {expected}: the seal over {Range(seal.FirstSequence, seal.LastSequence)} was signed over entry " +
                                  $"{seal.LastSequence}'s hash {seal.LastHash[..Math.Min(12, seal.LastHash.Length)]}…, which the chain no longer has: it was rewritten since.");
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
