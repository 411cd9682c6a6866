using System.Net;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// With <see cref="AuthOptions.AllowHttp"/> outside Development (a test cluster on one machine), the token server takes
/// plain HTTP only from the machine it runs on: a client secret sent in clear from anywhere else is refused, as
/// OpenIddict's own HTTPS requirement would refuse it, before it is read. Behind a proxy that ends TLS, the proxy's
/// <c>X-Forwarded-Proto</c> makes the request HTTPS (<c>Proxy:TrustedNetworks</c>) and this never refuses it.
/// </summary>
public sealed class PlainHttpFromThisMachineOnly : IOpenIddictServerHandler<ProcessRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessRequestContext>()
            .UseSingletonHandler<PlainHttpFromThisMachineOnly>()
            // Once the endpoint is known (an error needs it to be written), where OpenIddict checks HTTPS when it does.
            .SetOrder(OpenIddictServerHandlers.InferEndpointType.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // An endpoint OpenIddict does not know is left to answer 404 (it has no error response to write for one).
        if (context.EndpointType != OpenIddictServerEndpointType.Unknown
            && context.Transaction.GetHttpRequest() is { IsHttps: false } request
            && request.HttpContext.Connection.RemoteIpAddress is { } from
            && !IPAddress.IsLoopback(from))
        {
            context.Reject(
                error: OpenIddictConstants.Errors.InvalidRequest,
                description: "This server accepts plain HTTP only from the machine it runs on (Auth:AllowHttp): use HTTPS.");
        }

        return ValueTask.CompletedTask;
    }
}
