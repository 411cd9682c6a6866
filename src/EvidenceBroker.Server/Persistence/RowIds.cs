using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// Keys for new rows: RFC 9562 version 7 UUIDs, as <see cref="Guid.CreateVersion7(DateTimeOffset)"/> makes them (48 bits
/// of Unix milliseconds, then 74 random bits), so rows sort by creation time in their indexes. The random bits come
/// from <see cref="RandomNumberGenerator"/>, a cryptographic generator, drawn 4 KB at a time per thread: the
/// framework's version 7 UUIDs cost a system call each (a <c>read</c> of 16 random bytes), and a filing makes five.
/// </summary>
public static class RowIds
{
    private const int BytesPerDraw = 4096;

    [ThreadStatic]
    private static byte[]? random;

    [ThreadStatic]
    private static int used;

    public static Guid Version7(DateTimeOffset timestamp)
    {
        var milliseconds = timestamp.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(timestamp));

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16); // the first 48 bits
        Random(10).CopyTo(bytes[6..]); // the other 80, less the version's 4 and the variant's 2
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10
        return new Guid(bytes, bigEndian: true);
    }

    private static ReadOnlySpan<byte> Random(int count)
    {
        if (random is null || used + count > BytesPerDraw)
        {
            random ??= new byte[BytesPerDraw];
            RandomNumberGenerator.Fill(random);
            used = 0;
        }

        var drawn = random.AsSpan(used, count);
        used += count;
        return drawn;
    }
}
