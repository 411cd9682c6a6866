using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EvidenceBroker.Server.Audit;

/// <summary>
/// <see cref="AuditHashing"/>'s encoding written straight into a reused byte buffer and hashed there, so the
/// verifier checks hundreds of thousands of entries a second without building a string per entry. A test holds
/// it byte-for-byte equal to <see cref="AuditHashing.Canonical"/>.
/// </summary>
internal sealed class ChainHasher
{
    private byte[] buffer = new byte[2048];
    private int length;

    public bool PayloadMatches(string payloadJson, string payloadHash)
    {
        var needed = Encoding.UTF8.GetMaxByteCount(payloadJson.Length);
        if (needed > buffer.Length)
        {
            buffer = new byte[Math.Max(needed, buffer.Length * 2)];
        }

        var written = Encoding.UTF8.GetBytes(payloadJson, buffer);
        return HashEquals(buffer.AsSpan(0, written), payloadHash);
    }

    public bool HashMatches(
        long sequence, DateTimeOffset at, string actorId, string actorRole, string actorTenant, string action,
        string subjectType, string subjectId, string? stateBefore, string? stateAfter, string? policyVersion,
        string payloadHash, string previousHash, string hash)
    {
        length = 0;
        Span<char> number = stackalloc char[32];
        sequence.TryFormat(number, out var digits, provider: CultureInfo.InvariantCulture);
        Append(number[..digits]);
        AuditHashing.Normalise(at).TryFormat(number, out var timeLength, "yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
        Append(number[..timeLength]);
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

    /// <summary>The encoded bytes of the last <see cref="HashMatches"/>, for the equivalence test.</summary>
    internal ReadOnlySpan<byte> LastEncoding => buffer.AsSpan(0, length);

    private void Append(ReadOnlySpan<char> value)
    {
        // Length prefix counts UTF-16 characters, exactly as AuditHashing does.
        var needed = length + 12 + Encoding.UTF8.GetMaxByteCount(value.Length);
        if (needed > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
        }

        value.Length.TryFormat(buffer.AsSpan(length), out var prefix, provider: CultureInfo.InvariantCulture);
        length += prefix;
        buffer[length++] = (byte)':';
        length += Encoding.UTF8.GetBytes(value, buffer.AsSpan(length));
        buffer[length++] = (byte)'\n';
    }

    private static bool HashEquals(ReadOnlySpan<byte> data, string expectedHex)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(data, digest);
        Span<char> hex = stackalloc char[64];
        Convert.TryToHexStringLower(digest, hex, out _);
        return hex.SequenceEqual(expectedHex);
    }
}
