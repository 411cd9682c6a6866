using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Identity's user manager, counting failed sign-ins in the writers' turn. Identity counts a failure on the copy of
/// the user it loaded and saves it only if no one changed the row meanwhile: of several wrong passwords or codes sent
/// at once, all but one were lost as concurrency failures, so a burst of guesses counted as one and the lockout after
/// <see cref="PortalSignIn.FailedAttemptsBeforeLockout"/> came far later.
/// </summary>
public sealed class PortalUserManager(
    BrokerDbContext db,
    IUserStore<PortalUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<PortalUser> passwordHasher,
    IEnumerable<IUserValidator<PortalUser>> userValidators,
    IEnumerable<IPasswordValidator<PortalUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<PortalUser>> logger)
    : UserManager<PortalUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    /// <summary>Counts the failure on the stored row, read again inside the write, so that no failure is lost.</summary>
    public override async Task<IdentityResult> AccessFailedAsync(PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var transaction = db.Database.CurrentTransaction is null ? await db.BeginWriteAsync(CancellationToken) : null;
        await db.Entry(user).ReloadAsync(CancellationToken);
        var counted = await base.AccessFailedAsync(user);
        if (counted.Succeeded && transaction is not null)
        {
            await transaction.CommitAsync(CancellationToken);
        }

        return counted;
    }
}
