using System.Security.Cryptography;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Identity;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Changes to how a portal user signs in, each written with its audit entry in one transaction: a user setting their
/// own password (which a first-time or reset password requires before anything else), enrolling an authenticator,
/// signing out everywhere; and an administrator resetting someone's sign-in.
/// </summary>
/// <remarks>
/// An administrator hands out a one-time password, so until its holder has chosen their own, the administrator could
/// sign in as them. The portal therefore asks for a new password at once, before an authenticator can be enrolled:
/// an administrator who used the one-time password first would lock its holder out, who would notice, and the audit
/// trail shows when the password was set.
/// </remarks>
public sealed class AccountSecurity(BrokerDbContext db, UserManager<PortalUser> users, AuditTrail audit)
{
    /// <summary>
    /// Sets <paramref name="user"/>'s password to one they chose. With <paramref name="currentPassword"/> (a change
    /// from the account page) that is checked first; without it, only a user who must replace a one-time password may
    /// call this, having just signed in with it. Every other session ends (new security stamp).
    /// </summary>
    public async Task<IdentityResult> SetOwnPasswordAsync(PortalUser user, string? currentPassword, string newPassword, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (currentPassword is null ? !user.PasswordChangeRequired : !await users.CheckPasswordAsync(user, currentPassword))
        {
            return IdentityResult.Failed(new IdentityError { Code = "CurrentPassword", Description = "The current password is not right." });
        }

        if (await users.CheckPasswordAsync(user, newPassword))
        {
            return IdentityResult.Failed(new IdentityError { Code = "SamePassword", Description = "Choose a password other than the one you have now." });
        }

        if (await WeakPasswordAsync(users, user, newPassword) is { } weak)
        {
            return weak;
        }

        var hash = users.PasswordHasher.HashPassword(user, newPassword);
        var firstTime = user.PasswordChangeRequired;
        return await WriteAsync(user, new AuditRecord("user.password-set", "portal-user", user.Id, new { replacedOneTimePassword = firstTime }), async () =>
        {
            user.PasswordHash = hash;
            user.PasswordChangeRequired = false;
            return await users.UpdateSecurityStampAsync(user);
        }, ct);
    }

    /// <summary>
    /// Identity's refusal of <paramref name="password"/> for <paramref name="user"/> (too short, no digit…), or null.
    /// Checked before a write begins, as is the hashing, so that other writers do not wait for either.
    /// </summary>
    public static async Task<IdentityResult?> WeakPasswordAsync(UserManager<PortalUser> users, PortalUser user, string password)
    {
        ArgumentNullException.ThrowIfNull(users);
        foreach (var validator in users.PasswordValidators)
        {
            if (await validator.ValidateAsync(users, user, password) is { Succeeded: false } weak)
            {
                return weak;
            }
        }

        return null;
    }

    /// <summary>
    /// The authenticator key to show at enrolment: the one made earlier if there is one, otherwise a new one, made in
    /// the writers' turn so that two pages opened at once show the same key.
    /// </summary>
    public async Task<string> AuthenticatorKeyAsync(PortalUser user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await users.GetAuthenticatorKeyAsync(user) is { Length: > 0 } key)
        {
            return key;
        }

        await using var transaction = await db.BeginWriteAsync(ct);
        await db.Entry(user).ReloadAsync(ct);
        if (await users.GetAuthenticatorKeyAsync(user) is not { Length: > 0 } existing)
        {
            var reset = await users.ResetAuthenticatorKeyAsync(user);
            if (!reset.Succeeded)
            {
                throw new InvalidOperationException($"No authenticator key could be made: {string.Join(" ", reset.Errors.Select(e => e.Description))}");
            }

            existing = await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("No authenticator key.");
        }

