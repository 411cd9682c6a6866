using System.Globalization;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using OtpNet;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// The portal's authenticator codes (TOTP, RFC 6238: six digits, 30-second steps), each accepted once. A code is
/// taken only for a time step later than the last one accepted for that user, so a code read over a shoulder or
/// replayed from a captured form is refused while it is still current (NIST SP 800-63B, §5.1.4.2: a time-based code
/// is accepted only once while valid). Identity's own provider accepts the same code again for as long as it is valid.
/// </summary>
/// <remarks>
/// A code of the previous or the next step is accepted as well, for a phone's clock a little off and a code typed as
/// it changed. The last accepted step is kept beside the authenticator key, and read and written in the writers' turn
/// (<see cref="BrokerDbContext.BeginWriteAsync"/>), so two posts of one code cannot both pass.
/// </remarks>
public sealed class OneUseAuthenticatorCodes(BrokerDbContext db, TimeProvider clock) : IUserTwoFactorTokenProvider<PortalUser>
{
    public const string ProviderName = "OneUseAuthenticator";

    /// <summary>The login provider under which the broker keeps its own values beside a user's authenticator key.</summary>
    internal const string LoginProvider = "[EvidenceBroker]";
    private const string LastStepName = "LastAuthenticatorStep";
    private static readonly VerificationWindow Window = new(previous: 1, future: 1);

    /// <summary>
    /// Forgets the last step accepted, for a new authenticator key: the old key's codes mean nothing for it, and its
    /// first code may fall in the same 30 seconds as the old key's last.
    /// </summary>
    public static Task<IdentityResult> ForgetAsync(UserManager<PortalUser> manager, PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(manager);
        return manager.RemoveAuthenticationTokenAsync(user, LoginProvider, LastStepName);
    }

    /// <summary>The authenticator app makes the codes; the broker never sends one.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<PortalUser> manager, PortalUser user) => Task.FromResult(string.Empty);

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<PortalUser> manager, PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(manager);
        return !string.IsNullOrEmpty(await manager.GetAuthenticatorKeyAsync(user));
    }

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<PortalUser> manager, PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key) || token is not { Length: 6 } || !token.All(char.IsAsciiDigit))
        {
            return false;
        }

        var codes = new Totp(Base32Encoding.ToBytes(key));
        if (!codes.VerifyTotp(clock.GetUtcNow().UtcDateTime, token, out var step, Window))
        {
            return false;
        }

        await using var transaction = db.Database.CurrentTransaction is null ? await db.BeginWriteAsync(CancellationToken.None) : null;

        // The user as stored now, in the writers' turn: a lockout another attempt recorded meanwhile counts, and the
        // write below does not fail on a concurrency stamp another attempt changed (leaving its token row behind).
        await db.Entry(user).ReloadAsync();
        if (await manager.IsLockedOutAsync(user))
        {
            return false;
        }

        var last = await manager.GetAuthenticationTokenAsync(user, LoginProvider, LastStepName);
        if (long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var lastStep) && step <= lastStep)
        {
            return false;
        }

        if (!(await manager.SetAuthenticationTokenAsync(user, LoginProvider, LastStepName, step.ToString(CultureInfo.InvariantCulture))).Succeeded)
        {
            return false;
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync();
        }

        return true;
    }
}
