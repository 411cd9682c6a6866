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
/// count toward the same per-address limit as the password step. A user whose authenticator key this node cannot open
/// (the data-protection keys that sealed it are lost) is told to have their sign-in reset, and no code is asked: a
/// password alone never leads to enrolling a new authenticator for an enrolled account.
/// </summary>
[EnableRateLimiting(RateLimiting.SignInPolicy)]
public sealed class TwoFactorModel(SignInManager<PortalUser> signIn, AccountSecurity accounts) : PageModel
{
    [BindProperty, Required, StringLength(7, MinimumLength = 6)]
    public string Code { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The user's authenticator key cannot be read, so no code of theirs can be checked.</summary>
    public bool KeyUnreadable { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await PendingSignIn.UserAsync(HttpContext, signIn) is not { TwoFactorEnabled: true } user)
        {
            return RedirectToPage("/Account/Login");
        }

        KeyUnreadable = !await HasKeyAsync(user);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await PendingSignIn.UserAsync(HttpContext, signIn) is not { TwoFactorEnabled: true } user)
        {
            return RedirectToPage("/Account/Login");
        }

        KeyUnreadable = !await HasKeyAsync(user);
        if (KeyUnreadable || !ModelState.IsValid)
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

    private async Task<bool> HasKeyAsync(PortalUser user) => await signIn.UserManager.GetAuthenticatorKeyAsync(user) is { Length: > 0 };
}
