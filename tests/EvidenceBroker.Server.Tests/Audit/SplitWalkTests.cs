using System.Security.Cryptography;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Audit;

/// <summary>
/// A SQLite file with a 40-entry chain (non-ASCII text in actors and payloads, instants that cross seconds) and
/// checkpoints signed at entries 10 and 30. Each test tampers with its own copy, with the append-only triggers dropped.
/// </summary>
public sealed class ChainFile : IAsyncLifetime
{
    public const int Entries = 40;

    private readonly string directory = Directory.CreateTempSubdirectory("eb-chain-").FullName;

    public AuditSigningKey Key { get; } = new(ECDsa.Create(ECCurve.NamedCurves.nistP256), "test");

    private string Template => Path.Combine(directory, "template.db");

    public async Task InitializeAsync()
    {
        await using var db = Open(Template);
        await db.Database.MigrateAsync();
        var start = new DateTimeOffset(2026, 11, 23, 9, 0, 59, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var previous = AuditHashing.Genesis;
        for (long sequence = 1; sequence <= Entries; sequence++)
        {
            var at = start.AddMilliseconds(sequence * 700);
            var actor = sequence % 3 == 0 ? "Kommissarin Eva Braun-Lehmann §3 – ß 🔒" : "met-case-system";
            var payload = sequence % 2 == 0 ? $"{{\"note\":\"証拠 {sequence} 🔐\"}}" : $"{{\"reference\":\"EB-2026-{sequence:X6}\"}}";
            var (before, after, policy) = sequence % 2 == 0 ? ("filed", "routed-to-provider", "2026.11") : ((string?)null, "filed", (string?)null);
            var payloadHash = AuditHashing.Sha256Hex(payload);
            var hash = AuditHashing.Sha256Hex(AuditHashing.Canonical(sequence, at, actor, "officer", "Agency:DE/de-bka", "request.filed", "request",
                $"subject-{sequence}", before, after, policy, payloadHash, previous));
            db.AuditEntries.Add(new AuditEntry
            {
                Sequence = sequence, At = at, ActorId = actor, ActorRole = "officer", ActorTenant = "Agency:DE/de-bka", Action = "request.filed",
                SubjectType = "request", SubjectId = $"subject-{sequence}", StateBefore = before, StateAfter = after, PolicyVersion = policy,
                PayloadJson = payload, PayloadHash = payloadHash, PreviousHash = previous, Hash = hash,
            });
            if (sequence is 10 or 30)
            {
                db.AuditCheckpoints.Add(new AuditCheckpoint
                {
                    Sequence = sequence, HeadHash = hash, At = at, KeyId = Key.KeyId, Algorithm = AuditCheckpoint.EcdsaP256Sha256,
                    Signature = Key.Sign(AuditCheckpoint.SignedMessage(sequence, hash, at)),
                });
            }

            previous = hash;
        }

        await db.SaveChangesAsync();
    }

    public Task DisposeAsync()
    {
        Key.Dispose();
        Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }

    public async Task<SqliteBrokerDbContext> CopyAsync()
    {
        var path = Path.Combine(directory, $"copy-{Guid.NewGuid():N}.db");
        File.Copy(Template, path);
        var db = Open(path);
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_entries_no_update");
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_entries_no_delete");
        return db;
    }

    private static SqliteBrokerDbContext Open(string path) => new(new DbContextOptionsBuilder<SqliteBrokerDbContext>()
        .UseSqlite(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString())
        .UseOpenIddict()
        .Options);
}

/// <summary>
/// The SQLite walk splits long chains into ranges walked at once. Whatever the split, it must find exactly what
/// one walk from the start finds: the same first break, reason, entry count and checkpoint verdict.
/// </summary>
public sealed class SplitWalkTests(ChainFile chain) : IClassFixture<ChainFile>
{
    /// <summary>Null lets the verifier decide: a 40-entry chain is below the parallel threshold and is walked whole.</summary>
    private static readonly int?[] Splits = [null, 2, 3, 4, 7, 40];

