using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>
/// How a client authenticates: OAuth 2.0 client credentials at the broker's token endpoint, for a bearer token holding
/// the scopes it was registered with.
/// </summary>
internal sealed class ClientCredentialsScheme : IOpenApiDocumentTransformer
{
    public const string Name = "oauth2";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.OAuth2,
            Description = "Client credentials: POST grant_type=client_credentials, client_id and client_secret (or HTTP Basic), and " +
                          "optionally scope, form-encoded to " + TokenServerPaths.Token + "; send the access token as " +
                          "'Authorization: Bearer …'. A token carries the scopes its client was registered with, and its tenant.",
            Flows = new OpenApiOAuthFlows
            {
                ClientCredentials = new OpenApiOAuthFlow
                {
                    TokenUrl = new Uri(TokenServerPaths.Token, UriKind.Relative),
                    Scopes = BrokerScopes.All.ToDictionary(scope => scope, scope => BrokerScopes.Descriptions[scope], StringComparer.Ordinal),
                },
            },
        };
        return Task.CompletedTask;
    }
}
