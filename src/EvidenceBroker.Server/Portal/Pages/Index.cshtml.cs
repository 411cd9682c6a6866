using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages;

/// <summary>The portal's front door sends each role to the page it works from.</summary>
public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() => User.FindFirst(PortalRoles.RoleClaim)?.Value switch
    {
        PortalRoles.Officer or PortalRoles.Supervisor => RedirectToPage("/Officer/Index"),
        PortalRoles.ProviderLegal => RedirectToPage("/Provider/Index"),
        PortalRoles.Oversight or PortalRoles.Reviewer => RedirectToPage("/Oversight/Index"),
        PortalRoles.Administrator => RedirectToPage("/Admin/Index"),
        _ => RedirectToPage("/Account/Denied"),
    };
}
