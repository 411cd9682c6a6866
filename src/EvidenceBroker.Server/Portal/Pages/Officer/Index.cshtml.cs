using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Officer;

/// <summary>"My requests": the agency's requests (the same set the agency's API clients see), newest first.</summary>
public sealed class IndexModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public RequestState? State { get; private set; }

    /// <summary>Which page of <see cref="PortalRequests.PageSize"/> requests, newest first; 1 is the first (query "p": "page" is taken by Razor Pages).</summary>
    public int PageNumber { get; private set; } = 1;

    public bool HasOlder { get; private set; }

    public async Task OnGetAsync(string? state, [FromQuery(Name = "p")] int? pageNumber, CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        State = Wire.TryParse<RequestState>(state, out var s) ? s : null;
        PageNumber = Math.Clamp(pageNumber ?? 1, 1, 100_000);
        var rows = await requests.ListAsync(Caller.From(User)!, new PortalSearch(State: State), ct,
            take: PortalRequests.PageSize + 1, skip: (PageNumber - 1) * PortalRequests.PageSize);
        HasOlder = rows.Count > PortalRequests.PageSize;
        Rows = [.. rows.Take(PortalRequests.PageSize)];
    }
}
