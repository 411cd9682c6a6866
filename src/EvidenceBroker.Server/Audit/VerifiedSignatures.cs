using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace EvidenceBroker.Server.Audit;

/// <summary>
/// The checkpoint and seal signatures this process has already found valid. Every verification checks the signature
/// of every checkpoint (one per 15 minutes while the chain moves: 35,000 a year) and of the seals no checkpoint vouches
/// for, one ECDSA P-256 verification each; on a store a few years old that was most of a verification's time. Checking
/// the same bytes again gives the same answer, so a signature found valid once is not checked again.
/// <para>
/// Sound because what it keeps are the exact bytes checked, not rows: the SHA-256 of the verifying public key (its
/// SubjectPublicKeyInfo), of the signed message and of the signature as stored. A row changed in the database (a signed
/// field, its signature, or the key it names) gives other bytes, is not found here, and is checked afresh. Only valid
/// signatures are kept: an invalid one is checked, and reported, every time.
/// </para>
/// <para>
/// Bounded: it keeps at most <see cref="Capacity"/> digests of 32 bytes, about 44 bytes each in the set and, with the
/// set's growth, at most about 23 MB at <see cref="DefaultCapacity"/>. Once full it keeps those it holds and adds no
/// more; signatures beyond them are checked every time, as without it. (A verification reads every checkpoint in
/// turn: evicting the least recently used would, once the rows outnumber the capacity, evict each just before it is
/// read again, whereas a fixed set keeps saving its whole capacity.)
/// </para>
/// </summary>
public sealed class VerifiedSignatures
{
    /// <summary>About seven years of checkpoints, or four years of checkpoints and seals of a quiet broker that checks them all.</summary>
    public const int DefaultCapacity = 262_144;

    private readonly HashSet<Digest> valid = [];
    private readonly Lock gate = new();

    public VerifiedSignatures(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
    }

    /// <summary>The most signatures kept.</summary>
    public int Capacity { get; }

    /// <summary>How many are kept now.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return valid.Count;
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="signature"/> over <paramref name="message"/> holds for the public key whose
    /// SubjectPublicKeyInfo hashes to <paramref name="publicKeyHash"/>: from what is kept, else by
    /// <paramref name="check"/>, keeping the answer if it is yes and there is room.
    /// </summary>
    internal bool Verify<TSigner>(ReadOnlySpan<byte> publicKeyHash, byte[] message, string signature, TSigner signer, Func<TSigner, byte[], string, bool> check)
    {
        var digest = Digest.Of(publicKeyHash, message, signature);
        lock (gate)
        {
            if (valid.Contains(digest))
            {
                return true;
            }
        }

        if (!check(signer, message, signature))
        {
            return false;
        }

        lock (gate)
        {
            if (valid.Count < Capacity)
            {
                valid.Add(digest);
            }
        }

        return true;
    }

    /// <summary>The SHA-256 of the key's hash, the message and the signature's characters, each after its length.</summary>
    private readonly record struct Digest(ulong A, ulong B, ulong C, ulong D)
    {
        public static Digest Of(ReadOnlySpan<byte> publicKeyHash, byte[] message, string signature)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            AppendWithLength(sha, publicKeyHash);
            AppendWithLength(sha, message);
            AppendWithLength(sha, MemoryMarshal.AsBytes(signature.AsSpan()));
            Span<byte> hash = stackalloc byte[32];
            sha.GetHashAndReset(hash);
            return new Digest(
                BinaryPrimitives.ReadUInt64LittleEndian(hash),
                BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]));
        }

        private static void AppendWithLength(IncrementalHash sha, ReadOnlySpan<byte> bytes)
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            sha.AppendData(length);
            sha.AppendData(bytes);
        }
    }
}
