using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Provider;

/// <summary>
/// The legal team's inbox: every open request released to this provider, nearest deadline first, then the most
/// recently filed finished ones. Open requests are read on their own, so finished ones never push an open one out.
/// </summary>
public sealed class IndexModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    /// <summary>
    /// More open requests than this are not listed; the page says so. The oldest are kept, as the likeliest to be
    /// overdue.
    /// </summary>
    public const int OpenShown = 2000;

    public const int FinishedShown = 50;

    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public int Open { get; private set; }
    public bool MoreOpen { get; private set; }
    public int Overdue { get; private set; }
    public int AtRisk { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        var me = Caller.From(User)!;
        var open = await requests.ListAsync(me, new PortalSearch(Finished: false), ct, take: OpenShown + 1, oldestFirst: true);
        var finished = await requests.ListAsync(me, new PortalSearch(Finished: true), ct, take: FinishedShown);
        MoreOpen = open.Count > OpenShown;
        open = [.. open.Take(OpenShown).OrderBy(r => r.Due ?? DateTimeOffset.MaxValue).ThenBy(r => r.FiledAt)];
        Open = open.Count;
        Overdue = open.Count(r => r.Risk(Now) == "overdue");
        AtRisk = open.Count(r => r.Risk(Now) == "at-risk");
        Rows = [.. open, .. finished];
    }
}
