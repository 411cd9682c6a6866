using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Benchmarks;

/// <summary>
/// A full verification of a year's audit trail on SQLite, and what its signature checks cost: 100,000 entries, a
/// checkpoint every 15 minutes while the chain moves (35,000 a year) and one seal per write batch. A quiet broker
/// commits each filing alone, and a filing appends two entries (filed, decided), so the year holds 50,000 seals.
/// <see cref="SealsVouchedFor"/>: whether the checkpoints vouch for the seals (second version, as the broker signs
/// them when every seal held), so that verification checks only the seals after the newest; or not (first version,
/// or sealing broken once), so that it checks every seal. Baseline: the walk alone, without the key. A key keeps the
/// signatures it found valid (<see cref="VerifiedSignatures"/>): <see cref="Verify"/> measures the verifications after
/// the first in a process, <see cref="VerifyFirst"/> the first, which checks every signature.
/// </summary>
[MemoryDiagnoser]
public class AuditSignatureBenchmarks
{
    private const int Entries = 100_000;
    private const int Checkpoints = 35_000;
    private const int EntriesPerSeal = 2;
    private string path = null!;
    private SqliteBrokerDbContext db = null!;
    private ECParameters keyParameters;
    private AuditSigningKey key = null!;
    private AuditCheckpoint oneCheckpoint = null!;
    private ECDsa publicKey = null!;
    private byte[] oneMessage = null!;
    private byte[] oneSignature = null!;

    [Params(true, false)]
    public bool SealsVouchedFor { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        path = ExportFixtures.CreateDatabase("signatures");
        ExportFixtures.FillAuditChain(path, Entries);
        using (var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            keyParameters = signing.ExportParameters(includePrivateParameters: true);
        }

        key = NewKey();
        db = ExportFixtures.Open(path);
        var hashes = db.AuditEntries.AsNoTracking().OrderBy(e => e.Sequence).Select(e => e.Hash).ToArray();
        for (long last = EntriesPerSeal; last <= Entries; last += EntriesPerSeal)
        {
            var first = last - EntriesPerSeal + 1;
            var hash = hashes[last - 1];
            db.AuditSeals.Add(new AuditSeal
            {
                FirstSequence = first, LastSequence = last, LastHash = hash, KeyId = key.KeyId,
                Signature = key.Sign(AuditSeal.SignedMessage(first, last, hash)),
            });
        }

        var at = ExportFixtures.Now;
        for (var i = 1; i <= Checkpoints; i++)
        {
            // Every fifteen minutes, at the last entry sealed by then.
            var sequence = (long)i * Entries / Checkpoints / EntriesPerSeal * EntriesPerSeal;
            long? sealedFrom = SealsVouchedFor ? 1 : null;
            at = at.AddMinutes(15);
            db.AuditCheckpoints.Add(new AuditCheckpoint
            {
                Sequence = sequence, HeadHash = hashes[sequence - 1], At = at, KeyId = key.KeyId, Algorithm = AuditCheckpoint.EcdsaP256Sha256,
                SealedFrom = sealedFrom, Signature = key.Sign(AuditCheckpoint.MessageFor(sequence, hashes[sequence - 1], at, sealedFrom)),
            });
        }

        db.SaveChanges();
        db.ChangeTracker.Clear();
        oneCheckpoint = db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Id).First();
        publicKey = ECDsa.Create(new ECParameters { Curve = keyParameters.Curve, Q = keyParameters.Q });
        oneMessage = oneCheckpoint.Message();
        oneSignature = Convert.FromBase64String(oneCheckpoint.Signature);
        var check = AuditVerifier.VerifyAsync(db, key, CancellationToken.None).GetAwaiter().GetResult();
        if (!check.Intact || check.IntactUpTo != Entries || check.Checkpoint is not { Covered: true } || check.SealedFrom != 1)
        {
            throw new InvalidOperationException($"fixture chain is not intact: {check.Summary}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        key.Dispose();
        publicKey.Dispose();
        db.Dispose();
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }

    [Benchmark(Baseline = true, Description = "Verify, walk only (no key)")]
    public long WalkOnly() => AuditVerifier.VerifyAsync(db, null, CancellationToken.None).GetAwaiter().GetResult().IntactUpTo;

    [Benchmark(Description = "Verify with checkpoints and seals (the broker's key, its verified signatures kept)")]
    public long Verify() => AuditVerifier.VerifyAsync(db, key, CancellationToken.None).GetAwaiter().GetResult().IntactUpTo;

    /// <summary>The first verification in a process: every signature checked, as every verification did before signatures were kept.</summary>
    [Benchmark(Description = "Verify with checkpoints and seals (a key that verified nothing yet)")]
    public long VerifyFirst()
    {
        using var fresh = NewKey();
        return AuditVerifier.VerifyAsync(db, fresh, CancellationToken.None).GetAwaiter().GetResult().IntactUpTo;
    }

    [Benchmark(OperationsPerInvoke = 1_000, Description = "One ECDSA P-256 verify (a checkpoint's message, bare ECDsa)")]
    public int OneEcdsaVerify()
    {
        var valid = 0;
        for (var i = 0; i < 1_000; i++)
        {
            valid += publicKey.VerifyData(oneMessage, oneSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation) ? 1 : 0;
        }

        return valid;
    }

    [Benchmark(OperationsPerInvoke = 1_000, Description = "One checkpoint's SignatureValid")]
    public int OneCheckpointSignature()
    {
        var valid = 0;
        for (var i = 0; i < 1_000; i++)
        {
            valid += oneCheckpoint.SignatureValid(key) ? 1 : 0;
        }

        return valid;
    }

    private AuditSigningKey NewKey() => new(ECDsa.Create(keyParameters), "benchmark key");
}
