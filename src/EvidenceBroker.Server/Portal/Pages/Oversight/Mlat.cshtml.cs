using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Oversight;

/// <summary>The MLAT backlog: requests with no direct channel, waiting for the state-to-state route, oldest first.</summary>
public sealed class MlatModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    /// <summary>More queued requests than this are not listed (the oldest are); the page says so.</summary>
    public const int Shown = 2000;

    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public bool More { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        var rows = await requests.ListAsync(Caller.From(User)!, new PortalSearch(State: RequestState.QueuedForMlat), ct, take: Shown + 1, oldestFirst: true);
        More = rows.Count > Shown;
        Rows = [.. rows.Take(Shown).OrderBy(r => r.FiledAt)];
    }
}
