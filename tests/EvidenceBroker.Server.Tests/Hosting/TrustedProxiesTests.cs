using System.Net;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace EvidenceBroker.Server.Tests.Hosting;

/// <summary>Forwarded headers count only from the configured proxy: nobody else can choose the address a limit counts.</summary>
public sealed class TrustedProxiesTests
{
    private const string Proxy = "10.9.0.1";

    /// <summary>A broker behind the trusted proxies given, taking each request's own address from <see cref="NetworkFromHeader.Header"/>.</summary>
    private sealed class BehindProxies(string trusted) : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("RateLimits:TokenPerAddressPerMinute", "3"), new("Proxy:TrustedNetworks:0", trusted)];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            NetworkFromHeader.Install(builder);
        }
    }

    [Fact]
    public async Task Behind_the_proxy_each_client_address_it_forwards_has_its_own_limit()
    {
        await using var broker = new BehindProxies(Proxy);

        var distinctClients = await TokenAttemptsAsync(broker, from: Proxy, i => $"203.0.113.{i}");
        var oneClient = await TokenAttemptsAsync(broker, from: Proxy, _ => "198.51.100.9");

        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, distinctClients);
        Assert.Equal(HttpStatusCode.TooManyRequests, oneClient[^1]);
    }

    [Fact]
    public async Task Behind_a_load_balancer_and_nginx_the_client_is_the_first_address_that_is_no_trusted_proxy()
    {
        await using var broker = new BehindProxies("10.9.0.0/24");

        // nginx (10.9.0.1) appends the load balancer (10.9.0.2), which appended the client.
        var statuses = await TokenAttemptsAsync(broker, from: Proxy, i => $"203.0.113.{i}, 10.9.0.2");

        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task A_sender_that_is_not_the_proxy_cannot_choose_its_address_with_x_forwarded_for()
    {
        await using var broker = new BehindProxies(Proxy);

        var statuses = await TokenAttemptsAsync(broker, from: "10.9.0.2", i => $"203.0.113.{i}");

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    /// <summary>Four token requests arriving from <paramref name="from"/>, each forwarding the address given.</summary>
    private static async Task<List<HttpStatusCode>> TokenAttemptsAsync(BrokerFactory broker, string from, Func<int, string> forwardedFor)
    {
        using var client = broker.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var attempt = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials", ["client_id"] = "met-case-system", ["client_secret"] = $"guess-{i}",
                }),
            };
            attempt.Headers.Add(NetworkFromHeader.Header, from);
            attempt.Headers.Add("X-Forwarded-For", forwardedFor(i));
            using var answer = await client.SendAsync(attempt);
            statuses.Add(answer.StatusCode);
        }

        return statuses;
    }
}
