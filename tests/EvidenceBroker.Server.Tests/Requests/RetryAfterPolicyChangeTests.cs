using System.Net;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// A filing accepted before the pack in force changed, whose answer was lost: its retry with the same Idempotency-Key
/// is the same filing, answered as a replay, even though the pack now in force would refuse a new one.
/// </summary>
public sealed class RetryAfterPolicyChangeTests
{
    [Fact]
    public async Task A_retry_is_answered_as_a_replay_after_a_pack_that_drops_its_country_came_into_force()
    {
        await using var broker = new WithCatalogue();
        using var officer = await broker.ClientAsync("met-case-system");
        var key = Guid.NewGuid().ToString();
        using var first = await SendAsync(officer, key);
        var filed = (await first.JsonAsync()).GetProperty("id").GetGuid();

        broker.Catalogue.Forget("GB");
        using var retry = await SendAsync(officer, key);
        using var fresh = await SendAsync(officer, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(filed, (await retry.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.BadRequest, fresh.StatusCode);
        Assert.True((await fresh.JsonAsync()).GetProperty("errors").TryGetProperty("requestingCountry", out _));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string key)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = new StringContent(SampleRequests.MetToNorthwindSubscriber().ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        message.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(message);
    }

    private sealed class WithCatalogue : BrokerFactory
    {
        public ForgettingCatalogue Catalogue { get; private set; } = null!;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IPolicyCatalogue>(provider =>
                Catalogue = new ForgettingCatalogue(provider.GetRequiredService<PolicyRegistry>())));
        }
    }

    /// <summary>The pack in force, less the countries a test has it forget, as a pack that drops them would be.</summary>
    private sealed class ForgettingCatalogue(IPolicyCatalogue inForce) : IPolicyCatalogue
    {
        private readonly HashSet<string> forgotten = [];

        public void Forget(string code) => forgotten.Add(code);

        public string ActiveVersion => inForce.ActiveVersion;

        public bool KnowsCountry(string code) => !forgotten.Contains(code) && inForce.KnowsCountry(code);

        public async Task<bool> KnowsCountryAsync(BrokerDbContext db, string code, CancellationToken ct) =>
            !forgotten.Contains(code) && await inForce.KnowsCountryAsync(db, code, ct);

        public Task<IReadOnlyList<CountryResource>> CountriesAsync(BrokerDbContext db, CancellationToken ct) => inForce.CountriesAsync(db, ct);
    }
}
