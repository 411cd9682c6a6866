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

    /// <summary>Which page of the open requests.</summary>
    public PortalPage Paging { get; private set; } = PortalPage.First;

    /// <summary>Why the page asked for in the address cannot be shown; when set, nothing is listed (page 1 would look like the page asked for).</summary>
    public string? PageRefused { get; private set; }

    public async Task OnGetAsync([FromQuery(Name = "p")] int? pageNumber, CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        var me = Caller.From(User)!;
        (Open, AtRisk, Overdue) = await requests.OpenCountsAsync(me, Now, ct);
        (var asked, PageRefused) = QueryFilters.PageNumberAlone(ModelState, Request.Query, pageNumber);
        if (PageRefused is not null)
        {
            return;
        }

        Paging = PortalPage.Of(asked, Open);
        if (Paging.PastTheEnd)
        {
            return;
        }

        var open = await requests.OpenByDeadlineAsync(me, Paging.Skip, PortalRequests.PageSize, ct);
        var finished = Paging.Number == 1 ? await requests.ListAsync(me, new PortalSearch(Finished: true), ct, take: FinishedShown) : [];
        Rows = [.. open, .. finished];
    }
}
