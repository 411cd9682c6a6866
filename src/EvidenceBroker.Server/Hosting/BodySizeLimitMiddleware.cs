using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Hosting;

/// <summary>Bound from the "Limits" section.</summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Largest JSON body an API endpoint accepts, in bytes.</summary>
    [Range(1024, 100L * 1024 * 1024)]
    public long JsonBodyBytes { get; set; } = 64 * 1024;
}

/// <summary>
/// Refuses oversize bodies with 413 before any endpoint sees them, the same under Kestrel, behind a proxy and
/// in the test host. Endpoints that stream large uploads declare their own limit with request-size metadata.
/// </summary>
internal sealed class BodySizeLimitMiddleware(RequestDelegate next, IOptions<LimitsOptions> options)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var metadata = http.GetEndpoint()?.Metadata;
        var declared = metadata?.GetMetadata<HandlerBodySizeLimit>() is { } byHandler
            ? await byHandler.LimitForAsync(http)
            : metadata?.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
        var limit = declared ?? options.Value.JsonBodyBytes;
        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        if (http.Request.ContentLength > limit)
        {
            throw new BadHttpRequestException($"The body may be at most {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        if (declared is null && http.Request.ContentLength is null && HasBody(http.Request))
        {
            // A chunked body has no length up front: read it up to the limit so the endpoint never sees more.
            var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new BadHttpRequestException($"The body may be at most {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
                }

                buffer.Write(chunk, 0, read);
            }

            buffer.Position = 0;
            http.Request.Body = buffer;
            http.Response.RegisterForDispose(buffer);
        }

        await next(http);
    }

    private static bool HasBody(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method);
}
