using Microsoft.AspNetCore.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>Registers the broker's OpenAPI document and the transformers that make it say what the API does.</summary>
public static class OpenApiExtensions
{
    public static IServiceCollection AddBrokerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddSchemaTransformer<WireTypeSchemas>();
            options.AddDocumentTransformer<ClientCredentialsScheme>();
            options.AddOperationTransformer<AuthorizationResponses>();
        });
}
