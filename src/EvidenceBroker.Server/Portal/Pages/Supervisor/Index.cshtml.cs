using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Supervisor;

/// <summary>Emergency requests of the supervisor's own agency that wait for a second-channel confirmation (R11).</summary>
public sealed class IndexModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        // Every emergency waiting, the longest-waiting first: none may drop off the list.
        Rows = await requests.ListAsync(Caller.From(User)!, new PortalSearch(State: RequestState.AwaitingSupervisor), ct, take: 1000, oldestFirst: true);
    }
}