    public static TheoryData<string, string, long?, string> Tamperings => new()
    {
        { "nothing (non-ASCII text verifies)", "", null, "" },
        { "a field in the second range", "UPDATE audit_entries SET \"ActorId\" = 'someone-else' WHERE \"Sequence\" = 30", 30, "content does not match its hash" },
        { "the previous-hash of the second range's first entry", $"UPDATE audit_entries SET \"PreviousHash\" = '{AuditHashing.Genesis}' WHERE \"Sequence\" = 21", 21, "previous-hash does not match" },
        { "the payload of the second range's first entry", "UPDATE audit_entries SET \"PayloadJson\" = 'forged' WHERE \"Sequence\" = 21", 21, "payload does not match" },
        { "the second range's first entry deleted", "DELETE FROM audit_entries WHERE \"Sequence\" = 21", 21, "entry 21 is missing" },
        { "the first range's last entry deleted", "DELETE FROM audit_entries WHERE \"Sequence\" = 20", 20, "entry 20 is missing" },
        { "entries across the boundary deleted", "DELETE FROM audit_entries WHERE \"Sequence\" BETWEEN 19 AND 23", 19, "entries 19–23 are missing" },
        { "a field in each range", "UPDATE audit_entries SET \"Action\" = 'request.withdrawn' WHERE \"Sequence\" IN (5, 30)", 5, "content does not match its hash" },
        { "entries swapped across the boundary", "UPDATE audit_entries SET \"Sequence\" = -1 WHERE \"Sequence\" = 20; UPDATE audit_entries SET \"Sequence\" = 20 WHERE \"Sequence\" = 21; UPDATE audit_entries SET \"Sequence\" = 21 WHERE \"Sequence\" = -1", 20, "previous-hash does not match" },
        { "an entry before the first", "INSERT INTO audit_entries SELECT 0, \"At\", \"ActorId\", \"ActorRole\", \"ActorTenant\", \"Action\", \"SubjectType\", \"SubjectId\", \"StateBefore\", \"StateAfter\", \"PolicyVersion\", \"PayloadJson\", \"PayloadHash\", \"PreviousHash\", \"Hash\" FROM audit_entries WHERE \"Sequence\" = 1", 1, "sequence 0 appears out of order" },
        { "the tail cut inside the last checkpoint", "DELETE FROM audit_entries WHERE \"Sequence\" >= 28", 28, "entries 28–30 were cut off the tail" },
    };

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Every_split_finds_what_one_walk_finds(string tampering, string sql, long? brokenAt, string reason)
    {
        await using var db = await chain.CopyAsync();
        if (sql.Length > 0)
        {
            await db.Database.ExecuteSqlRawAsync(sql);
        }

        var whole = await AuditVerifier.VerifyAsync(db, chain.Key, known: null, ranges: 1, CancellationToken.None);

        Assert.True(brokenAt == whole.BrokenAt, $"{tampering}: {whole.Summary}");
        Assert.Contains(reason, whole.Reason ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal(brokenAt is null, whole.Checkpoint?.Covered);
        foreach (var ranges in Splits)
        {
            Assert.Equal(whole, await AuditVerifier.VerifyAsync(db, chain.Key, known: null, ranges, CancellationToken.None));
        }
    }

    [Fact]
    public async Task Inside_a_transaction_the_walk_sees_its_uncommitted_entries()
    {
        await using var db = await chain.CopyAsync();
        await using var transaction = await db.Database.BeginTransactionAsync();
        // Other connections cannot see this write; a split walk would miss it, so the verifier walks whole here.
        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_entries WHERE \"Sequence\" = 35");

        var result = await AuditVerifier.VerifyAsync(db, chain.Key, known: null, ranges: 4, CancellationToken.None);

        Assert.Equal((35L, "Entry 35: entry 35 is missing."), (result.BrokenAt!.Value, result.Reason));
    }
}
