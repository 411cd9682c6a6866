using System.Net;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// Every write waits for one writers' turn, shared by all nodes. An action on a request the caller cannot see (a
/// guessed id, another tenant's request) is answered 404 without waiting for that turn, so looping over guessed ids
/// does not hold up everyone else's filings.
/// </summary>
public sealed class UnseenRequestTests
{
    [Theory]
    [InlineData("POST", "/api/v1/requests/{id}/acknowledge", """{"text":"Received."}""")]
    [InlineData("POST", "/api/v1/requests/{id}/validation", """{"validatedBy":{"type":"judge","name":"District Judge Patel"}}""")]
    [InlineData("POST", "/api/v1/requests/{id}/validation/refusal", """{"text":"Refused by District Judge Patel."}""")]
    [InlineData("GET", "/api/v1/requests/{id}/productions/{production}/content", null)]
    [InlineData("POST", "/api/v1/mlat/drafts/{id}/sent", """{"text":"Sent."}""")]
    public async Task An_action_on_a_request_the_caller_cannot_see_is_answered_while_another_write_holds_the_turn(string method, string path, string? json)
    {
        await using var broker = new BrokerFactory();
        var othersRequest = await broker.FileAsync("bka-case-system", SampleRequests.MetToNorthwindSubscriber()
            .With("requestingCountry", "DE").With("agencyId", "de-bka"));
        using var officer = await broker.ClientAsync("met-case-system");
        await using var scope = broker.Services.CreateAsyncScope();
        var writer = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();

        HttpStatusCode status;
        await using (await writer.BeginWriteAsync(CancellationToken.None))
        {
            var url = path.Replace("{id}", othersRequest.ToString(), StringComparison.Ordinal)
                .Replace("{production}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
            using var message = new HttpRequestMessage(new HttpMethod(method), url)
            {
                Content = json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
            };
            var answer = officer.SendAsync(message);
            var first = await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(15)));
            Assert.Same(answer, first);
            using var response = await answer;
            status = response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.NotFound, status);
    }
}
