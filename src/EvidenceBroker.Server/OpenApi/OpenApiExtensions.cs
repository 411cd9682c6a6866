using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>Registers the broker's OpenAPI document and the transformers that make it say what the API does.</summary>
public static class OpenApiExtensions
{
    public static IServiceCollection AddBrokerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            // The policy engine's deadline kinds and a request's clocks are two enums of one name; under one component
            // the clocks' kinds (non-disclosure-end, …) were missing from the list of values that the timeline sends.
            options.CreateSchemaReferenceId = type => type.Type == typeof(Sla.DeadlineKind)
                ? "RequestDeadlineKind"
                : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            // HEAD, which every GET answers alike (Hosting/HeadAsGet), is not listed: it would repeat each GET operation.
            var ofThisDocument = options.ShouldInclude;
            options.ShouldInclude = description => !HttpMethods.IsHead(description.HttpMethod ?? "") && ofThisDocument(description);
            options.AddSchemaTransformer<WireTypeSchemas>();
            options.AddSchemaTransformer<CheckedBodyValues>();
            options.AddDocumentTransformer<ClientCredentialsScheme>();
            options.AddDocumentTransformer<ProblemSchemas>();
            options.AddDocumentTransformer<OmittedNulls>();
            options.AddOperationTransformer<RawBodyUploads>();
            options.AddOperationTransformer<AuthorizationResponses>();
            options.AddOperationTransformer<RequestFailureResponses>();
            options.AddOperationTransformer<CheckedQueryValues>();
        });

    /// <summary>Marks a handler that reads the raw body as an upload, for the OpenAPI document (see <see cref="RawBodyUpload"/>).</summary>
    public static RouteHandlerBuilder AcceptsRawBody(this RouteHandlerBuilder builder, string description, params string[] requiredQuery) =>
        builder.WithMetadata(new RawBodyUpload(description, requiredQuery));

    /// <summary>Marks the query value <paramref name="parameter"/> as one of <typeparamref name="T"/>'s wire names, for the OpenAPI document.</summary>
    public static RouteHandlerBuilder TakesWireNames<T>(this RouteHandlerBuilder builder, string parameter, string? description = null) where T : struct, Enum =>
        builder.WithMetadata(new QueryWireNames(parameter, typeof(T), description));

    /// <summary>
    /// Marks an endpoint whose handler lets only <paramref name="role"/> take its action, beyond the endpoint's policy:
    /// the OpenAPI document lists the scopes that role needs (see <see cref="AuthorizationResponses"/>).
    /// </summary>
    public static RouteHandlerBuilder TakenBy(this RouteHandlerBuilder builder, ActionRole role) => builder.WithMetadata(role);
}
