using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace EvidenceBroker.Server.Portal.Pages.Account;

/// <summary>
/// The account page: who you are for the broker, changing your password, and "sign out everywhere" through a new
/// security stamp. Both changes are audited. Posts count toward the sign-in limit of the caller's network, and each
/// current password checked counts as an attempt on the account's password as a sign-in does (<see cref="PasswordAttempts"/>),
/// so a session left open cannot be used to guess it at speed, from one network or many.
/// </summary>
[EnableRateLimiting(RateLimiting.SignInPolicy)]
public sealed class SecurityModel(UserManager<PortalUser> users, SignInManager<PortalUser> signIn, AccountSecurity accounts, PasswordAttempts attempts)
    : PageModel
{
    public string DisplayName { get; private set; } = "";
    public string? Email { get; private set; }
    public string Role { get; private set; } = "";
    public string Tenant { get; private set; } = "";
    public Dictionary<string, string> Errors { get; } = [];

    [BindProperty] public string? CurrentPassword { get; set; }
    [BindProperty] public string? NewPassword { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return RedirectToPage("/Account/Login");
        }

        Show(user);
        return Page();
    }

    /// <summary>A new password of the user's choosing. Every other session ends; this one goes on.</summary>
    public async Task<IActionResult> OnPostPasswordAsync(CancellationToken ct)
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return RedirectToPage("/Account/Login");
        }

        if (string.IsNullOrEmpty(CurrentPassword)) { Errors["password.current"] = "Enter your current password."; }
        if (string.IsNullOrEmpty(NewPassword)) { Errors["password.new"] = "Choose a new password."; }
        else if (NewPassword != ConfirmPassword) { Errors["password.confirm"] = "The two new passwords differ."; }

        var network = RateLimiting.NetworkOf(HttpContext);
        if (Errors.Count == 0 && !attempts.TryAttempt(user, network, await SignInNetworks.IsFamiliarAsync(users, user, network)))
        {
            Errors["password.current"] = $"Too many attempts at this account's password: try again in {PortalSignIn.LockoutMinutes} minutes.";
        }

        if (Errors.Count == 0)
        {
            var set = await accounts.SetOwnPasswordAsync(user, CurrentPassword, NewPassword!, ct);
            if (set.Succeeded)
            {
                await signIn.RefreshSignInAsync(user);
                TempData["Flash"] = "Your password is changed. Every other session of this account has ended.";
                return RedirectToPage();
            }

            Errors[set.Errors.Any(e => e.Code == "CurrentPassword") ? "password.current" : "password.new"] =
                string.Join(" ", set.Errors.Select(e => e.Description));
        }

        Show(user);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await users.GetUserAsync(User) is { } user)
        {
            // Every other cookie carries the old stamp and fails its next validation.
            await accounts.SignOutEverywhereAsync(user, ct);
        }

        await signIn.SignOutAsync();
        return RedirectToPage("/Account/Logout");
    }

    private void Show(PortalUser user)
    {
        DisplayName = user.DisplayName;
        Email = user.Email;
        Role = user.Role;
        Tenant = user.Tenant.ToString();
    }
}
