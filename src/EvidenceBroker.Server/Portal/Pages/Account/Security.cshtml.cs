using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Account;

/// <summary>The account page: who you are for the broker, and "sign out everywhere" through a new security stamp.</summary>
public sealed class SecurityModel(UserManager<PortalUser> users, SignInManager<PortalUser> signIn) : PageModel
{
    public string DisplayName { get; private set; } = "";
    public string? Email { get; private set; }
    public string Role { get; private set; } = "";
    public string Tenant { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync()
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return RedirectToPage("/Account/Login");
        }

        DisplayName = user.DisplayName;
        Email = user.Email;
        Role = user.Role;
        Tenant = user.Tenant.ToString();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await users.GetUserAsync(User) is { } user)
        {
            // Every other cookie carries the old stamp and fails its next validation.
            await users.UpdateSecurityStampAsync(user);
        }

        await signIn.SignOutAsync();
        return RedirectToPage("/Account/Logout");
    }
}
