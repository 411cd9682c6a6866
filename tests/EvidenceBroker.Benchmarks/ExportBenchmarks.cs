using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using Microsoft.Data.Sqlite;

namespace EvidenceBroker.Benchmarks;

/// <summary>
/// Verifying the whole audit chain from a SQLite file. One operation is one entry, so the mean is the time per
/// entry and 1/mean the entries per second (target ≥ 500,000/s). Baseline: the straightforward EF walk with
/// string-built canonical encodings, which is what the verifier replaced. The verifier reads the stored UTF-8
/// straight from SQLite and walks a chain this long in as many ranges at once as there are cores (up to four), so
/// its figure depends on how many cores are free: measure on an otherwise idle machine and note the load.
/// </summary>
[MemoryDiagnoser]
public class AuditVerificationBenchmarks
{
    private const int Entries = 200_000;
    private string path = null!;
    private SqliteBrokerDbContext db = null!;

    [GlobalSetup]
    public void Setup()
    {
        path = ExportFixtures.CreateDatabase("audit");
        ExportFixtures.FillAuditChain(path, Entries);
        db = ExportFixtures.Open(path);
        var check = AuditVerifier.VerifyAsync(db, CancellationToken.None).GetAwaiter().GetResult();
        if (!check.Intact || check.IntactUpTo != Entries)
        {
            throw new InvalidOperationException($"fixture chain is not intact: {check.Summary}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        db.Dispose();
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }

    [Benchmark(OperationsPerInvoke = Entries, Description = "Audit verify, per entry (200,000-entry chain, SQLite)")]
    public long Verify() => AuditVerifier.VerifyAsync(db, CancellationToken.None).GetAwaiter().GetResult().IntactUpTo;

    [Benchmark(Baseline = true, OperationsPerInvoke = Entries, Description = "Audit verify, per entry, naive EF walk (baseline)")]
    public long NaiveVerify()
    {
        long expected = 0;
        var previous = AuditHashing.Genesis;
        foreach (var entry in Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AsNoTracking(db.AuditEntries).OrderBy(e => e.Sequence))
        {
            if (entry.PreviousHash != previous || AuditHashing.Sha256Hex(entry.PayloadJson) != entry.PayloadHash || AuditHashing.HashOf(entry) != entry.Hash)
            {
                break;
            }

            previous = entry.Hash;
            expected++;
        }

        return expected;
    }
}

/// <summary>One decision dossier rendered to PDF/A from data in memory (target ≤ 50 ms).</summary>
[MemoryDiagnoser]
public class DossierBenchmarks
{
    private DossierData data = null!;

    [GlobalSetup]
    public void Setup()
    {
        var content = ExportFixtures.Request("GB", "gb-met");
        var decision = ExportFixtures.Decide(content);
        var now = ExportFixtures.Now;
        var request = new EvidenceRequest(Guid.CreateVersion7(now), "EB-2026-7Q4K9X", content, "US", "met-case-system", now);
        request.ApplyDecision(decision.Outcome, decision.Channel, decision.PolicyVersion, now);
        var decisionJson = System.Text.Json.JsonSerializer.Serialize(decision, DecisionJson.Compact);
        var stored = new StoredDecision
        {
            RequestId = request.Id, Outcome = decision.Outcome, Channel = decision.Channel, PolicyVersion = decision.PolicyVersion,
            EvaluatedOn = decision.EvaluatedOn, DecidedAt = now, InputJson = "{}", DecisionJson = decisionJson,
        };
        var entries = new List<AuditEntry>();
        var previous = AuditHashing.Genesis;
        foreach (var (action, before, after) in new[] { ("request.filed", (string?)null, "filed"), ("request.decided", "filed", "routed-to-provider") })
        {
            var payloadHash = AuditHashing.Sha256Hex("{}");
            var sequence = entries.Count + 1;
            var hash = AuditHashing.Sha256Hex(AuditHashing.Canonical(sequence, now, "met-case-system", "officer", "Agency:GB/gb-met", action, "request",
                request.Id.ToString(), before, after, decision.PolicyVersion, payloadHash, previous));
            entries.Add(new AuditEntry
            {
                Sequence = sequence, At = now, ActorId = "met-case-system", ActorRole = "officer", ActorTenant = "Agency:GB/gb-met", Action = action,
                SubjectType = "request", SubjectId = request.Id.ToString(), StateBefore = before, StateAfter = after, PolicyVersion = decision.PolicyVersion,
                PayloadJson = "{}", PayloadHash = payloadHash, PreviousHash = previous, Hash = hash,
            });
            previous = hash;
        }

        var checkpoint = new AuditCheckpoint
        {
            Id = 1, Sequence = 2, HeadHash = previous, At = now, KeyId = "0123456789abcdef", Algorithm = AuditCheckpoint.EcdsaP256Sha256,
            Signature = Convert.ToBase64String(new byte[64]),
        };
        var response = new Server.Sla.Deadline
        {
            Id = Guid.NewGuid(), RequestId = request.Id, Kind = Server.Sla.DeadlineKind.Response, StartsAt = now, DueAt = now.AddDays(10),
            Source = "Broker default (the order sets the deadline)",
        };
        data = new DossierData(request, "Metropolitan Police Service", "Northwind Mail Inc.", stored, decision, null, entries, [checkpoint], [response], now);
        _ = DossierDocument.Render(data);
    }

    [Benchmark(Description = "Decision dossier PDF")]
    public int Dossier() => DossierDocument.Render(data).Length;
}

/// <summary>
/// The oversight report over 100,000 decided requests in SQLite: query, aggregate and PDF (target ≤ 5 s, peak
/// memory ≤ 300 MB; the peak working set of the benchmark process is printed at the end).
/// </summary>
[MemoryDiagnoser]
public class OversightReportBenchmarks
{
    private const int Requests = 100_000;
    private string path = null!;

    [GlobalSetup]
    public void Setup()
    {
        path = ExportFixtures.CreateDatabase("oversight");
        ExportFixtures.FillRequests(path, Requests);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// Peak working set of the benchmark process: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MB");
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }

    [Benchmark(Description = "Oversight report PDF, 100,000 decisions")]
    public int Report()
    {
        using var db = ExportFixtures.Open(path);
        var data = OversightReportQuery.BuildAsync(db, new OversightReportParameters(new DateOnly(2026, 7, 1), new DateOnly(2026, 12, 31)),
            ExportFixtures.Now.AddMonths(2), null, CancellationToken.None).GetAwaiter().GetResult();
        if (data.Total != Requests)
        {
            throw new InvalidOperationException($"expected {Requests} requests, the report counted {data.Total}");
        }

        return OversightReportDocument.Render(data).Length;
    }
}
