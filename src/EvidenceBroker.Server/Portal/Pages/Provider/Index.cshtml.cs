using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Provider;

/// <summary>The legal team's inbox: requests released to this provider, nearest deadline first, finished ones last.</summary>
public sealed class IndexModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public int Overdue { get; private set; }
    public int AtRisk { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        var rows = await requests.ListAsync(Caller.From(User)!, new PortalSearch(), ct, take: 500);
        Rows = [.. rows.OrderBy(r => PortalText.IsFinished(r.State)).ThenBy(r => r.Due ?? DateTimeOffset.MaxValue).ThenBy(r => r.FiledAt)];
        Overdue = rows.Count(r => r.Risk(Now) == "overdue");
        AtRisk = rows.Count(r => r.Risk(Now) == "at-risk");
    }
}
