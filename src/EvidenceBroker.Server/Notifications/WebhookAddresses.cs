using System.Net;
using System.Net.Sockets;

namespace EvidenceBroker.Server.Notifications;

/// <summary>
/// Where a webhook may be delivered. Outside Development (unless <c>Webhooks:AllowPrivateAddresses</c>), only to
/// public addresses: a URL that names or resolves to a loopback, private, link-local or otherwise internal address
/// would let whoever sets it make the broker send signed requests into its own network (the cloud's metadata service
/// at 169.254.169.254 among them) and read back, from the recorded failures, which hosts and ports answer. The check
/// runs on the address the connection is actually made to, so a name that resolves differently later gains nothing.
/// </summary>
public static class WebhookAddresses
{
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                     || (b[0] & 0xfe) == 0xfc); // fc00::/7, unique local
        }

        var v4 = address.GetAddressBytes();
        return v4[0] switch
        {
            0 or 10 or 127 => false,
            100 when (v4[1] & 0xc0) == 64 => false, // 100.64.0.0/10, carrier-grade NAT
            169 when v4[1] == 254 => false,         // link-local, the cloud metadata service
            172 when (v4[1] & 0xf0) == 16 => false, // 172.16.0.0/12
            192 when v4[1] == 168 => false,
            192 when v4[1] == 0 && v4[2] == 0 => false,
            198 when (v4[1] & 0xfe) == 18 => false,  // 198.18.0.0/15, benchmarking
            >= 224 => false,                        // multicast and reserved
            _ => true,
        };
    }

    /// <summary>Whether a URL's host is written as an address that is not public, or as localhost.</summary>
    public static bool NamesInternalHost(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsLoopback || url.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
               || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var literal) && !IsPublic(literal));
    }

    /// <summary>
    /// The connection a delivery uses: the name resolved here, every address that is not public dropped, then a
    /// connection to the first public one that answers.
    /// </summary>
    public static async ValueTask<Stream> ConnectToPublicAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.DnsEndPoint;
        var resolved = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        var allowed = resolved.Where(IsPublic).ToArray();
        if (allowed.Length == 0)
        {
            throw new WebhookAddressRefusedException();
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A webhook URL that resolves to no public address; recorded as the attempt's failure.</summary>
public sealed class WebhookAddressRefusedException : Exception
{
    public WebhookAddressRefusedException()
        : base("The webhook URL resolves to no public address.")
    {
    }

    public WebhookAddressRefusedException(string message)
        : base(message)
    {
    }

    public WebhookAddressRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
