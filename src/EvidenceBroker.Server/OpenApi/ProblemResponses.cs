using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>An RFC 9457 problem response, as the generator writes the ones it knows of, added where it is missing.</summary>
internal static class ProblemResponses
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>Adds a problem response for <paramref name="status"/> unless the operation lists that status already.</summary>
    public static OpenApiResponse? AddIfMissing(OpenApiOperation operation, int status, OpenApiDocument? document, bool validation = false)
    {
        ArgumentNullException.ThrowIfNull(operation);
        operation.Responses ??= [];
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses.ContainsKey(key))
        {
            return null;
        }

        var response = new OpenApiResponse
        {
            Description = ReasonPhrases.GetReasonPhrase(status),
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                [ProblemJson] = new()
                {
                    Schema = new OpenApiSchemaReference(validation ? "HttpValidationProblemDetails" : "ProblemDetails", document),
                },
            },
        };
        operation.Responses[key] = response;
        return response;
    }
}
