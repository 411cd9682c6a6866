using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Officer;

/// <summary>"My requests": the agency's requests (the same set the agency's API clients see), newest first.</summary>
public sealed class IndexModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public RequestState? State { get; private set; }

    public async Task OnGetAsync(string? state, CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        State = Wire.TryParse<RequestState>(state, out var s) ? s : null;
        Rows = await requests.ListAsync(Caller.From(User)!, new PortalSearch(State: State), ct);
    }
}
