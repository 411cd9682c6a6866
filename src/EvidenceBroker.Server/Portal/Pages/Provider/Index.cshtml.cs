using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Provider;

/// <summary>
/// The legal team's inbox: the open requests released to this provider, nearest deadline first, a page at a time,
/// with the counts of every open one; the first page also lists the most recently filed finished ones. Open requests
/// are read on their own, so finished ones never push an open one out.
/// </summary>
public sealed class IndexModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    public const int FinishedShown = 50;

    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public int Open { get; private set; }
    public int Overdue { get; private set; }
    public int AtRisk { get; private set; }

    /// <summary>Which page of <see cref="PortalRequests.PageSize"/> open requests; 1 is the first (query "p": "page" is taken by Razor Pages).</summary>
    public int PageNumber { get; private set; } = 1;

    public int Pages => Math.Max(1, (Open + PortalRequests.PageSize - 1) / PortalRequests.PageSize);

    public async Task OnGetAsync([FromQuery(Name = "p")] int? pageNumber, CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        var me = Caller.From(User)!;
        (Open, AtRisk, Overdue) = await requests.OpenCountsAsync(me, Now, ct);
        PageNumber = Math.Clamp(pageNumber ?? 1, 1, Pages);
        var open = await requests.OpenByDeadlineAsync(me, (PageNumber - 1) * PortalRequests.PageSize, PortalRequests.PageSize, ct);
        var finished = PageNumber == 1 ? await requests.ListAsync(me, new PortalSearch(Finished: true), ct, take: FinishedShown) : [];
        Rows = [.. open, .. finished];
    }
}
