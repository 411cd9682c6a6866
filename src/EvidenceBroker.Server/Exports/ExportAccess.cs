using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Requests;

namespace EvidenceBroker.Server.Exports;

/// <summary>
/// Who may export what: oversight and administrators every request, officers and providers only the requests
/// <see cref="RequestVisibility"/> shows them. Everything else is 404, never 403.
/// </summary>
public static class ExportAccess
{
    public static IQueryable<EvidenceRequest> ExportableBy(this IQueryable<EvidenceRequest> requests, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Tenant.Kind == TenantKind.Administration && caller.Can(BrokerScopes.Admin)
            ? requests
            : requests.VisibleTo(caller);
    }

    /// <summary>MLAT drafts go to the requesting side and to oversight, never to the provider.</summary>
    public static bool MaySeeMlatDrafts(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Tenant.Kind is TenantKind.Agency or TenantKind.Oversight or TenantKind.Administration;
    }
}
