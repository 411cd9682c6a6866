using System.ComponentModel.DataAnnotations;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace EvidenceBroker.Server.Portal.Pages.Account;

/// <summary>
/// The step after a one-time password, before anything else: the user chooses their own. Reachable only between
/// that password and the next step (enrolling an authenticator), holding the short two-factor cookie.
/// </summary>
[EnableRateLimiting(RateLimiting.SignInPolicy)]
public sealed class NewPasswordModel(SignInManager<PortalUser> signIn, AccountSecurity accounts) : PageModel
{
    [BindProperty, Required(ErrorMessage = "Choose a new password."), StringLength(256)]
    public string NewPassword { get; set; } = "";

    [BindProperty, Compare(nameof(NewPassword), ErrorMessage = "The two passwords differ.")]
    public string ConfirmPassword { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public async Task<IActionResult> OnGetAsync() =>
        await PendingUserAsync() is null ? RedirectToPage("/Account/Login") : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await PendingUserAsync() is not { } user)
        {
            return RedirectToPage("/Account/Login");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var set = await accounts.SetOwnPasswordAsync(user, currentPassword: null, NewPassword, ct);
        if (!set.Succeeded)
        {
            foreach (var error in set.Errors)
            {
                ModelState.AddModelError(nameof(NewPassword), error.Description);
            }

            return Page();
        }

        // The new password changed the security stamp, which ends every pending sign-in, this one included: renew it.
        await PendingSignIn.IssueAsync(HttpContext, user);
        return RedirectToPage("/Account/Enrol", new { returnUrl = Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : null });
    }

    private async Task<PortalUser?> PendingUserAsync() =>
        await PendingSignIn.UserAsync(HttpContext, signIn) is { PasswordChangeRequired: true } user ? user : null;
}
