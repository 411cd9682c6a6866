using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>
/// The problems the host answers before or while binding a request, which no handler's result type carries, listed
/// for the operations that can meet them: 429 under a rate limit, 413 for a body over its limit, 415 and 400 for a
/// JSON body of another type or that does not parse, 400 for a query or header value that does not parse.
/// </summary>
internal sealed class RequestFailureResponses : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var document = context.Document;

        var accepts = metadata.OfType<IAcceptsMetadata>().LastOrDefault();
        var json = accepts?.ContentTypes.Any(type => type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)) == true;
        if (json || BindsParsedValue(context))
        {
            ProblemResponses.AddIfMissing(operation, StatusCodes.Status400BadRequest, document, validation: true);
        }

        if (accepts is not null || metadata.OfType<RawBodyUpload>().Any())
        {
            ProblemResponses.AddIfMissing(operation, StatusCodes.Status413PayloadTooLarge, document);
        }

        if (json)
        {
            ProblemResponses.AddIfMissing(operation, StatusCodes.Status415UnsupportedMediaType, document);
        }

        var rateLimited = (metadata.OfType<EnableRateLimitingAttribute>().Any() && !metadata.OfType<DisableRateLimitingAttribute>().Any())
            || metadata.OfType<Hosting.WholeStoreLimited>().Any();
        if (rateLimited
            && ProblemResponses.AddIfMissing(operation, StatusCodes.Status429TooManyRequests, document) is { } tooMany)
        {
            tooMany.Headers = new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal)
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before trying again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                },
            };
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A query or header value the host parses into another type than text (a number, a date, a yes or no), which it
    /// refuses with 400 when the value does not parse. Route values are constrained instead: one that does not match
    /// finds no endpoint (404).
    /// </summary>
    private static bool BindsParsedValue(OpenApiOperationTransformerContext context) =>
        context.Description.ParameterDescriptions.Any(parameter =>
            (parameter.Source == BindingSource.Query || parameter.Source == BindingSource.Header)
            && (Nullable.GetUnderlyingType(parameter.Type) ?? parameter.Type) is { } type && type != typeof(string));
}
