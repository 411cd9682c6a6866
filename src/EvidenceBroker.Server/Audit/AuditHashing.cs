using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EvidenceBroker.Server.Audit;

/// <summary>The canonical encoding and hashes of audit entries. Changing this breaks every stored chain.</summary>
public static class AuditHashing
{
    /// <summary>The "previous hash" of the first entry.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>PostgreSQL keeps microseconds; hashing a finer time would not survive a round trip.</summary>
    public static DateTimeOffset Normalise(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        // 100 µs: the precision SQLite keeps (DateTimeOffsetToBinaryConverter stores ticks / 1000); finer digits broke verification under a real clock.
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 1000), TimeSpan.Zero);
    }

    /// <summary>SHA-256 of the text's UTF-8 bytes, in lower-case hex. The bytes go through a pooled buffer: a
    /// decision's explanation alone is some 6 KB, hashed on every filing.</summary>
    public static string Sha256Hex(string text)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, rented);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(rented.AsSpan(0, length), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// One field a line, in a fixed order, each prefixed with its length so that no two different entries
    /// encode alike (a field cannot swallow its neighbour).
    /// </summary>
    public static string Canonical(
        long sequence, DateTimeOffset at, string actorId, string actorRole, string actorTenant, string action,
        string subjectType, string subjectId, string? stateBefore, string? stateAfter, string? policyVersion,
        string payloadHash, string previousHash)
    {
        var builder = new StringBuilder(512);
        Append(builder, sequence.ToString(CultureInfo.InvariantCulture));
        Append(builder, Normalise(at).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
        Append(builder, actorId);
        Append(builder, actorRole);
        Append(builder, actorTenant);
        Append(builder, action);
        Append(builder, subjectType);
        Append(builder, subjectId);
        Append(builder, stateBefore ?? string.Empty);
        Append(builder, stateAfter ?? string.Empty);
        Append(builder, policyVersion ?? string.Empty);
        Append(builder, payloadHash);
        Append(builder, previousHash);
        return builder.ToString();
    }

    public static string HashOf(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Sha256Hex(Canonical(
            entry.Sequence, entry.At, entry.ActorId, entry.ActorRole, entry.ActorTenant, entry.Action,
            entry.SubjectType, entry.SubjectId, entry.StateBefore, entry.StateAfter, entry.PolicyVersion,
            entry.PayloadHash, entry.PreviousHash));
    }

    private static void Append(StringBuilder builder, string value) =>
        builder.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('\n');
}
