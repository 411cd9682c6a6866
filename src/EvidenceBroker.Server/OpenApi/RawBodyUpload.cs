using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>
/// Endpoint metadata for a handler that reads the raw request body itself (a file upload under the uploader's own
/// media type), which the generator cannot see, and for the query values it refuses to go without. Only the document
/// reads it: unlike <c>Accepts</c> metadata it does not make routing refuse other media types.
/// </summary>
public sealed record RawBodyUpload(string Description, params string[] RequiredQuery);

/// <summary>Describes the body and the required query values of the operations marked <see cref="RawBodyUpload"/>.</summary>
internal sealed class RawBodyUploads : IOpenApiOperationTransformer
{
    public const string OctetStream = "application/octet-stream";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RawBodyUpload>().LastOrDefault() is not { } upload)
        {
            return Task.CompletedTask;
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = upload.Description,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                [OctetStream] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
            },
        };
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In == ParameterLocation.Query && upload.RequiredQuery.Contains(parameter.Name, StringComparer.Ordinal))
            {
                parameter.Required = true;
            }
        }

        return Task.CompletedTask;
    }
}
