using System.Collections.Concurrent;
using System.Net;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// Intake inserts a filing first and asks questions only when a unique key refuses it. A drawn reference that is
/// already taken must then be drawn again — the filing succeeds, nothing of the refused attempt stays behind.
/// </summary>
public sealed class ReferenceClashTests
{
    [Fact]
    public async Task A_taken_reference_is_drawn_again_and_the_refused_attempt_leaves_nothing()
    {
        var references = new ScriptedReferences("EB-2026-AAAAAAAA", "EB-2026-AAAAAAAA", "EB-2026-BBBBBBBB");
        await using var broker = new ClashingBroker(references);
        using var officer = await broker.ClientAsync("met-case-system");

        using var first = await officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());
        using var second = await officer.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("EB-2026-AAAAAAAA", (await first.JsonAsync()).GetProperty("reference").GetString());
        Assert.Equal("EB-2026-BBBBBBBB", (await second.JsonAsync()).GetProperty("reference").GetString());
        var (requests, decisions, audit, outbox) = await broker.WithDbAsync(async db => (
            await db.Requests.CountAsync(), await db.Decisions.CountAsync(),
            await db.AuditEntries.CountAsync(a => a.Action.StartsWith("request.")), await db.Outbox.CountAsync()));
        Assert.Equal((2, 2, 4, 4), (requests, decisions, audit, outbox));
        var verification = await broker.WithDbAsync(db => AuditVerifier.VerifyAsync(db, CancellationToken.None));
        Assert.True(verification.Intact, verification.Reason);
    }

    private sealed class ScriptedReferences(params string[] script) : IRequestReferences
    {
        private readonly ConcurrentQueue<string> next = new(script);

        public string Next(DateTimeOffset now) =>
            next.TryDequeue(out var reference) ? reference : throw new InvalidOperationException("The script ran out of references.");
    }

    private sealed class ClashingBroker(IRequestReferences references) : BrokerFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton(references));
        }
    }
}
