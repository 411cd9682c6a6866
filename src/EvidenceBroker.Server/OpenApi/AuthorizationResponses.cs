using EvidenceBroker.Server.Auth;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Errors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>
/// For every operation that requires authorisation: the token it needs (any one of the sets of scopes that let it
/// through), the tenant kinds it is for where not all (<see cref="TenantKindsExtension"/>), and the 401 (no valid
/// token) and 403 (a token without the scope or tenant it needs) it answers otherwise.
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

        var kinds = TenantKinds(metadata);
        operation.Security = [.. Alternatives(metadata, kinds).Select(scopes => new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(ClientCredentialsScheme.Name, context.Document)] = [.. scopes],
        })];
        if (kinds.Count < Enum.GetValues<TenantKind>().Length)
        {
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>(StringComparer.Ordinal);
            operation.Extensions[TenantKindsExtension] = new JsonNodeExtension(new JsonArray([.. kinds.Select(kind => (JsonNode)Wire.Name(kind))]));
        }

        ProblemResponses.AddIfMissing(operation, StatusCodes.Status401Unauthorized, context.Document);
        ProblemResponses.AddIfMissing(operation, StatusCodes.Status403Forbidden, context.Document);
        return Task.CompletedTask;
    }

    internal static bool RequiresAuthorization(IList<object> metadata) =>
        metadata.Any(m => m is IAuthorizeData or AuthorizationPolicy) && !metadata.OfType<IAllowAnonymous>().Any();

    /// <summary>The tenant kinds an operation lets in, where not every kind: a token of another kind is refused whatever its scopes.</summary>
    public const string TenantKindsExtension = "x-tenant-kinds";

    /// <summary>
    /// The sets of scopes any one of which lets a token through: one scope from each named policy on the endpoint (all
    /// of them must pass), with the scope of the role that takes the action (<see cref="ActionRole"/>), which the
    /// handler asks for besides. A policy that any tenant's token meets, or one given inline, adds no scope. Only the
    /// sets a tenant of a kind let in can be granted are listed (no provider holds oversight.read), and none that holds
    /// another listed set and more.
    /// </summary>
    private static List<SortedSet<string>> Alternatives(IList<object> metadata, IReadOnlyCollection<TenantKind> kinds)
    {
        var alternatives = new List<SortedSet<string>> { new(StringComparer.Ordinal) };
        foreach (var policy in Policies(metadata))
        {
            var scopes = BrokerPolicies.ScopesOf(policy);
            if (scopes.Count == 0)
            {
                continue;
            }

            alternatives = [.. alternatives.SelectMany(set => scopes.Select(scope => new SortedSet<string>(set, StringComparer.Ordinal) { scope }))];
        }

        if (metadata.OfType<ActionRole>().LastOrDefault() is { Scope: { } roleScope })
        {
            alternatives.ForEach(set => set.Add(roleScope));
        }

        var grantable = alternatives.Where(set => kinds.Any(kind => set.IsSubsetOf(BrokerScopes.AllowedFor(kind)))).ToList();
        var minimal = grantable.Where(set => !grantable.Any(other => other.IsProperSubsetOf(set)))
            .DistinctBy(set => string.Join(' ', set), StringComparer.Ordinal).ToList();
        return minimal.Count > 0
            ? minimal
            : throw new InvalidOperationException("No token a tenant can be granted meets the authorisation of " +
                                                  string.Join(", ", Policies(metadata)) + ".");
    }

    /// <summary>The tenant kinds that every policy on the endpoint, and the role that takes its action, let in.</summary>
    private static List<TenantKind> TenantKinds(IList<object> metadata)
    {
        var kinds = Enum.GetValues<TenantKind>().ToList();
        foreach (var kind in Policies(metadata).Select(BrokerPolicies.TenantOf).Append(metadata.OfType<ActionRole>().LastOrDefault()?.Kind))
        {
            if (kind is { } only)
            {
                kinds.RemoveAll(k => k != only);
            }
        }

        return kinds;
    }

    private static IEnumerable<string> Policies(IList<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct(StringComparer.Ordinal);
}
