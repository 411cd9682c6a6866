using System.Data.Common;
using EvidenceBroker.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace EvidenceBroker.Server.Audit;

/// <summary>The latest checkpoint signed by the broker's key, and what verification found about it.</summary>
public sealed record CheckpointCheck(long Sequence, string HeadHash, DateTimeOffset At, string KeyId, bool SignatureValid, bool Covered);

/// <summary>
/// An entry and its hash as an earlier verification saw them, kept outside the broker (by an oversight body, say).
/// Signed checkpoints live in the same database as the chain: someone able to cut the tail could delete the
/// checkpoints over it too. Held against a head recorded outside, that shows.
/// </summary>
public sealed record KnownHead(long Sequence, string Hash)
{
    /// <summary>Reads <c>N:HASH</c> (the form <see cref="ChainVerification.Head"/> prints); null when it is not that.</summary>
    public static KnownHead? Parse(string? text)
    {
        var parts = text?.Split(':') ?? [];
        return parts.Length == 2
               && long.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence)
               && sequence >= 1 && parts[1].Length == 64 && parts[1].All(char.IsAsciiHexDigitLower)
            ? new KnownHead(sequence, parts[1])
            : null;
    }

    public override string ToString() => $"{Sequence}:{Hash}";
}

/// <summary>"Intact up to N", or the first broken entry and why.</summary>
public sealed record ChainVerification(long Entries, long IntactUpTo, long? BrokenAt, string? Reason)
{
    public bool Intact => BrokenAt is null;

    /// <summary>The last intact entry and its hash (<c>N:HASH</c>), to keep and hold a later verification against; null for an empty chain.</summary>
    public string? Head { get; init; }

    /// <summary>The checkpoint the chain was held against; null when none was signed yet (or none was checked).</summary>
    public CheckpointCheck? Checkpoint { get; init; }

    /// <summary>Checkpoints signed by a key this broker does not hold (rotated or ephemeral development keys).</summary>
    public int UnverifiableCheckpoints { get; init; }

    /// <summary>Whether the broker's seals were checked (they are whenever its key is at hand).</summary>
    public bool SealsChecked { get; init; }

    /// <summary>
    /// The entry from which every entry is sealed by the broker (<see cref="AuditSeal"/>), so that none could have been
    /// added from outside; entries before it were written before the broker sealed its writes. Null when none is sealed.
    /// </summary>
    public long? SealedFrom { get; init; }

    public string Summary => Intact
        ? Checkpoint is null
            ? $"Intact up to {IntactUpTo} ({Entries} entries; no signed checkpoint yet{SealNote})."
            : $"Intact up to {IntactUpTo} ({Entries} entries; signed checkpoint at {Checkpoint.Sequence} covered{SealNote})."
        : $"Broken at entry {BrokenAt}: {Reason} Intact up to {IntactUpTo}.";

    private string SealNote => !SealsChecked || Entries == 0
        ? string.Empty
        : SealedFrom switch
        {
            null => "; no entry sealed by the broker",
            1 => "; every entry sealed by the broker",
            _ => $"; entries from {SealedFrom} on sealed by the broker, those before written before it sealed its writes",
        };
}

/// <summary>
/// Walks the chain in sequence order, recomputing every hash, and stops at the first break; then holds the chain
/// against the latest signed checkpoint, which catches a cut-off tail or a chain recomputed after forgery.
/// The verifier must keep up with very long chains: on SQLite it reads the stored UTF-8 through the native
/// statement and walks long chains in parallel ranges (<see cref="SqliteChainWalk"/>); elsewhere a plain data reader.
/// </summary>
public static class AuditVerifier
{
    /// <summary>The stored fields in the order of <see cref="AuditHashing.Canonical"/>, with the payload and the entry's own hash.</summary>
    internal const string SelectEntries =
        "SELECT \"Sequence\", \"At\", \"ActorId\", \"ActorRole\", \"ActorTenant\", \"Action\", \"SubjectType\", \"SubjectId\", " +
        "\"StateBefore\", \"StateAfter\", \"PolicyVersion\", \"PayloadJson\", \"PayloadHash\", \"PreviousHash\", \"Hash\" " +
        "FROM audit_entries ";

    /// <summary>SQLite keeps instants as the binary long of <see cref="DateTimeOffsetToBinaryConverter"/>.</summary>
    private static readonly Func<long, DateTimeOffset> FromSqliteBinary = new DateTimeOffsetToBinaryConverter().ConvertFromProviderTyped;

