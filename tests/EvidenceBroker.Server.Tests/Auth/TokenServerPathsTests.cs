using System.Net;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace EvidenceBroker.Server.Tests.Auth;

public sealed class TokenServerPathsTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public void Every_endpoint_of_the_token_server_lies_where_it_is_still_asked()
    {
        var options = broker.Services.GetRequiredService<IOptions<OpenIddictServerOptions>>().Value;

        // Every endpoint list OpenIddict has (token, discovery, keys, and any added later), so that an endpoint
        // configured outside TokenServerPaths fails here rather than going silently unanswered.
        var endpoints = typeof(OpenIddictServerOptions).GetProperties()
            .Where(p => p.Name.EndsWith("EndpointUris", StringComparison.Ordinal) && p.PropertyType == typeof(List<Uri>))
            .SelectMany(p => (List<Uri>)p.GetValue(options)!)
            .Select(uri => new PathString("/" + (uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString).TrimStart('/')))
            .ToList();

        Assert.Contains(new PathString("/connect/token"), endpoints);
        Assert.Contains(new PathString("/.well-known/jwks"), endpoints);
        Assert.All(endpoints, path => Assert.True(TokenServerPaths.Contains(path), $"{path} is outside the token server's paths"));
        Assert.Contains(options.Handlers, handler => handler.ServiceDescriptor.ServiceType == typeof(SkipRequestsOutsideTokenServerPaths));
    }

    [Theory]
    [InlineData("/api/v1/requests", true)]
    [InlineData("/portal/officer", true)]
    [InlineData("/connectx", true)]
    [InlineData("/connect/token", false)]
    [InlineData("/CONNECT/TOKEN", false)]
    [InlineData("/.well-known/openid-configuration", false)]
    public async Task The_token_server_passes_over_requests_outside_its_paths(string path, bool skipped)
    {
        var http = new DefaultHttpContext();
        http.Request.Path = path;
        var transaction = new OpenIddictServerTransaction();
        transaction.Properties[typeof(HttpRequest).FullName!] = new WeakReference<HttpRequest>(http.Request);
        var context = new ProcessRequestContext(transaction);

        await new SkipRequestsOutsideTokenServerPaths().HandleAsync(context);

        Assert.Equal(skipped, context.IsRequestSkipped);
    }

    [Fact]
    public async Task Discovery_and_signing_keys_still_answer()
    {
        using var client = broker.CreateClient();

        using var keys = await client.GetAsync("/.well-known/jwks");
        var document = await keys.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
        Assert.NotEmpty(document.GetProperty("keys").EnumerateArray());
    }
}
