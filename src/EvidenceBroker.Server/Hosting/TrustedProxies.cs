using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace EvidenceBroker.Server.Hosting;

/// <summary>Bound from the "Proxy" section.</summary>
public sealed class ProxyOptions
{
    public const string Section = "Proxy";

    /// <summary>
    /// The addresses or networks (CIDR, e.g. <c>172.28.0.10</c> or <c>10.0.0.0/24</c>) of the reverse proxies that end
    /// TLS in front of the broker. Only a request that arrives from one of them has its client address and scheme taken
    /// from <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>; from anywhere else those headers are ignored. Empty: no
    /// proxy, and the headers are never read.
    /// </summary>
    public string[] TrustedNetworks { get; set; } = [];
}

/// <summary>
/// Forwarded headers from the configured proxies only. The per-address limits (<see cref="RateLimiting.NetworkOf"/>)
/// and the token server's HTTPS requirement rest on the client address and scheme, so a header anyone could send
/// must not set them. ASP.NET Core's own switch, <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>, trusts every sender, and
/// outside Development the broker refuses to start with it.
/// </summary>
public static class TrustedProxies
{
    public static IServiceCollection AddBrokerTrustedProxies(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment() && string.Equals(configuration["FORWARDEDHEADERS_ENABLED"], "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                "ASPNETCORE_FORWARDEDHEADERS_ENABLED trusts X-Forwarded-For and X-Forwarded-Proto from any sender, so anyone " +
                "could choose the address the limits count and claim HTTPS: remove it and list the proxies in Proxy:TrustedNetworks.");
        }

        var networks = (configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() ?? new ProxyOptions()).TrustedNetworks
            .Select((text, i) => NetworkOf(text)
                ?? throw new InvalidOperationException($"Proxy:TrustedNetworks:{i} ('{text}') is not an address or a network in CIDR notation."))
            .ToList();
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // As many hops as are trusted proxies (a load balancer in front of nginx): the client is the first address,
            // read from the right, that is not one of them.
            options.ForwardLimit = null;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            networks.ForEach(options.KnownIPNetworks.Add);
        });
        return services;
    }

    /// <summary>Reads forwarded headers when a proxy is configured; before anything that reads the address or scheme.</summary>
    public static IApplicationBuilder UseBrokerTrustedProxies(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ForwardedHeadersOptions>>().Value;
        return options.KnownIPNetworks.Count == 0 ? app : app.UseForwardedHeaders();
    }

    /// <summary>A network in CIDR notation, or a single address as the network of that address alone; null if neither.</summary>
    private static System.Net.IPNetwork? NetworkOf(string text) =>
        IPAddress.TryParse(text, out var address) ? new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8)
        : System.Net.IPNetwork.TryParse(text, out var network) ? network
        : null;
}
