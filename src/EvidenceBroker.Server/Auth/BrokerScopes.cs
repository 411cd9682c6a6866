namespace EvidenceBroker.Server.Auth;

/// <summary>The OAuth scopes an API client can hold; portal roles map onto the same set.</summary>
public static class BrokerScopes
{
    public const string RequestsWrite = "requests.write";
    public const string RequestsRead = "requests.read";
    public const string ProviderRespond = "provider.respond";
    public const string OversightRead = "oversight.read";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [RequestsWrite, RequestsRead, ProviderRespond, OversightRead, Admin];

    /// <summary>The scopes a tenant kind may ever be granted: a provider can never file, oversight never writes.</summary>
    public static IReadOnlyList<string> AllowedFor(TenantKind kind) => kind switch
    {
        TenantKind.Agency => [RequestsWrite, RequestsRead],
        TenantKind.Provider => [ProviderRespond, RequestsRead],
        TenantKind.Oversight => [OversightRead],
        TenantKind.Administration => [Admin],
        _ => [],
    };
}
