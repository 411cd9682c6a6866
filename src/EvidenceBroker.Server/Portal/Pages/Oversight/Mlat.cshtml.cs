using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Mlat;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Oversight;

/// <summary>
/// The MLAT backlog, the same set as /api/v1/mlat/backlog (<see cref="MlatBacklog.Open"/>): requests whose MLAT request is
/// still open, oldest first. Not every request queued for MLAT: one stays in that state after its MLAT is executed or refused.
/// </summary>
public sealed class MlatModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    /// <summary>More requests in the backlog than this are not listed (the oldest are); the page says so.</summary>
    public const int Shown = 2000;

    public List<PortalRow> Rows { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public bool More { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        var rows = await requests.ListAsync(Caller.From(User)!, new PortalSearch(InMlatBacklog: true), ct, take: Shown + 1, oldestFirst: true);
        More = rows.Count > Shown;
        Rows = [.. rows.Take(Shown).OrderBy(r => r.FiledAt)];
    }
}
