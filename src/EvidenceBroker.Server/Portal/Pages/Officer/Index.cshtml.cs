using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Officer;

/// <summary>
/// "My requests": the agency's requests (the same set the agency's API clients see), newest first. A status or page in
/// the address that cannot be read is refused and nothing is listed, rather than every request shown as if filtered.
/// </summary>
public sealed class IndexModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public RequestState? State { get; private set; }

    /// <summary>The status as the address gave it, shown chosen again when refused.</summary>
    public string? AskedState { get; private set; }

    /// <summary>Message by query value that could not be applied ("state", "p"); when there is one, nothing is listed.</summary>
    public IReadOnlyDictionary<string, string> Errors { get; private set; } = RefusedForm.None.Errors;

    public bool Refused => Errors.Count > 0;

    /// <summary>Which page of <see cref="PortalRequests.PageSize"/> requests, newest first; 1 is the first (query "p": "page" is taken by Razor Pages).</summary>
    public int PageNumber { get; private set; } = 1;

    public bool HasOlder { get; private set; }

    /// <summary>A page after the last one asked for: nothing is on it, which is not "no requests yet".</summary>
    public bool PastTheEnd => PageNumber > 1 && Rows.Count == 0;

    public async Task OnGetAsync(string? state, [FromQuery(Name = "p")] int? pageNumber, CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        AskedState = state;
        var filters = new QueryFilters(ModelState, Request.Query);
        State = filters.WireName<RequestState>(state, "state");
        PageNumber = filters.PageNumber(pageNumber);
        Errors = filters.Errors;
        if (Refused)
        {
            return;
        }

        var rows = await requests.ListAsync(Caller.From(User)!, new PortalSearch(State: State), ct,
            take: PortalRequests.PageSize + 1, skip: (PageNumber - 1) * PortalRequests.PageSize);
        HasOlder = rows.Count > PortalRequests.PageSize;
        Rows = [.. rows.Take(PortalRequests.PageSize)];
    }
}
