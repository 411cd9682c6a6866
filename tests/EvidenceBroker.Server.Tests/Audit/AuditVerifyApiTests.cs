using System.Net;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Tests.Infrastructure;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Audit;

public sealed class AuditVerifyApiTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    private async Task<AuditCheckpoint?> CheckpointAsync()
    {
        await using var scope = broker.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Oversight_gets_intact_up_to_the_head_with_the_checkpoint_covered()
    {
        using var met = await broker.ClientAsync("met-case-system");
        await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());
        var checkpoint = await CheckpointAsync();
        using var oversight = await broker.ClientAsync("ipco-oversight");

        using var response = await oversight.GetAsync("/api/v1/audit/verify");
        var body = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("intact").GetBoolean());
        var head = await broker.WithDbAsync(db => db.AuditEntries.MaxAsync(e => e.Sequence));
        Assert.True(body.GetProperty("intactUpTo").GetInt64() >= head);
        Assert.StartsWith($"Intact up to {body.GetProperty("intactUpTo").GetInt64()}", body.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.True(body.GetProperty("checkpoint").GetProperty("covered").GetBoolean());
        Assert.True(body.GetProperty("checkpoint").GetProperty("sequence").GetInt64() >= checkpoint!.Sequence);
        Assert.Contains("BEGIN PUBLIC KEY", body.GetProperty("publicKeyPem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Administrators_may_verify_too()
    {
        using var admin = await broker.ClientAsync("broker-admin");

        using var response = await admin.GetAsync("/api/v1/audit/verify");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("met-case-system")]
    [InlineData("northwind-legal")]
    public async Task Officers_and_providers_may_not_verify(string client)
    {
        using var caller = await broker.ClientAsync(client);

        using var response = await caller.GetAsync("/api/v1/audit/verify");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_checkpoint_is_written_only_when_the_head_moved()
    {
        using var met = await broker.ClientAsync("met-case-system");
        await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());

        var first = await CheckpointAsync();
        var again = await CheckpointAsync();

        Assert.NotNull(first);
        Assert.Null(again);
        var key = broker.Services.GetRequiredService<AuditSigningKey>();
        Assert.Equal(1, first.SealedFrom); // every entry lay under the broker's seal, so the checkpoint vouches for them
        Assert.True(key.Verify(AuditCheckpoint.SignedMessage(first.Sequence, first.HeadHash, first.At, 1), first.Signature));
    }

    [Fact]
    public void The_checkpoint_job_is_scheduled_with_hangfire()
    {
        using var connection = broker.Services.GetRequiredService<JobStorage>().GetConnection();

        var job = connection.GetRecurringJobs().SingleOrDefault(j => j.Id == AuditCheckpoints.RecurringJobId);

        Assert.NotNull(job);
        Assert.Equal("*/15 * * * *", job.Cron);
    }

    [Fact]
    public async Task The_database_refuses_to_change_a_checkpoint()
    {
        using var met = await broker.ClientAsync("met-case-system");
        await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());
        await CheckpointAsync();

        var update = await Record.ExceptionAsync(() => broker.WithDbAsync(db =>
            db.Database.ExecuteSqlRawAsync("UPDATE audit_checkpoints SET \"Sequence\" = 1")));

        Assert.Contains("append-only", update?.Message, StringComparison.Ordinal);
    }
}

public sealed class AuditVerifyTamperedApiTests
{
    [Fact]
    public async Task A_tampered_live_chain_is_reported_with_the_first_broken_entry()
    {
        using var broker = new BrokerFactory();
        using var met = await broker.ClientAsync("met-case-system");
        await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());
        await broker.WithDbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_entries_no_update");
            return await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"StateAfter\" = 'rejected' WHERE \"Action\" = 'request.decided'");
        });
        var tampered = await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.Action == "request.decided").Select(e => e.Sequence).SingleAsync());
        using var oversight = await broker.ClientAsync("ipco-oversight");

        var body = await (await oversight.GetAsync("/api/v1/audit/verify")).JsonAsync();

        Assert.False(body.GetProperty("intact").GetBoolean());
        Assert.Equal(tampered, body.GetProperty("brokenAt").GetInt64());
        Assert.Equal(tampered - 1, body.GetProperty("intactUpTo").GetInt64());
        Assert.Contains($"Broken at entry {tampered}", body.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }
}
