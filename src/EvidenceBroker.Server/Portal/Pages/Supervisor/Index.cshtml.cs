using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Supervisor;

/// <summary>
/// Emergency requests of the supervisor's own agency that wait for a second-channel confirmation (R11), the
/// longest-waiting first, a page at a time with the count of every one waiting: none may drop off the list.
/// </summary>
public sealed class IndexModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public int Waiting { get; private set; }

    public PortalPage Paging { get; private set; } = PortalPage.First;

    /// <summary>Why the page asked for in the address cannot be shown; when set, nothing is listed (page 1 would look like the page asked for).</summary>
    public string? PageRefused { get; private set; }

    public async Task OnGetAsync([FromQuery(Name = "p")] int? pageNumber, CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        var me = Caller.From(User)!;
        Waiting = await requests.CountInStateAsync(me, RequestState.AwaitingSupervisor, ct);
        (var asked, PageRefused) = QueryFilters.PageNumberAlone(ModelState, Request.Query, pageNumber);
        if (PageRefused is not null)
        {
            return;
        }

        Paging = PortalPage.Of(asked, Waiting);
        if (Paging.PastTheEnd)
        {
            return;
        }

        Rows = await requests.ListAsync(me, new PortalSearch(State: RequestState.AwaitingSupervisor), ct, oldestFirst: true, skip: Paging.Skip);
    }
}
