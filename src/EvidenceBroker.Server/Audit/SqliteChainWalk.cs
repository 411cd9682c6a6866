using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace EvidenceBroker.Server.Audit;

/// <summary>
/// The chain walk on SQLite, where reading rows through the data reader as 15 strings cost more than hashing them.
/// It reads each row's stored UTF-8 straight from the native statement (no strings, no copies) and, on a long
/// chain in a database file, walks ranges of sequence numbers on several connections at once. Each range is walked
/// as if the chain arrived intact at its first row; joining the ranges in order then checks that assumption,
/// so the result is exactly that of one walk from the start: the same first break, reason and entry count.
/// </summary>
internal sealed class SqliteChainWalk(SqliteConnection connection, IReadOnlySet<long> remember, CancellationToken ct)
{
    /// <summary>A range shorter than this does not pay for opening another connection.</summary>
    private const long MinimumRange = 50_000;

    /// <summary>Each range holds a connection and a thread; more than a few would crowd out the server's other work.</summary>
    private const int MaximumRanges = 4;

    private const string SelectRange = AuditVerifier.SelectEntries + "WHERE \"Sequence\" BETWEEN ?1 AND ?2 ORDER BY \"Sequence\"";

    private static readonly byte[] Genesis = Encoding.ASCII.GetBytes(AuditHashing.Genesis);

    /// <summary>
    /// Whether the raw read applies: it needs its column bindings (<see cref="SqliteColumns"/>) and hashes the
    /// stored bytes as they are, which is right for UTF-8 text only (a UTF-16 database is left to the data reader).
    /// </summary>
    public static async Task<bool> AppliesToAsync(SqliteConnection connection, CancellationToken ct)
    {
        if (!SqliteColumns.Available)
        {
            return false;
        }

        using var pragma = Prepare(Native(connection), "PRAGMA encoding");
        return await FirstStepAsync(Native(connection), pragma, connection.DefaultTimeout, ct) == raw.SQLITE_ROW
               && raw.sqlite3_column_text(pragma, 0).utf8_to_string() == "UTF-8";
    }

    public async Task<ChainWalk> WalkAsync(int? ranges)
    {
        var parts = await SplitAsync(ranges);
        var stops = parts.Select(_ => CancellationTokenSource.CreateLinkedTokenSource(ct)).ToArray();
        var walks = new Task<RangeWalk>[parts.Length];
        try
        {
            if (parts.Length == 1)
            {
                walks[0] = WalkRangeAsync(Native(connection), parts[0], stops, 0);
            }
            else
            {
                for (var i = 0; i < parts.Length; i++)
                {
                    var index = i;
                    walks[i] = Task.Run(() => WalkOnOwnConnectionAsync(parts[index], stops, index), ct);
                }
            }

            return await JoinAsync(walks);
        }
        finally
        {
            foreach (var stop in stops)
            {
                await stop.CancelAsync();
            }

            // Ranges after the first break are irrelevant: let them end, however they end, before their connections go.
            await Task.WhenAll(walks.Where(w => w is not null).Cast<Task>()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var stop in stops)
            {
                stop.Dispose();
            }
        }
    }

    /// <summary>Joins the ranges in order, holding each one's first row against where the ranges before it left off.</summary>
    private static async Task<ChainWalk> JoinAsync(Task<RangeWalk>[] walks)
    {
        var hashes = new Dictionary<long, string>();
        long rows = 0;
        long expected = 1;
        var previous = Genesis;
        foreach (var pending in walks)
        {
            var walk = await pending;
            if (walk.First is not { } first)
            {
                continue;
            }

            var reason = first.Sequence != expected
                ? AuditVerifier.SequenceBreak(first.Sequence, expected)
                : !first.PreviousHash.AsSpan().SequenceEqual(previous)
                    ? AuditVerifier.PreviousHashBreak
                    : null;
            if (reason is not null)
            {
                return ChainWalk.Broken(rows + 1, expected, reason, hashes);
            }

            foreach (var (sequence, hash) in walk.Hashes)
            {
                hashes[sequence] = hash;
            }

            rows += walk.Rows;
            if (walk.Reason is not null)
            {
                return ChainWalk.Broken(rows, walk.Expected, walk.Reason, hashes);
            }

            expected = walk.Expected;
            previous = walk.LastHash;
        }

        return new ChainWalk(new ChainVerification(rows, expected - 1, null, null), hashes);
    }

