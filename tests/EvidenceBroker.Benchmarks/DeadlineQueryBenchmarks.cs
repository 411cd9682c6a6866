using BenchmarkDotNet.Attributes;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Sla;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace EvidenceBroker.Benchmarks;

/// <summary>
/// Issue 5: every request whose deadline passes in the next hour, among 1,000,000 open requests in SQLite.
/// The broker's query (through EF Core, on the partial index of open deadlines) against the same SQL forced
/// to scan the table (NOT INDEXED) as the baseline. The database is built once and kept between runs.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class DeadlineQueryBenchmarks
{
    public const int OpenRequests = 1_000_000;
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly string DatabasePath = Path.Combine(Path.GetTempPath(), "eb-bench-deadlines-1m.db");
    private SqliteBrokerDbContext db = null!;
    private SqliteConnection raw = null!;

    [GlobalSetup]
    public void Setup()
    {
        var connectionString = $"Data Source={DatabasePath}";
        db = new SqliteBrokerDbContext(new DbContextOptionsBuilder<SqliteBrokerDbContext>().UseSqlite(connectionString).UseOpenIddict().Options);
        db.Database.Migrate();
        if (db.Deadlines.Count() != OpenRequests)
        {
            Fill(connectionString);
        }

        raw = new SqliteConnection(connectionString);
        raw.Open();
        using var plan = raw.CreateCommand();
        plan.CommandText = "EXPLAIN QUERY PLAN SELECT RequestId FROM deadlines WHERE CompletedAt IS NULL AND DueAt >= 0 AND DueAt < 1";
        using var reader = plan.ExecuteReader();
        while (reader.Read())
        {
            Console.WriteLine($"// plan: {reader.GetString(3)}");
        }

        Console.WriteLine($"// due in the next hour: {BrokerQuery().Count}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        db.Dispose();
        raw.Dispose();
    }

    [Benchmark(Description = "EF Core query on the open-deadline index")]
    public List<Guid> BrokerQuery()
    {
        var until = Now.AddHours(1);
        return db.Deadlines.AsNoTracking()
            .Where(d => d.CompletedAt == null && d.DueAt >= Now && d.DueAt < until)
            .Select(d => d.RequestId)
            .ToList();
    }

    [Benchmark(Baseline = true, Description = "Same SQL forced to scan (NOT INDEXED)")]
    public int FullScan()
    {
        var converter = new DateTimeOffsetToBinaryConverter();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT RequestId FROM deadlines NOT INDEXED WHERE CompletedAt IS NULL AND DueAt >= $from AND DueAt < $until";
        command.Parameters.AddWithValue("$from", converter.ConvertToProvider(Now));
        command.Parameters.AddWithValue("$until", converter.ConvertToProvider(Now.AddHours(1)));
        using var reader = command.ExecuteReader();
        var count = 0;
        while (reader.Read())
        {
            count++;
        }

        return count;
    }

    /// <summary>One million open requests, each with a response deadline spread evenly over the next 30 days.</summary>
    private static void Fill(string connectionString)
    {
        var converter = new DateTimeOffsetToBinaryConverter();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var wipe = connection.CreateCommand())
        {
            wipe.CommandText = "DELETE FROM deadlines; DELETE FROM requests;";
            wipe.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction();
        using var request = connection.CreateCommand();
        request.CommandText = """
            INSERT INTO requests (Id, Reference, RequestingCountry, AgencyId, ProviderId, ProviderJurisdiction, Content, FiledBy, FiledAt, UpdatedAt, State, Revision, ReleasedToProviderAt)
            VALUES ($id, $reference, 'GB', 'gb-met', 'northwind-mail', 'US', '{}', 'bench', $at, $at, 'Acknowledged', 1, $at)
            """;
        var requestId = request.Parameters.Add("$id", SqliteType.Text);
        var reference = request.Parameters.Add("$reference", SqliteType.Text);
        var filedAt = request.Parameters.Add("$at", SqliteType.Integer);
        using var deadline = connection.CreateCommand();
        deadline.CommandText = """
            INSERT INTO deadlines (Id, RequestId, Kind, StartsAt, DueAt, Source, Extended, NextCheckAt)
            VALUES ($id, $request, 'Response', $starts, $due, 'Reg. 2023/1543 Art. 10', 0, $due)
            """;
        var deadlineId = deadline.Parameters.Add("$id", SqliteType.Text);
        var deadlineRequest = deadline.Parameters.Add("$request", SqliteType.Text);
        var starts = deadline.Parameters.Add("$starts", SqliteType.Integer);
        var due = deadline.Parameters.Add("$due", SqliteType.Integer);
        var start = Now.AddDays(-10);
        var spread = TimeSpan.FromDays(30).Ticks / OpenRequests;
        for (var i = 0; i < OpenRequests; i++)
        {
            var id = Guid.NewGuid().ToString().ToUpperInvariant();
            requestId.Value = id;
            reference.Value = $"EB-BENCH-{i:D7}";
            filedAt.Value = converter.ConvertToProvider(start);
            request.ExecuteNonQuery();
            deadlineId.Value = Guid.NewGuid().ToString().ToUpperInvariant();
            deadlineRequest.Value = id;
            starts.Value = converter.ConvertToProvider(start);
            due.Value = converter.ConvertToProvider(Now.AddTicks(spread * i));
            deadline.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
