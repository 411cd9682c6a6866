using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// The short cookie a correct password earns: it leads to the code, to choosing one's own password or to enrolling an
/// authenticator, and to nothing else. It carries the account's security stamp, and holds only while that is
/// unchanged: after an administrator resets the sign-in, or the password is set, or an authenticator enrolled, a
/// pending cookie from before leads nowhere (Identity's own reads only the user id from it).
/// </summary>
public static class PendingSignIn
{
    private const string StampClaim = "eb.pending.stamp";

    /// <summary>The same cookie SignInManager writes for its two-factor step, so TwoFactorAuthenticatorSignInAsync reads it.</summary>
    public static Task IssueAsync(HttpContext http, PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(user);
        var pending = new ClaimsIdentity(IdentityConstants.TwoFactorUserIdScheme);
        pending.AddClaim(new Claim(ClaimTypes.Name, user.Id));
        pending.AddClaim(new Claim(StampClaim, user.SecurityStamp ?? ""));
        return http.SignInAsync(IdentityConstants.TwoFactorUserIdScheme, new ClaimsPrincipal(pending), new AuthenticationProperties { IsPersistent = false });
    }

    /// <summary>The user part-way through signing in, or null: no pending cookie, or the account changed since it was issued.</summary>
    public static async Task<PortalUser?> UserAsync(HttpContext http, SignInManager<PortalUser> signIn)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(signIn);
        var stamp = (await http.AuthenticateAsync(IdentityConstants.TwoFactorUserIdScheme)).Principal?.FindFirstValue(StampClaim);
        return stamp is not null && await signIn.GetTwoFactorAuthenticationUserAsync() is { } user && user.SecurityStamp == stamp ? user : null;
    }
}