    /// <summary>One range, or the whole chain when splitting would not pay or would not see the same data.</summary>
    private async Task<SequenceRange[]> SplitAsync(int? ranges)
    {
        SequenceRange[] whole = [new(long.MinValue, long.MaxValue)];
        var wanted = ranges ?? Math.Min(Environment.ProcessorCount, MaximumRanges);
        // Other connections would not see this one's uncommitted writes, nor an in-memory database at all.
        if (wanted < 2 || raw.sqlite3_get_autocommit(Native(connection)) == 0 || string.IsNullOrEmpty(FileName()))
        {
            return whole;
        }

        using var bounds = Prepare(Native(connection), "SELECT MIN(\"Sequence\"), MAX(\"Sequence\") FROM audit_entries");
        if (await FirstStepAsync(Native(connection), bounds, connection.DefaultTimeout, ct) != raw.SQLITE_ROW || raw.sqlite3_column_type(bounds, 0) == raw.SQLITE_NULL)
        {
            return whole;
        }

        var min = raw.sqlite3_column_int64(bounds, 0);
        var span = (Int128)raw.sqlite3_column_int64(bounds, 1) - min + 1;
        var count = (int)Int128.Min(wanted, ranges is null ? span / MinimumRange : span);
        if (count < 2)
        {
            return whole;
        }

        // The first and last ranges are open-ended, so that no row falls outside all of them.
        return Enumerable.Range(0, count)
            .Select(i => new SequenceRange(
                i == 0 ? long.MinValue : (long)(min + span * i / count),
                i == count - 1 ? long.MaxValue : (long)(min + span * (i + 1) / count) - 1))
            .ToArray();
    }

    private string? FileName() => raw.sqlite3_db_filename(Native(connection), "main").utf8_to_string();

    /// <summary>
    /// A range on a connection of its own, opened straight through SQLite without the per-call mutex that
    /// Microsoft.Data.Sqlite's connections take on every column read (a tenth of the walk): only this range's
    /// walk uses it, one call at a time.
    /// </summary>
    private async Task<RangeWalk> WalkOnOwnConnectionAsync(SequenceRange range, CancellationTokenSource[] stops, int index)
    {
        var rc = raw.sqlite3_open_v2(FileName(), out var own, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_NOMUTEX, null);
        using (own)
        {
            SqliteException.ThrowExceptionForRC(rc, own);
            return await WalkRangeAsync(own, range, stops, index);
        }
    }

    private async Task<RangeWalk> WalkRangeAsync(sqlite3 on, SequenceRange range, CancellationTokenSource[] stops, int index)
    {
        var stop = stops[index].Token;
        using var statement = Prepare(on, SelectRange);
        raw.sqlite3_bind_int64(statement, 1, range.From);
        raw.sqlite3_bind_int64(statement, 2, range.To);
        var walk = new RangeWalk();
        var hasher = new ChainHasher();
        // The statement stays alive (and undisposed) until this method returns, so its raw pointer stays valid.
        var row = statement.DangerousGetHandle();
        for (var rc = await FirstStepAsync(on, statement, connection.DefaultTimeout, stop); rc == raw.SQLITE_ROW; rc = Checked(on, raw.sqlite3_step(statement)))
        {
            if ((walk.Rows & 4095) == 0)
            {
                stop.ThrowIfCancellationRequested();
            }

            if (!walk.Accept(row, hasher, remember))
            {
                // Whatever the ranges after this one hold, the first break is here or before.
                foreach (var later in stops.Skip(index + 1))
                {
                    await later.CancelAsync();
                }

                break;
            }
        }

        return walk;
    }

    /// <summary>
    /// The first step takes the read lock; while a writer holds the file, retry as Microsoft.Data.Sqlite's own
    /// commands do, for up to the connection's default timeout (seconds; 0: no limit). Later steps hold the lock.
    /// </summary>
    private static async Task<int> FirstStepAsync(sqlite3 on, sqlite3_stmt statement, int timeout, CancellationToken ct)
    {
        var waiting = Stopwatch.StartNew();
        var rc = raw.sqlite3_step(statement);
        while ((rc & 0xFF) is raw.SQLITE_BUSY or raw.SQLITE_LOCKED && (timeout == 0 || waiting.Elapsed.TotalSeconds < timeout))
        {
            raw.sqlite3_reset(statement);
            await Task.Delay(150, ct);
            rc = raw.sqlite3_step(statement);
        }

        return Checked(on, rc);
    }

