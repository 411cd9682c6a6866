using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// Gives a test request the network address named in its <see cref="Header"/>, as if it came from there (the test
/// server has no sockets, so every request would otherwise come from nowhere). Runs before the broker's pipeline.
/// </summary>
public sealed class NetworkFromHeader : IStartupFilter
{
    public const string Header = "X-Test-Network";

    /// <summary>Lets the broker built by <paramref name="builder"/> take each request's address from <see cref="Header"/>.</summary>
    public static void Install(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, NetworkFromHeader>());

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((http, go) =>
        {
            if (http.Request.Headers[Header] is [{ } address])
            {
                http.Connection.RemoteIpAddress = IPAddress.Parse(address);
            }

            return go(http);
        });
        next(app);
    };
}
