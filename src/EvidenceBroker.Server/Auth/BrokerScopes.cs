namespace EvidenceBroker.Server.Auth;

/// <summary>The OAuth scopes an API client can hold; portal roles map onto the same set.</summary>
public static class BrokerScopes
{
    public const string RequestsWrite = "requests.write";
    public const string RequestsRead = "requests.read";
    public const string ProviderRespond = "provider.respond";
    public const string OversightRead = "oversight.read";
    public const string Admin = "admin";

    /// <summary>Confirm or refuse an emergency request of one's own agency by a second channel (R11).</summary>
    public const string RequestsSupervise = "requests.supervise";

    /// <summary>Decide requests the engine sent to human review (a broker legal reviewer).</summary>
    public const string RequestsReview = "requests.review";

    public static IReadOnlyList<string> All { get; } =
        [RequestsWrite, RequestsRead, ProviderRespond, OversightRead, Admin, RequestsSupervise, RequestsReview];

    /// <summary>What each scope lets a client do, in the words the OpenAPI document gives them.</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [RequestsWrite] = "An agency: file requests and take the officer's steps on its own requests.",
        [RequestsRead] = "Read the requests of one's own tenant (an agency's filed, a provider's received) and their records.",
        [ProviderRespond] = "A provider: acknowledge, ask, refuse, object and upload productions for requests sent to it.",
        [OversightRead] = "Oversight: read every request, the audit trail and the MLAT backlog; order reports.",
        [Admin] = "Administration: policy packs, country suspensions, webhooks and API clients; reads no request.",
        [RequestsSupervise] = "An agency's supervisors: confirm or refuse an emergency request of their agency by a second channel.",
        [RequestsReview] = "The broker's review desk: decide requests the engine sent to human review.",
    };

    /// <summary>What a new client of a tenant kind gets unless registered with more (supervise and review are extra).</summary>
    public static IReadOnlyList<string> DefaultFor(TenantKind kind) => kind switch
    {
        TenantKind.Agency => [RequestsWrite, RequestsRead],
        TenantKind.Provider => [ProviderRespond, RequestsRead],
        TenantKind.Oversight => [OversightRead],
        TenantKind.Administration => [Admin],
        _ => [],
    };

    /// <summary>
    /// A desk's scopes, where the tenant kind has one: an agency's supervisors, who read its requests and confirm or
    /// refuse its emergencies but file none, and the broker's review desk, which decides requests sent to review.
    /// </summary>
    public static IReadOnlyList<string>? DeskFor(TenantKind kind) => kind switch
    {
        TenantKind.Agency => [RequestsRead, RequestsSupervise],
        TenantKind.Administration => [RequestsReview],
        _ => null,
    };

    /// <summary>The scopes a tenant kind may ever be granted: a provider can never file, oversight never writes.</summary>
    public static IReadOnlyList<string> AllowedFor(TenantKind kind) => kind switch
    {
        TenantKind.Agency => [RequestsWrite, RequestsRead, RequestsSupervise],
        TenantKind.Provider => [ProviderRespond, RequestsRead],
        TenantKind.Oversight => [OversightRead],
        TenantKind.Administration => [Admin, RequestsReview],
        _ => [],
    };
}
