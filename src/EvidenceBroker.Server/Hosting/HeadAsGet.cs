namespace EvidenceBroker.Server.Hosting;

/// <summary>
/// HEAD answered as GET, without the body (RFC 9110 §9.3.2: a server that answers GET should answer HEAD alike). A
/// minimal API's MapGet matches GET alone, so a client checking a resource (its status, media type, ETag) got 405.
/// The GET handler itself runs, under the same authorisation, rate limit and tenant checks, so the status and headers
/// are the GET's. Handlers that record a download check <see cref="IsHead"/> and record none, since nothing is sent.
/// The OpenAPI document leaves HEAD out (see <c>AddBrokerOpenApi</c>): each GET implies it.
/// </summary>
public static class HeadAsGet
{
    /// <summary>Every GET endpoint mapped in <paramref name="group"/>, or in a group inside it, also answers HEAD.</summary>
    public static RouteGroupBuilder AnswerHeadAsGet(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        // Finally: after the endpoint's own conventions, so that the method list it ends with is the one extended.
        ((IEndpointConventionBuilder)group).Finally(endpoint =>
        {
            if (endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault() is { } methods
                && methods.HttpMethods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase)
                && !methods.HttpMethods.Contains(HttpMethods.Head, StringComparer.OrdinalIgnoreCase))
            {
                endpoint.Metadata.Add(new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Head], methods.AcceptCorsPreflight));
            }
        });
        return group;
    }

    /// <summary>
    /// Drops whatever is written as the body of a HEAD's answer, a handler's or a refusal's (status code pages, the
    /// exception handler). Kestrel already does so; this makes any host (a test server, a future one) behave alike.
    /// </summary>
    public static IApplicationBuilder UseHeadWithoutBody(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (IsHead(context.Request))
            {
                context.Response.Body = Stream.Null;
            }

            return next(context);
        });

    /// <summary>Whether <paramref name="request"/> asks only for the status and headers: nothing is sent, so no download is.</summary>
    public static bool IsHead(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return HttpMethods.IsHead(request.Method);
    }
}
