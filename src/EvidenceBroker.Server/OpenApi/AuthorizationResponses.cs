using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>
/// For every operation that requires authorisation: the token it needs (any one of the scopes its policy accepts), and
/// the 401 (no valid token) and 403 (a token without the scope or tenant it needs) it answers otherwise.
/// </summary>
internal sealed class AuthorizationResponses : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (!RequiresAuthorization(metadata))
        {
            return Task.CompletedTask;
        }

        operation.Security = [.. Alternatives(metadata).Select(scopes => new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(ClientCredentialsScheme.Name, context.Document)] = [.. scopes],
        })];
        ProblemResponses.AddIfMissing(operation, StatusCodes.Status401Unauthorized, context.Document);
        ProblemResponses.AddIfMissing(operation, StatusCodes.Status403Forbidden, context.Document);
        return Task.CompletedTask;
    }

    internal static bool RequiresAuthorization(IList<object> metadata) =>
        metadata.Any(m => m is IAuthorizeData or AuthorizationPolicy) && !metadata.OfType<IAllowAnonymous>().Any();

    /// <summary>
    /// The sets of scopes any one of which lets a token through: one scope from each named policy on the endpoint (all
    /// of them must pass). A policy that any tenant's token meets, or one given inline, adds no scope.
    /// </summary>
    private static List<SortedSet<string>> Alternatives(IList<object> metadata)
    {
        var alternatives = new List<SortedSet<string>> { new(StringComparer.Ordinal) };
        foreach (var policy in metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var scopes = BrokerPolicies.ScopesOf(policy);
            if (scopes.Count == 0)
            {
                continue;
            }

            alternatives = [.. alternatives.SelectMany(set => scopes.Select(scope => new SortedSet<string>(set, StringComparer.Ordinal) { scope }))
                .DistinctBy(set => string.Join(' ', set), StringComparer.Ordinal)];
        }

        return alternatives;
    }
}