    /// <summary>
    /// An instant as SQLite keeps it, or false for a value no instant has: an entry written outside the broker, which the
    /// walk reports as broken rather than failing on.
    /// </summary>
    internal static bool TryFromSqliteBinary(long stored, out DateTimeOffset at)
    {
        try
        {
            at = FromSqliteBinary(stored);
            return true;
        }
        catch (ArgumentException)
        {
            at = default;
            return false;
        }
    }

    public static Task<ChainVerification> VerifyAsync(BrokerDbContext db, CancellationToken ct) => VerifyAsync(db, null, ct);

    public static Task<ChainVerification> VerifyAsync(BrokerDbContext db, AuditSigningKey? key, CancellationToken ct) => VerifyAsync(db, key, null, null, ct);

    /// <summary>Also holds the chain against <paramref name="known"/>, a head an earlier verification reported.</summary>
    public static Task<ChainVerification> VerifyAsync(BrokerDbContext db, AuditSigningKey? key, KnownHead? known, CancellationToken ct) =>
        VerifyAsync(db, key, known, null, ct);

    /// <summary>
    /// <paramref name="ranges"/>: how many parts a SQLite chain is walked in at once; null lets the chain's length and
    /// the machine's cores decide. Tests set it to hold the split walk to the same findings as the whole one.
    /// </summary>
    internal static async Task<ChainVerification> VerifyAsync(BrokerDbContext db, AuditSigningKey? key, KnownHead? known, int? ranges, CancellationToken ct)
    {
        var verified = await VerifyWithCheckpointsAsync(db, key, known, ranges, ct);
        var result = verified.Result;
        if (known is not null && result.Intact && !string.Equals(verified.Chain.HashAt(known.Sequence), known.Hash, StringComparison.Ordinal))
        {
            result = verified.Chain.HashAt(known.Sequence) is null
                ? result with
                {
                    BrokenAt = result.IntactUpTo + 1,
                    Reason = $"Entry {result.IntactUpTo + 1}: the chain ends at entry {result.IntactUpTo}, but an earlier verification saw " +
                             $"entries up to {known.Sequence}: the tail was cut off, together with any checkpoint over it.",
                }
                : result with
                {
                    BrokenAt = known.Sequence,
                    IntactUpTo = 0,
                    Reason = $"Entry {known.Sequence}: its hash is {verified.Chain.HashAt(known.Sequence)![..12]}…, but an earlier verification " +
                             $"saw {known.Hash[..12]}…; the chain up to there was rewritten and rehashed since.",
                };
        }

        return result.IntactUpTo == 0 ? result : result with { Head = $"{result.IntactUpTo}:{await HashOfAsync(db, result.IntactUpTo, ct)}" };
    }

    private static async Task<(ChainVerification Result, ChainWalk Chain)> VerifyWithCheckpointsAsync(
        BrokerDbContext db, AuditSigningKey? key, KnownHead? known, int? ranges, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);

