using System.ComponentModel.DataAnnotations;
using System.Text;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using QRCoder;

namespace EvidenceBroker.Server.Portal.Pages.Account;

/// <summary>
/// Mandatory TOTP enrolment, reachable only between a correct password and a first code, and after a one-time
/// password has been replaced. Someone holding just a password can never replace an enrolled user's authenticator
/// here. The enrolment is audited.
/// </summary>
[EnableRateLimiting(RateLimiting.SignInPolicy)] // each post checks a code, as the sign-in's code step does
public sealed class EnrolModel(SignInManager<PortalUser> signIn, AccountSecurity accounts) : PageModel
{
    [BindProperty, Required, StringLength(7, MinimumLength = 6)]
    public string Code { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string FormattedKey { get; private set; } = "";
    public string QrDataUri { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (await PendingSignIn.UserAsync(HttpContext, signIn) is not { TwoFactorEnabled: false } user)
        {
            return RedirectToPage("/Account/Login");
        }

        if (user.PasswordChangeRequired)
        {
            return RedirectToPage("/Account/NewPassword", new { ReturnUrl });
        }

        await ShowKeyAsync(user, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await PendingSignIn.UserAsync(HttpContext, signIn) is not { TwoFactorEnabled: false, PasswordChangeRequired: false } user)
        {
            return RedirectToPage("/Account/Login");
        }

        if (ModelState.IsValid)
        {
            if (await accounts.EnrolAuthenticatorAsync(user, Code.Replace(" ", "", StringComparison.Ordinal), ct))
            {
                await HttpContext.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
                await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: "mfa");
                await accounts.RecordSignInAsync(user, RateLimiting.NetworkOf(HttpContext), ct);
                TempData["Flash"] = "Your authenticator is set up. You will need a code at every sign-in.";
                return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/portal");
            }

            ModelState.AddModelError(nameof(Code), "That code is not right. Check the app's clock and enter the current code.");
        }

        await ShowKeyAsync(user, ct);
        return Page();
    }

    private async Task ShowKeyAsync(PortalUser user, CancellationToken ct)
    {
        var stamp = user.SecurityStamp;
        var key = await accounts.AuthenticatorKeyAsync(user, ct);
        if (user.SecurityStamp != stamp)
        {
            // Making the key changed the security stamp, which ends pending sign-ins: renew this one.
            await PendingSignIn.IssueAsync(HttpContext, user);
        }

        var grouped = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            grouped.Append(key.AsSpan(i, Math.Min(4, key.Length - i))).Append(' ');
        }

        FormattedKey = grouped.ToString().TrimEnd().ToLowerInvariant();
        var uri = $"otpauth://totp/{Uri.EscapeDataString("Evidence Broker")}:{Uri.EscapeDataString(user.Email ?? user.UserName ?? user.Id)}" +
                  $"?secret={key}&issuer={Uri.EscapeDataString("Evidence Broker")}&digits=6";
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.Q);
        var png = new PngByteQRCode(data).GetGraphic(8);
        QrDataUri = "data:image/png;base64," + Convert.ToBase64String(png);
    }
}
