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
        var bytes = address.GetAddressBytes(); // without an IPv6 scope id, which IPAddress.Equals would compare
        return bytes.Length == 4 ? IsPublicV4(bytes) : IsPublicV6(bytes);
    }

    private static bool IsPublicV6(byte[] b)
    {
        var v6 = new IPAddress(b);
        if (IPAddress.IsLoopback(v6) || v6.Equals(IPAddress.IPv6Any) || v6.IsIPv6LinkLocal || v6.IsIPv6SiteLocal || v6.IsIPv6Multicast
            || (b[0] & 0xfe) == 0xfc) // fc00::/7, unique local
        {
            return false;
        }

        // Forms that carry an IPv4 address: judged by it, or refused where the IPv4 address cannot be told.
        if (b.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0 && ((b[10] == 0 && b[11] == 0) || (b[10] == 0xff && b[11] == 0xff)))
        {
            return IsPublicV4(b[12..]); // ::a.b.c.d (IPv4-compatible) and ::ffff:a.b.c.d (IPv4-mapped)
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            // 64:ff9b::/96 (NAT64, reaching the IPv4 address at its end); 64:ff9b:1::/48 (local NAT64) refused.
            return b[4] == 0 && b[5] == 0 && b.AsSpan(6, 6).IndexOfAnyExcept((byte)0) < 0 && IsPublicV4(b[12..]);
        }

        return b switch
        {
            [0x20, 0x02, ..] => IsPublicV4(b[2..6]),           // 2002::/16, 6to4
            [0x20, 0x01, 0x00, 0x00, ..] => false,              // 2001::/32, Teredo
            [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, ..] => false, // ::ffff:0:0:0/96, SIIT
            _ => true,
        };
    }

    private static bool IsPublicV4(byte[] v4) => v4[0] switch
    {
        0 or 10 or 127 => false,
        100 when (v4[1] & 0xc0) == 64 => false, // 100.64.0.0/10, carrier-grade NAT
        169 when v4[1] == 254 => false,         // link-local, the cloud metadata service
        172 when (v4[1] & 0xf0) == 16 => false, // 172.16.0.0/12
        192 when v4[1] == 168 => false,
        192 when v4[1] == 0 && v4[2] == 0 => false,
        198 when (v4[1] & 0xfe) == 18 => false,  // 198.18.0.0/15, benchmarking
        >= 224 => false,                        // multicast, reserved and broadcast
        _ => true,
    };

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