        await transaction.CommitAsync(ct);
        return existing;
    }

    /// <summary>Turns on two-factor sign-in once <paramref name="code"/> proves the user's app holds the key; false, writing nothing, otherwise.</summary>
    public async Task<bool> EnrolAuthenticatorAsync(PortalUser user, string code, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        // Checked before the write: a wrong code takes no writers' turn, which every node waits for (a right one takes
        // its own, to be accepted once).
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            return false;
        }

        var enrolled = await WriteAsync(user, new AuditRecord("user.authenticator-enrolled", "portal-user", user.Id, new { }),
            () => users.SetTwoFactorEnabledAsync(user, true), ct);
        return enrolled.Succeeded;
    }

    /// <summary>The broker's part that locks accounts, as the audit trail names it.</summary>
    public const string LockoutActor = "sign-in";

    /// <summary>
    /// A sign-in completed with the password and an authenticator code, in a write of its own; its network is
    /// remembered (<see cref="SignInNetworks"/>). The audit entry does not name the network.
    /// </summary>
    public Task RecordSignInAsync(PortalUser user, string network, CancellationToken ct) =>
        WriteAsync(user, new AuditRecord("user.signed-in", "portal-user", user.Id, new { }), () => SignInNetworks.RememberAsync(users, user, network), ct);

    /// <summary>
    /// Failed attempts at <paramref name="step"/> ("password" or "code") have just locked <paramref name="user"/> out.
    /// Recorded by the broker, which locked it: who typed the attempts is not known.
    /// </summary>
    public Task RecordLockoutAsync(PortalUser user, string step, CancellationToken ct) =>
        WriteAsync(LockoutActor, AuditTrail.SystemRole, AuditTrail.SystemTenant,
            new AuditRecord("user.locked-out", "portal-user", user.Id, new { step, until = user.LockoutEnd }), () => Task.FromResult(IdentityResult.Success), ct);

    /// <summary>Ends every session of <paramref name="user"/> at its next check (a new security stamp).</summary>
    public Task<IdentityResult> SignOutEverywhereAsync(PortalUser user, CancellationToken ct) =>
        WriteAsync(user, new AuditRecord("user.signed-out-everywhere", "portal-user", user.Id, new { }), () => users.UpdateSecurityStampAsync(user), ct);

    /// <summary>
    /// An administrator's reset of someone who lost their password or authenticator: a new one-time password (returned,
    /// to be shown once), the authenticator removed, every session ended, a lockout lifted, the networks of earlier
    /// sign-ins forgotten. At the next sign-in the user
    /// chooses a password, then enrols an authenticator again. Null when there is no such user.
    /// </summary>
    public async Task<string?> ResetSignInAsync(Caller by, string userId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(by);
        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return null;
        }

        var password = OneTimePassword();
        var hash = users.PasswordHasher.HashPassword(user, password);
        var written = await WriteAsync(by, new AuditRecord("user.sign-in-reset", "portal-user", user.Id, new { user.Email }), async () =>
        {
            user.PasswordHash = hash;
            user.PasswordChangeRequired = true;
            user.TwoFactorEnabled = false;
            user.LockoutEnd = null;
            user.AccessFailedCount = 0;

            // A new key, never shown: enrolment shows it to whoever chose the new password. Also a new security stamp.
            var forgotten = await OneUseAuthenticatorCodes.ForgetAsync(users, user);
            forgotten = forgotten.Succeeded ? await SignInNetworks.ForgetAsync(users, user) : forgotten;
            return forgotten.Succeeded ? await users.ResetAuthenticatorKeyAsync(user) : forgotten;
        }, ct);
        return written.Succeeded ? password : throw new InvalidOperationException(string.Join(" ", written.Errors.Select(e => e.Description)));
    }

    /// <summary>A password for an administrator to hand over once: 20 random bytes, with every character class Identity asks for.</summary>
    public static string OneTimePassword() =>
        "Eb-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('/', 'x').Replace('+', 'y') + "9!";

    /// <summary>A change the user makes to their own account.</summary>
    private Task<IdentityResult> WriteAsync(PortalUser actor, AuditRecord record, Func<Task<IdentityResult>> change, CancellationToken ct) =>
        WriteAsync(actor.Id, actor.Role, actor.Tenant.ToString(), record, change, ct);

    private Task<IdentityResult> WriteAsync(Caller actor, AuditRecord record, Func<Task<IdentityResult>> change, CancellationToken ct) =>
        WriteAsync(actor.Subject, actor.Role, actor.Tenant.ToString(), record, change, ct);

    /// <summary>The change and its audit entry in one write; a refused change writes neither.</summary>
    private async Task<IdentityResult> WriteAsync(
        string actorId, string actorRole, string actorTenant, AuditRecord record, Func<Task<IdentityResult>> change, CancellationToken ct)
    {
        await using var transaction = await db.BeginWriteAsync(ct);
        var result = await change();
        if (!result.Succeeded)
        {
            return result;
        }

        await audit.AppendAsync(db, actorId, actorRole, actorTenant, record, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return result;
    }
}