        // Read once, before the walk: a checkpoint written during the walk would otherwise be looked up among the
        // hashes the walk did not know to keep, and read as a tail cut off.
        var checkpoints = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Sequence).ThenByDescending(c => c.Id).ToListAsync(ct);
        var remember = checkpoints.Select(c => c.Sequence).ToHashSet();
        if (known is not null)
        {
            remember.Add(known.Sequence);
        }

        var chain = await WalkAsync(db, remember, ranges, ct);
        var result = HoldAgainstCheckpoints(chain, checkpoints, key);
        return (key is null ? result : HoldAgainstSeals(result, await SealCoverage.ReadAsync(db, checkpoints, key, ct, sealedAfter: known?.Sequence), key), chain);
    }

    /// <summary>
    /// Holds the chain against the broker's seals: every entry after the newest checkpoint that vouches for seals must
    /// lie under one. An entry none covers was added from outside; it is a break, if it comes before any other.
    /// </summary>
    private static ChainVerification HoldAgainstSeals(ChainVerification result, SealCoverage seals, AuditSigningKey key)
    {
        result = result with { SealsChecked = true, SealedFrom = seals.SealedFrom };
        var through = result.BrokenAt is { } broken ? Math.Min(result.IntactUpTo, broken - 1) : result.IntactUpTo;
        return seals.FirstUnsealed(through, chainEndsThere: result.Intact, key) is { } unsealed
            ? result with { BrokenAt = unsealed.Entry, IntactUpTo = unsealed.Entry - 1, Reason = unsealed.Reason }
            : result;
    }

    /// <summary>Holds the walked chain against the latest checkpoint this broker's key can check.</summary>
    private static ChainVerification HoldAgainstCheckpoints(ChainWalk chain, List<AuditCheckpoint> checkpoints, AuditSigningKey? key)
    {
        if (key is null)
        {
            return chain.Result;
        }

        var own = checkpoints.Where(c => key.CanVerify(c.KeyId)).ToList();
        var result = chain.Result with { UnverifiableCheckpoints = checkpoints.Count - own.Count };
        if (result.Intact && checkpoints.FirstOrDefault(c => !key.CanVerify(c.KeyId) && c.Sequence > result.IntactUpTo) is { } beyond)
        {
            // Checkpoints are read before the chain, so none can lie beyond its end. One this key cannot check proves
            // nothing by its signature, but a relabelled checkpoint over a cut tail would look just like it.
            var first = result.IntactUpTo + 1;
            return result with
            {
                Checkpoint = new CheckpointCheck(beyond.Sequence, beyond.HeadHash, beyond.At, beyond.KeyId, SignatureValid: false, Covered: false),
                BrokenAt = first,
                Reason = $"Entry {first}: the chain ends at entry {result.IntactUpTo}, but a checkpoint under key {beyond.KeyId}, which " +
                         $"this broker cannot check, records entries up to {beyond.Sequence}: the tail was cut off or the checkpoints were altered.",
            };
        }

        if (own.Count == 0)
        {
            return result;
        }

        var latest = own[0];
        var check = new CheckpointCheck(latest.Sequence, latest.HeadHash, latest.At, latest.KeyId, SignatureValid: true, Covered: false);
        if (own.FirstOrDefault(c => !c.SignatureValid(key)) is { } forged)
        {
            // A stored checkpoint this key did not sign: someone wrote to the checkpoint table.
            var bad = new CheckpointCheck(forged.Sequence, forged.HeadHash, forged.At, forged.KeyId, SignatureValid: false, Covered: false);
            return result.Intact
                ? result with
                {
                    Checkpoint = bad,
                    BrokenAt = forged.Sequence,
                    IntactUpTo = Math.Min(result.IntactUpTo, forged.Sequence - 1),
                    Reason = $"Entry {forged.Sequence}: the checkpoint recorded for it does not carry a valid signature of key {forged.KeyId}; the checkpoints were altered.",
                }
                : result with { Checkpoint = bad };
        }

        if (!result.Intact && result.BrokenAt <= latest.Sequence)
        {
            // The chain broke inside what the checkpoint covers; that break is the first and the more precise finding.
            return result with { Checkpoint = check };
        }

        if (chain.HashAt(latest.Sequence) is not { } hashThere)
        {
            var first = result.IntactUpTo + 1;
            return result with
            {
                Checkpoint = check,
                BrokenAt = first,
                Reason = $"Entry {first}: the chain ends at entry {result.IntactUpTo}, but the checkpoint signed at " +
                         $"{latest.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC covers entries up to {latest.Sequence}: " +
                         (first == latest.Sequence ? $"entry {first} was" : $"entries {first}–{latest.Sequence} were") + " cut off the tail.",
            };
        }

        if (!string.Equals(hashThere, latest.HeadHash, StringComparison.Ordinal))
        {
            // The chain is consistent in itself but not the one that was signed: it was rewritten and rehashed.
            // What is still proven is the last earlier checkpoint that matches.
            var proven = own.Skip(1).FirstOrDefault(c => string.Equals(chain.HashAt(c.Sequence), c.HeadHash, StringComparison.Ordinal));
            return result with
            {
                Checkpoint = check,
                BrokenAt = latest.Sequence,
                IntactUpTo = proven?.Sequence ?? 0,
                Reason = $"Entry {latest.Sequence}: its hash is {hashThere[..12]}…, but the checkpoint signed at " +
                         $"{latest.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC recorded {latest.HeadHash[..12]}…; the chain up to there was rewritten and rehashed.",
            };
        }

        return result with { Checkpoint = check with { Covered = true } };
    }

    private static Task<string> HashOfAsync(BrokerDbContext db, long sequence, CancellationToken ct) =>
        db.AuditEntries.AsNoTracking().Where(e => e.Sequence == sequence).Select(e => e.Hash).SingleAsync(ct);

    /// <summary>Walks the whole chain, keeping the hashes at <paramref name="remember"/> (the checkpoints' entries).</summary>
    private static async Task<ChainWalk> WalkAsync(BrokerDbContext db, HashSet<long> remember, int? ranges, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await db.Database.OpenConnectionAsync(ct);
        }

        try
        {
            return connection is SqliteConnection sqlite && await SqliteChainWalk.AppliesToAsync(sqlite, ct)
                ? await new SqliteChainWalk(sqlite, remember, ct).WalkAsync(ranges)
                : await ReaderWalkAsync(db, connection, remember, ct);
        }
        finally
        {
            if (opened)
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    /// <summary>The portable walk, for PostgreSQL: one data reader, fields read as strings.</summary>
    private static async Task<ChainWalk> ReaderWalkAsync(BrokerDbContext db, DbConnection connection, HashSet<long> remember, CancellationToken ct)
    {
        var hashes = new Dictionary<long, string>();
        await using var command = connection.CreateCommand();
        command.CommandText = SelectEntries + "ORDER BY \"Sequence\"";
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        var hasher = new ChainHasher();
        var timeIsBinary = reader.GetFieldType(1) == typeof(long);
        long expected = 1;
        long count = 0;
        var previousHash = AuditHashing.Genesis;
        while (await reader.ReadAsync(ct))
        {
            count++;
            var sequence = reader.GetInt64(0);
            var timeRead = TryReadTime(reader, timeIsBinary, out var at);
            var actorId = reader.GetString(2);
            var actorRole = reader.GetString(3);
            var actorTenant = reader.GetString(4);
            var action = reader.GetString(5);
            var subjectType = reader.GetString(6);
            var subjectId = reader.GetString(7);
            var stateBefore = NullableString(reader, 8);
            var stateAfter = NullableString(reader, 9);
            var policyVersion = NullableString(reader, 10);
            var payloadJson = reader.GetString(11);
            var payloadHash = reader.GetString(12);
            var entryPreviousHash = reader.GetString(13);
            var hash = reader.GetString(14);

            var reason = sequence != expected
                ? SequenceBreak(sequence, expected)
                : !string.Equals(entryPreviousHash, previousHash, StringComparison.Ordinal)
                    ? PreviousHashBreak
                    : !hasher.PayloadMatches(payloadJson, payloadHash)
                        ? PayloadBreak
                        : !timeRead
                            ? TimeBreak
                        : !hasher.HashMatches(sequence, at, actorId, actorRole, actorTenant, action, subjectType, subjectId,
                            stateBefore, stateAfter, policyVersion, payloadHash, entryPreviousHash, hash)
                            ? ContentBreak
                            : null;
            if (reason is not null)
            {
                return ChainWalk.Broken(count, expected, reason, hashes);
            }

            if (remember.Contains(sequence))
            {
                hashes[sequence] = hash;
            }

            previousHash = hash;
            expected++;
        }

        return new ChainWalk(new ChainVerification(count, expected - 1, null, null), hashes);
    }

    internal const string PreviousHashBreak = "its previous-hash does not match the entry before it";
    internal const string PayloadBreak = "its payload does not match its payload hash";
    internal const string ContentBreak = "its content does not match its hash";
    internal const string TimeBreak = "its time cannot be read";

    /// <summary>The entry's instant; false when the stored value is none (out of range, or PostgreSQL's infinity).</summary>
    private static bool TryReadTime(DbDataReader reader, bool timeIsBinary, out DateTimeOffset at)
    {
        if (timeIsBinary)
        {
            return TryFromSqliteBinary(reader.GetInt64(1), out at);
        }

        try
        {
            at = reader.GetFieldValue<DateTimeOffset>(1);
            return true;
        }
        catch (Exception e) when (e is InvalidCastException or ArgumentException or OverflowException)
        {
            at = default;
            return false;
        }
    }

    /// <summary>Why the walk, expecting <paramref name="expected"/> next, cannot accept <paramref name="sequence"/>.</summary>
    internal static string SequenceBreak(long sequence, long expected) =>
        sequence > expected
            ? sequence - 1 == expected ? $"entry {expected} is missing" : $"entries {expected}–{sequence - 1} are missing"
            : $"sequence {sequence} appears out of order";

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

/// <summary>What a walk found, and the hashes of the entries that checkpoints were signed at (up to any break).</summary>
internal sealed record ChainWalk(ChainVerification Result, IReadOnlyDictionary<long, string> Hashes)
{
    public string? HashAt(long sequence) => Hashes.GetValueOrDefault(sequence);

    /// <summary>The first break: <paramref name="rows"/> read (the broken one included), the entry expected there, and why.</summary>
    public static ChainWalk Broken(long rows, long expected, string reason, IReadOnlyDictionary<long, string> hashes) =>
        new(new ChainVerification(rows, expected - 1, expected, $"Entry {expected}: {reason}."), hashes);
}