    private static int Checked(sqlite3 db, int rc)
    {
        if (rc is not (raw.SQLITE_ROW or raw.SQLITE_DONE))
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }

        return rc;
    }

    private static sqlite3 Native(SqliteConnection open) => open.Handle ?? throw new InvalidOperationException("The connection is not open.");

    private static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, sql, out var statement), db);
        return statement;
    }

    private readonly record struct SequenceRange(long From, long To);

    /// <summary>Where a range starts: its first row's sequence and previous-hash, for the join to check.</summary>
    private readonly record struct RangeStart(long Sequence, byte[] PreviousHash);

    /// <summary>One range's walk, row by row, up to its first break.</summary>
    private sealed class RangeWalk
    {
        private const int ActorId = 2;
        private const int StateBefore = 8;
        private const int PolicyVersion = 10;
        private const int PayloadJson = 11;
        private const int PayloadHash = 12;
        private const int PreviousHash = 13;
        private const int Hash = 14;

        public long Rows { get; private set; }

        public RangeStart? First { get; private set; }

        /// <summary>The sequence the next row must have; at a break, the broken entry's.</summary>
        public long Expected { get; private set; }

        public string? Reason { get; private set; }

        /// <summary>The last accepted row's hash; verified as a SHA-256 in hex, so always 64 bytes.</summary>
        public byte[] LastHash { get; } = new byte[64];

        public Dictionary<long, string> Hashes { get; } = [];

        /// <summary>Checks the current row as the data-reader walk does, in the same order; false at a break.</summary>
        public bool Accept(nint row, ChainHasher hasher, IReadOnlySet<long> remember)
        {
            Rows++;
            var sequence = SqliteColumns.Int64(row, 0);
            var payloadHash = Text(row, PayloadHash);
            var previousHash = Text(row, PreviousHash);
            var hash = Text(row, Hash);
            if (Rows == 1)
            {
                // How the chain arrives at this row is for the join to check, against the ranges before.
                First = new RangeStart(sequence, previousHash.ToArray());
                Expected = sequence;
            }

            Reason = sequence != Expected
                ? AuditVerifier.SequenceBreak(sequence, Expected)
                : Rows > 1 && !previousHash.SequenceEqual(LastHash)
                    ? AuditVerifier.PreviousHashBreak
                    : !hasher.PayloadMatches(Text(row, PayloadJson), payloadHash)
                        ? AuditVerifier.PayloadBreak
                        : !AuditVerifier.TryFromSqliteBinary(SqliteColumns.Int64(row, 1), out var at)
                            ? AuditVerifier.TimeBreak
                        : !ContentMatches(row, sequence, at, payloadHash, previousHash, hash, hasher)
                            ? AuditVerifier.ContentBreak
                            : null;
            if (Reason is not null)
            {
                return false;
            }

            if (remember.Contains(sequence))
            {
                Hashes[sequence] = Encoding.UTF8.GetString(hash);
            }

            hash.CopyTo(LastHash);
            Expected++;
            return true;
        }

        private static bool ContentMatches(
            nint row, long sequence, DateTimeOffset at, ReadOnlySpan<byte> payloadHash, ReadOnlySpan<byte> previousHash, ReadOnlySpan<byte> hash,
            ChainHasher hasher)
        {
            hasher.Begin(sequence, at);
            for (var column = ActorId; column <= PolicyVersion; column++)
            {
                hasher.Append(Text(row, column));
            }

            hasher.Append(payloadHash);
            hasher.Append(previousHash);
            return hasher.Matches(hash);
        }

        /// <summary>
        /// A text column's stored bytes, valid until the next step. NULL reads as empty, as the data reader's
        /// null does for the three optional fields; the schema forbids NULL elsewhere, and the reader would refuse it.
        /// </summary>
        private static ReadOnlySpan<byte> Text(nint row, int column)
        {
            var text = SqliteColumns.Bytes(row, column);
            if (text.IsEmpty && column is < StateBefore or > PolicyVersion && SqliteColumns.IsNull(row, column))
            {
                throw new InvalidOperationException($"The data is NULL at ordinal {column}. This method can't be called on NULL values.");
            }

            return text;
        }
    }
}
