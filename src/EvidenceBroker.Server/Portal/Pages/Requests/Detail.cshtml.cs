using System.Text;
using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Requests;

/// <summary>
/// One request, for every role that may see it: content, decision with every rule's reason, the audited
/// timeline and the actions open to this role in this state. Another tenant's request is a plain 404.
/// </summary>
public sealed class DetailModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    public PortalRequest Item { get; private set; } = null!;
    public DateTimeOffset Now { get; private set; }
    public Caller Me => Caller.From(User)!;
    public string? Role => User.FindFirst(PortalRoles.RoleClaim)?.Value;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (await requests.FindAsync(Me, id, ct) is not { } item)
        {
            return NotFound();
        }

        Item = item;
        Now = clock.GetUtcNow();
        return Page();
    }

    /// <summary>The stored decision exactly as the engine wrote it, for a case file.</summary>
    public async Task<IActionResult> OnGetDecisionAsync(Guid id, CancellationToken ct)
    {
        if (await requests.FindAsync(Me, id, ct) is not { Decision: not null } item)
        {
            return NotFound();
        }

        var json = System.Text.Json.JsonSerializer.Serialize(item.Decision, EvidenceBroker.Policies.DecisionJson.Options);
        return File(Encoding.UTF8.GetBytes(json), "application/json", $"{item.Request.Reference}-decision.json");
    }
}
