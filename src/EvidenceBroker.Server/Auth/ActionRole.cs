namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Who may take an action beyond what its endpoint's policy lets in: a tenant of <see cref="Kind"/> (any kind when
/// null) holding <see cref="Scope"/> (no further scope when null). The handler refuses everyone else with 403 and
/// <see cref="Refusal"/>; as endpoint metadata it tells the OpenAPI document which scopes the action really needs.
/// </summary>
public sealed record ActionRole(TenantKind? Kind, string? Scope, string Refusal)
{
    /// <summary>A provider's legal team: acknowledge, ask, refuse, object, produce.</summary>
    public static ActionRole ProviderLegal { get; } = new(TenantKind.Provider, BrokerScopes.ProviderRespond, "Only the provider's legal team can do this.");

    /// <summary>The filing agency's officers: answer, withdraw, extend, convert, close, conclude a validation, record an MLAT's progress.</summary>
    public static ActionRole Officer { get; } = new(TenantKind.Agency, BrokerScopes.RequestsWrite, "Only the filing agency can do this.");

    /// <summary>A supervisor of the filing agency, who confirms or refuses its emergencies by a second channel.</summary>
    public static ActionRole Supervisor { get; } = new(TenantKind.Agency, BrokerScopes.RequestsSupervise,
        "Only a supervisor of the filing agency can confirm or refuse an emergency request.");

    /// <summary>The broker's review desk, which decides the requests sent to human review.</summary>
    public static ActionRole Reviewer { get; } = new(null, BrokerScopes.RequestsReview, "Only a reviewer decides requests sent to human review.");

    public ActionRole With(string refusal) => this with { Refusal = refusal };

    public bool Admits(Caller caller) => RefusalOf(caller) is null;

    /// <summary>
    /// Null when the caller may take the action; otherwise <see cref="Refusal"/>, and for a caller of the right kind
    /// whose token was got with a narrower scope, the scope it lacks.
    /// </summary>
    public string? RefusalOf(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return Kind is { } kind && caller.Tenant.Kind != kind ? Refusal
            : Scope is null || caller.Can(Scope) ? null
            : Kind is null ? Refusal
            : $"{Refusal} This token lacks the {Scope} scope.";
    }
}
