using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Oversight;

/// <summary>The MLAT backlog: requests with no direct channel, waiting for the state-to-state route, oldest first.</summary>
public sealed class MlatModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        var rows = await requests.ListAsync(Caller.From(User)!, new PortalSearch(State: RequestState.QueuedForMlat), ct, take: 500);
        Rows = [.. rows.OrderBy(r => r.FiledAt)];
    }
}
