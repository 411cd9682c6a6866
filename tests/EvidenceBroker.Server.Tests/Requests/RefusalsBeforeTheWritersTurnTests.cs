using System.Net;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// A caller who sees a request but may not act on it is refused before the writers' turn, which every node waits for:
/// while another writer holds the turn, the refusal still comes at once. Oversight sees every request and writes none.
/// </summary>
public sealed class RefusalsBeforeTheWritersTurnTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Oversight_asking_for_a_production_s_content_is_refused_while_another_writer_holds_the_turn()
    {
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var oversight = await broker.ClientAsync("ipco-oversight");

        var status = await WhileTheTurnIsHeldAsync(ct => oversight.GetAsync($"/api/v1/requests/{id}/productions/{Guid.NewGuid()}/content", ct));

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task Oversight_recording_an_mlat_step_is_refused_while_another_writer_holds_the_turn()
    {
        var id = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        using var oversight = await broker.ClientAsync("ipco-oversight");

        var status = await WhileTheTurnIsHeldAsync(ct => oversight.PostAsync($"/api/v1/mlat/drafts/{id}/sent", null, ct));

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    /// <summary>The status <paramref name="call"/> answers while a writer holds the turn; fails if it waits for the turn.</summary>
    private async Task<HttpStatusCode> WhileTheTurnIsHeldAsync(Func<CancellationToken, Task<HttpResponseMessage>> call)
    {
        await using var holder = broker.Services.CreateAsyncScope();
        await using var held = await holder.ServiceProvider.GetRequiredService<BrokerDbContext>().BeginWriteAsync(CancellationToken.None);
        using var patience = new CancellationTokenSource(AtOnce);
        try
        {
            using var answer = await call(patience.Token);
            return answer.StatusCode;
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            Assert.Fail($"No answer within {AtOnce.TotalSeconds:0} s: the refusal waited for the writers' turn.");
            throw;
        }
    }
}
