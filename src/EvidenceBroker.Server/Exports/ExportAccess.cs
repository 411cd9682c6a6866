using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Requests;

namespace EvidenceBroker.Server.Exports;

/// <summary>
/// Who may export what. A request's dossier goes to whoever may read the request (<see cref="RequestVisibility"/>):
/// administrators, who maintain the broker but read no request, export none. Everything else is 404, never 403.
/// </summary>
public static class ExportAccess
{
    /// <summary>MLAT drafts go to the requesting side, the review desk and oversight, never to the provider.</summary>
    public static bool MaySeeMlatDrafts(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Tenant.Kind is TenantKind.Agency or TenantKind.Oversight or TenantKind.Administration;
    }
}
