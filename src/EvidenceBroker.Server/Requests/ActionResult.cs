using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Mlat;

namespace EvidenceBroker.Server.Requests;

/// <summary>What a lifecycle action came to. An impossible trigger throws and becomes 409 with the allowed actions.</summary>
public abstract record ActionResult
{
    private ActionResult()
    {
    }

    public sealed record Done(RequestResource Request) : ActionResult;

    /// <summary>Not visible to the caller (or absent): 404, never 403, across tenants.</summary>
    public sealed record NotFound : ActionResult;

    /// <summary>The request is visible, but has no production by the id asked for: 404 naming the production, not the request.</summary>
    public sealed record NoSuchProduction(Guid ProductionId) : ActionResult;

    /// <summary>Visible, but the caller's role may not take this action.</summary>
    public sealed record Forbidden(string Reason) : ActionResult;

    public sealed record Invalid(IDictionary<string, string[]> Errors) : ActionResult;

    /// <summary>
    /// The request's state allows the step, but the state of the MLAT request it is queued for does not: 409 naming
    /// both, with the steps allowed now.
    /// </summary>
    public sealed record WaitsOnMlat(RequestState State, MlatDraftState MlatState, string Detail, IReadOnlyList<RequestTrigger> Allowed) : ActionResult;

    /// <summary>Well formed and allowed now, but the policy decides against it: 422 with the rules that decided.</summary>
    public sealed record NotPermittedByPolicy(string Title, string Detail, IReadOnlyList<string> Deciding) : ActionResult;
}
