using System.ComponentModel.DataAnnotations;
using System.Text;
using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using QRCoder;

namespace EvidenceBroker.Server.Portal.Pages.Account;

/// <summary>
/// Mandatory TOTP enrolment, reachable only between a correct password and a first code. Someone holding just
/// a password can never replace an enrolled user's authenticator here.
/// </summary>
public sealed class EnrolModel(SignInManager<PortalUser> signIn, UserManager<PortalUser> users) : PageModel
{
    [BindProperty, Required, StringLength(7, MinimumLength = 6)]
    public string Code { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string FormattedKey { get; private set; } = "";
    public string QrDataUri { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync()
    {
        if (await signIn.GetTwoFactorAuthenticationUserAsync() is not { TwoFactorEnabled: false } user)
        {
            return RedirectToPage("/Account/Login");
        }

        await ShowKeyAsync(user);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await signIn.GetTwoFactorAuthenticationUserAsync() is not { TwoFactorEnabled: false } user)
        {
            return RedirectToPage("/Account/Login");
        }

        if (ModelState.IsValid)
        {
            var code = Code.Replace(" ", "", StringComparison.Ordinal);
            if (await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
            {
                await users.SetTwoFactorEnabledAsync(user, true);
                await HttpContext.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
                await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: "mfa");
                TempData["Flash"] = "Your authenticator is set up. You will need a code at every sign-in.";
                return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/portal");
            }

            ModelState.AddModelError(nameof(Code), "That code is not right. Check the app's clock and enter the current code.");
        }

        await ShowKeyAsync(user);
        return Page();
    }

    private async Task ShowKeyAsync(PortalUser user)
    {
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("No authenticator key.");
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
