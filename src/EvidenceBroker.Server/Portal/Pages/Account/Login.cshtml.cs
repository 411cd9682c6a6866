using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
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
/// work (one password hash is checked in each case), and no sooner than <see cref="RefusalFloor"/> after the request
/// arrived: a wrong password also records the failure, a write an unknown email does not make, and the floor hides
/// that difference. Each network address has its own limit on attempts, and its own limit on attempts for each
/// account; the networks an account has not signed in from lately share one more (<see cref="PasswordAttempts"/>). A wrong password locks only an account without an authenticator, whose
/// password alone leads to enrolling one; an account with one locks at the code step.
/// </summary>
[EnableRateLimiting(RateLimiting.SignInPolicy)]
public sealed class LoginModel(SignInManager<PortalUser> signIn, UserManager<PortalUser> users, PasswordAttempts attempts, AccountSecurity accounts) : PageModel
{
    internal static readonly string NotSignedIn = string.Create(CultureInfo.InvariantCulture,
        $"The email or password is not right, or there have been too many attempts: wait {PortalSignIn.LockoutMinutes} minutes before trying again.");

    private static readonly PortalUser NoOne = new()
    {
        DisplayName = "", TenantKind = TenantKind.Administration, TenantId = "", Role = "",
    };

    private static string? noOnesHash;

    /// <summary>
    /// The least time a refusal takes, from the request's arrival: more than a password check and the recording of a
    /// failure take on this machine, so that neither shows. Wall-clock time: it hides work from a stopwatch.
    /// </summary>
    internal static readonly TimeSpan RefusalFloor = TimeSpan.FromMilliseconds(400);

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

        var arrived = Stopwatch.GetTimestamp();
        var user = await users.FindByEmailAsync(Email);
        if (user is null)
        {
            // As long as checking a real account's password takes.
            noOnesHash ??= users.PasswordHasher.HashPassword(NoOne, Guid.NewGuid().ToString());
            users.PasswordHasher.VerifyHashedPassword(NoOne, noOnesHash, Password);
            return await RefuseAsync(arrived);
        }

        var network = RateLimiting.NetworkOf(HttpContext);
        if (await users.IsLockedOutAsync(user) || !attempts.TryAttempt(user, network, await SignInNetworks.IsFamiliarAsync(users, user, network)))
        {
            // Identity would answer a locked account without checking the password: check it, for the time it takes.
            users.PasswordHasher.VerifyHashedPassword(user, user.PasswordHash ?? "", Password);
            return await RefuseAsync(arrived);
        }

        var secondFactorGuards = user is { TwoFactorEnabled: true, PasswordChangeRequired: false };
        var result = await signIn.CheckPasswordSignInAsync(user, Password, lockoutOnFailure: !secondFactorGuards);
        if (!result.Succeeded)
        {
            if (result.IsLockedOut)
            {
                // This attempt locked it (a locked account was refused above, before its password was checked). Recorded
                // whether or not the sender waits for the answer: the lock is already written.
                await accounts.RecordLockoutAsync(user, "password", CancellationToken.None);
            }

            return await RefuseAsync(arrived);
        }

        await PendingSignIn.IssueAsync(HttpContext, user);

        var returnUrl = Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : null;
        return user.PasswordChangeRequired ? RedirectToPage("/Account/NewPassword", new { returnUrl })
            : user.TwoFactorEnabled ? RedirectToPage("/Account/TwoFactor", new { returnUrl })
            : RedirectToPage("/Account/Enrol", new { returnUrl });
    }

    private async Task<PageResult> RefuseAsync(long arrived)
    {
        ModelState.AddModelError("", NotSignedIn);
        // A timer may fire a millisecond before the stopwatch says it should: wait again until the floor has passed.
        for (var remaining = RefusalFloor - Stopwatch.GetElapsedTime(arrived); remaining > TimeSpan.Zero;
             remaining = RefusalFloor - Stopwatch.GetElapsedTime(arrived))
        {
            await Task.Delay(remaining, HttpContext.RequestAborted);
        }

        return Page();
    }
}
