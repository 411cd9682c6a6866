using System.ComponentModel.DataAnnotations;
using System.Globalization;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace EvidenceBroker.Server.Portal.Pages.Account;

/// <summary>
/// Password step. The application cookie is never issued here: a user with an authenticator goes on to the
/// code step, a user without one to enrolment, both holding only the short two-factor cookie; a user who signed in
/// with a one-time password first chooses their own. Whether an email has an
/// account does not show: an unknown email, a wrong password and a locked account get the same answer, after the same
/// work (one password hash is checked in each case; a wrong password also records the failure); and each network
/// address has its own limit on attempts.
/// </summary>
[EnableRateLimiting(RateLimiting.SignInPolicy)]
public sealed class LoginModel(SignInManager<PortalUser> signIn, UserManager<PortalUser> users) : PageModel
{
    internal static readonly string NotSignedIn = string.Create(CultureInfo.InvariantCulture,
        $"The email or password is not right, or the account is locked for {PortalSignIn.LockoutMinutes} minutes after {PortalSignIn.FailedAttemptsBeforeLockout} failed attempts.");

    private static readonly PortalUser NoOne = new()
    {
        DisplayName = "", TenantKind = TenantKind.Administration, TenantId = "", Role = "",
    };

    private static string? noOnesHash;

    [BindProperty, Required, EmailAddress, StringLength(256)]
    public string Email { get; set; } = "";

    [BindProperty, Required, StringLength(256)]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public async Task OnGetAsync()
    {
        // A fresh sign-in starts from nothing: drop a half-finished two-factor step.
        await HttpContext.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var user = await users.FindByEmailAsync(Email);
        if (user is null)
        {
            // As long as checking a real account's password takes.
            noOnesHash ??= users.PasswordHasher.HashPassword(NoOne, Guid.NewGuid().ToString());
            users.PasswordHasher.VerifyHashedPassword(NoOne, noOnesHash, Password);
            ModelState.AddModelError("", NotSignedIn);
            return Page();
        }

        if (await users.IsLockedOutAsync(user))
        {
            // Identity would answer a locked account without checking the password: check it, for the time it takes.
            users.PasswordHasher.VerifyHashedPassword(user, user.PasswordHash ?? "", Password);
            ModelState.AddModelError("", NotSignedIn);
            return Page();
        }

        var result = await signIn.CheckPasswordSignInAsync(user, Password, lockoutOnFailure: true);
        if (!result.Succeeded)
        {
            ModelState.AddModelError("", NotSignedIn);
            return Page();
        }

        await PendingSignIn.IssueAsync(HttpContext, user);

        var returnUrl = Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : null;
        return user.PasswordChangeRequired ? RedirectToPage("/Account/NewPassword", new { returnUrl })
            : user.TwoFactorEnabled ? RedirectToPage("/Account/TwoFactor", new { returnUrl })
            : RedirectToPage("/Account/Enrol", new { returnUrl });
    }
}
