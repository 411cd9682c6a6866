using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace EvidenceBroker.Server.Audit;

/// <summary>
/// <see cref="AuditHashing"/>'s encoding written straight into a reused byte buffer and hashed there, so the
/// verifier checks hundreds of thousands of entries a second without building a string per entry. Fields come
/// either as strings (the data-reader path) or as the UTF-8 bytes SQLite stores (the raw SQLite path, which
/// never decodes them). Tests hold both byte-for-byte equal to <see cref="AuditHashing.Canonical"/>.
/// </summary>
internal sealed class ChainHasher
{
    /// <summary>"yyyy-MM-ddTHH:mm:ss." of the last second formatted: entries come in time order, many in the same second.</summary>
    private readonly byte[] second = new byte[20];
    private long secondFormatted = -1;

    private byte[] buffer = new byte[2048];
    private int length;

    public bool PayloadMatches(string payloadJson, string payloadHash)
    {
        Reserve(0, Encoding.UTF8.GetMaxByteCount(payloadJson.Length));
        var written = Encoding.UTF8.GetBytes(payloadJson, buffer);
        return HashEquals(buffer.AsSpan(0, written), payloadHash);
    }

    /// <summary>The payload as stored UTF-8; hashed as is, since that is what encoding its string would give.</summary>
    public bool PayloadMatches(ReadOnlySpan<byte> payloadJson, ReadOnlySpan<byte> payloadHash) =>
        Utf8.IsValid(payloadJson)
            ? HashEquals(payloadJson, payloadHash)
            // Invalid UTF-8 reads back as a string with U+FFFD in place of the bad bytes; hash what that string encodes to.
            : PayloadMatches(Encoding.UTF8.GetString(payloadJson), Encoding.UTF8.GetString(payloadHash));

    public bool HashMatches(
        long sequence, DateTimeOffset at, string actorId, string actorRole, string actorTenant, string action,
        string subjectType, string subjectId, string? stateBefore, string? stateAfter, string? policyVersion,
        string payloadHash, string previousHash, string hash)
    {
        Begin(sequence, at);
        Append(actorId);
        Append(actorRole);
        Append(actorTenant);
        Append(action);
        Append(subjectType);
        Append(subjectId);
        Append(stateBefore ?? string.Empty);
        Append(stateAfter ?? string.Empty);
        Append(policyVersion ?? string.Empty);
        Append(payloadHash);
        Append(previousHash);
        return HashEquals(buffer.AsSpan(0, length), hash);
    }

    /// <summary>Starts an entry's encoding with its two non-text fields; the text fields follow in canonical order.</summary>
    public void Begin(long sequence, DateTimeOffset at)
    {
        length = 0;
        Span<byte> field = stackalloc byte[32];
        sequence.TryFormat(field, out var digits, provider: CultureInfo.InvariantCulture);
        AppendAscii(field[..digits]);
        AppendAscii(FormatTime(AuditHashing.Normalise(at), field));
    }

    public void Append(ReadOnlySpan<char> value)
    {
        // Length prefix counts UTF-16 characters, exactly as AuditHashing does.
        Reserve(length, 12 + Encoding.UTF8.GetMaxByteCount(value.Length));
        WritePrefix(value.Length);
        length += Encoding.UTF8.GetBytes(value, buffer.AsSpan(length));
        buffer[length++] = (byte)'\n';
    }

    /// <summary>A text field as stored UTF-8. Its length prefix still counts the UTF-16 characters of its string.</summary>
    public void Append(ReadOnlySpan<byte> utf8)
    {
        if (Ascii.IsValid(utf8))
        {
            AppendAscii(utf8);
        }
        else if (Utf8.IsValid(utf8))
        {
            Reserve(length, 12 + utf8.Length);
            WritePrefix(Encoding.UTF8.GetCharCount(utf8));
            AppendRaw(utf8);
        }
        else
        {
            // Bytes that are not UTF-8 read back as a string with U+FFFD in their place; encode that string.
            Append(Encoding.UTF8.GetString(utf8));
        }
    }

    /// <summary>Whether the encoding built since <see cref="Begin"/> hashes to <paramref name="hash"/> (lowercase hex).</summary>
    public bool Matches(ReadOnlySpan<byte> hash) => HashEquals(buffer.AsSpan(0, length), hash);

    /// <summary>The encoded bytes of the last entry, for the equivalence tests.</summary>
    internal ReadOnlySpan<byte> LastEncoding => buffer.AsSpan(0, length);

    /// <summary>The time as "yyyy-MM-ddTHH:mm:ss.ffffffZ" writes it, formatting only the fraction anew within a second.</summary>
    private Span<byte> FormatTime(DateTimeOffset utc, Span<byte> field)
    {
        var (whole, fraction) = Math.DivRem(utc.Ticks, TimeSpan.TicksPerSecond);
        if (whole != secondFormatted)
        {
            utc.TryFormat(second, out _, "yyyy-MM-ddTHH:mm:ss.", CultureInfo.InvariantCulture);
            secondFormatted = whole;
        }

        second.CopyTo(field);
        // "ffffff": the first six digits of the seven-digit tick fraction, zeros kept.
        (fraction / 10).TryFormat(field[second.Length..], out _, "D6", CultureInfo.InvariantCulture);
        field[second.Length + 6] = (byte)'Z';
        return field[..(second.Length + 7)];
    }

    private void AppendAscii(ReadOnlySpan<byte> value)
    {
        Reserve(length, 12 + value.Length);
        WritePrefix(value.Length);
        AppendRaw(value);
    }

    private void WritePrefix(int chars)
    {
        chars.TryFormat(buffer.AsSpan(length), out var prefix, provider: CultureInfo.InvariantCulture);
        length += prefix;
        buffer[length++] = (byte)':';
    }

    private void AppendRaw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(buffer.AsSpan(length));
        length += value.Length;
        buffer[length++] = (byte)'\n';
    }

    private void Reserve(int used, int more)
    {
        if (used + more > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(used + more, buffer.Length * 2));
        }
    }

    private static bool HashEquals(ReadOnlySpan<byte> data, string expectedHex)
    {
        Span<char> hex = stackalloc char[64];
        Convert.TryToHexStringLower(Digest(data, stackalloc byte[32]), hex, out _);
        return hex.SequenceEqual(expectedHex);
    }

    /// <summary>Compares in bytes: the stored hash is ASCII hex, so byte equality is string equality.</summary>
    private static bool HashEquals(ReadOnlySpan<byte> data, ReadOnlySpan<byte> expectedHex)
    {
        Span<byte> hex = stackalloc byte[64];
        Convert.TryToHexStringLower(Digest(data, stackalloc byte[32]), hex, out _);
        return hex.SequenceEqual(expectedHex);
    }

    private static Span<byte> Digest(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        SHA256.HashData(data, digest);
        return digest;
    }
}
