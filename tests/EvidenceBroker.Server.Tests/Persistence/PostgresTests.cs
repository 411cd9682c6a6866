using System.Net;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>The same intake, on a real PostgreSQL with its own migrations.</summary>
public sealed class PostgresTests
{
    [PostgresFact]
    public async Task Filing_reading_and_idempotency_work_on_postgres()
    {
        await using var broker = new PostgresBrokerFactory();
        using var officer = await broker.ClientAsync("met-case-system");
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = JsonContent(SampleRequests.MetToNorthwindSubscriber().ToJsonString()),
        };
        message.Headers.Add("Idempotency-Key", "pg-key-1");
        using var retry = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = JsonContent(SampleRequests.MetToNorthwindSubscriber().ToJsonString()),
        };
        retry.Headers.Add("Idempotency-Key", "pg-key-1");

        using var created = await officer.SendAsync(message);
        using var replayed = await officer.SendAsync(retry);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        using var read = await officer.GetAsync($"/api/v1/requests/{id}");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(id, (await replayed.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(1, await broker.WithDbAsync(db => db.Requests.CountAsync()));
    }

    [PostgresFact]
    public async Task Concurrent_filings_leave_one_valid_chain_on_postgres()
    {
        await using var broker = new PostgresBrokerFactory();
        using var officer = await broker.ClientAsync("met-case-system");

        var responses = await Task.WhenAll(Enumerable.Range(0, 16)
            .Select(_ => officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber())));
        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.True(verification.Intact, verification.Reason);
    }

    [PostgresFact]
    public async Task Postgres_refuses_to_update_delete_or_truncate_audit_entries()
    {
        await using var broker = new PostgresBrokerFactory();
        using var officer = await broker.ClientAsync("met-case-system");
        await officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());

        foreach (var sql in new[] { "UPDATE audit_entries SET \"Action\" = 'forged'", "DELETE FROM audit_entries", "TRUNCATE audit_entries" })
        {
            var error = await Record.ExceptionAsync(() => broker.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(sql)));
            Assert.Contains("append-only", error?.Message, StringComparison.Ordinal);
        }
    }

    [PostgresFact]
    public async Task A_decisions_explanation_is_stored_lz4_compressed_and_reads_back_whole()
    {
        await using var broker = new PostgresBrokerFactory();
        using var officer = await broker.ClientAsync("met-case-system");
        using var created = await officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        using var explained = await officer.GetAsync($"/api/v1/requests/{id}/decision");

        var stored = await broker.WithDbAsync(db => db.Database
            .SqlQuery<StoredCompression>($"""
                SELECT pg_column_compression("DecisionJson") AS "Method", octet_length("DecisionJson") AS "Length",
                       pg_column_size("DecisionJson") AS "StoredSize"
                FROM decisions WHERE "RequestId" = {id}
                """)
            .SingleAsync());
        var json = await broker.WithDbAsync(db => db.Decisions.Where(d => d.RequestId == id).Select(d => d.DecisionJson).SingleAsync());

        Assert.Equal("lz4", stored.Method);
        Assert.True(stored.StoredSize < stored.Length / 2, $"{stored.StoredSize} bytes stored for {stored.Length}");
        Assert.Equal(HttpStatusCode.OK, explained.StatusCode);
        Assert.Equal(json, await explained.Content.ReadAsStringAsync());
    }

    private sealed record StoredCompression(string Method, int Length, int StoredSize);

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
