using System.ComponentModel.DataAnnotations;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace EvidenceBroker.Server.Portal.Pages.Account;

/// <summary>
/// The TOTP step for enrolled users. Wrong codes lock the account after
/// <see cref="PortalSignIn.FailedAttemptsBeforeLockout"/> in a row (only someone who knew the password got here), and
/// count toward the same per-address limit as the password step.
/// </summary>
[EnableRateLimiting(RateLimiting.SignInPolicy)]
public sealed class TwoFactorModel(SignInManager<PortalUser> signIn, AccountSecurity accounts) : PageModel
{
    [BindProperty, Required, StringLength(7, MinimumLength = 6)]
    public string Code { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public async Task<IActionResult> OnGetAsync() =>
        await PendingSignIn.UserAsync(HttpContext, signIn) is { TwoFactorEnabled: true } ? Page() : RedirectToPage("/Account/Login");

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await PendingSignIn.UserAsync(HttpContext, signIn) is not { TwoFactorEnabled: true } user)
        {
            return RedirectToPage("/Account/Login");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var wasLocked = await signIn.UserManager.IsLockedOutAsync(user);
        var result = await signIn.TwoFactorAuthenticatorSignInAsync(Code.Replace(" ", "", StringComparison.Ordinal), isPersistent: false, rememberClient: false);
        if (result.Succeeded)
        {
            await accounts.RecordSignInAsync(user, RateLimiting.NetworkOf(HttpContext), ct);
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/portal");
        }

        if (result.IsLockedOut && !wasLocked)
        {
            // Recorded whether or not the sender waits for the answer: the lock is already written.
            await accounts.RecordLockoutAsync(user, "code", CancellationToken.None); // the same tracked user the lock was written to
        }

        ModelState.AddModelError("", result.IsLockedOut
            ? "This account is locked for a while after too many failed attempts."
            : "That code is not right. Codes change every 30 seconds; enter the current one.");
        return Page();
    }
}
