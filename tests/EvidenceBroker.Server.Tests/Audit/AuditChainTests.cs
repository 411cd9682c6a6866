using System.Net;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Audit;

public sealed class AuditChainTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public async Task Concurrent_filings_leave_one_valid_chain()
    {
        using var met = await broker.ClientAsync("met-case-system");
        using var bka = await broker.ClientAsync("bka-case-system");
        var bkaBody = SampleRequests.MetToNorthwindSubscriber().With("requestingCountry", "DE").With("agencyId", "de-bka");

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => i % 2 == 0
            ? met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber())
            : bka.PostJsonAsync("/api/v1/requests", bkaBody)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(verification.Intact, verification.Reason);
        Assert.True(verification.IntactUpTo >= 48);
    }

    [Fact]
    public async Task The_chain_verifies_when_times_carry_digits_finer_than_the_database_keeps()
    {
        using var met = await broker.ClientAsync("met-case-system");
        for (var i = 0; i < 3; i++)
        {
            broker.Clock.Advance(TimeSpan.FromTicks(1_234_567 + i)); // 123.4567 ms: below SQLite's 100 µs resolution
            Assert.Equal(HttpStatusCode.Created, (await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber())).StatusCode);
        }

        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));

        Assert.True(verification.Intact, verification.Reason);
    }

    [Fact]
    public async Task The_database_refuses_to_update_or_delete_audit_entries()
    {
        using var met = await broker.ClientAsync("met-case-system");
        await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());

        var update = await Record.ExceptionAsync(() => broker.WithDbAsync(db =>
            db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"Action\" = 'forged'")));
        var delete = await Record.ExceptionAsync(() => broker.WithDbAsync(db =>
            db.Database.ExecuteSqlRawAsync("DELETE FROM audit_entries")));

        Assert.Contains("append-only", update?.Message, StringComparison.Ordinal);
        Assert.Contains("append-only", delete?.Message, StringComparison.Ordinal);
    }
}
