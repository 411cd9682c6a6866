using System.Threading.RateLimiting;
using EvidenceBroker.Server.Hosting;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Password attempts on one account, right or wrong, counted before the password is checked so that a burst sent at
/// once cannot slip past the count. From one network (<see cref="RateLimiting.NetworkOf"/>) an account takes
/// <see cref="Limit"/> attempts in <see cref="PortalSignIn.LockoutMinutes"/> minutes; from every network it has not
/// signed in from lately (<see cref="SignInNetworks"/>) taken together, <see cref="FromUnfamiliarNetworksLimit"/>, so
/// that someone with many addresses cannot guess its password without end either. Beyond a limit, attempts are refused
/// until the oldest has aged out. The account itself is not locked, so a stranger who knows someone's email cannot
/// keep them out from where they usually sign in; an account with an authenticator locks only at the code step, which
/// needs the password (<see cref="PortalSignIn"/>).
/// </summary>
/// <remarks>
/// Counted in each node's memory: behind a load balancer with N nodes, up to N times the limits. The per-network limit
/// on every sign-in step (<see cref="RateLimiting.SignInPolicy"/>) bounds them further.
/// </remarks>
public sealed class PasswordAttempts : IDisposable
{
    /// <summary>Attempts allowed per account and network in the window: room for a few mistyped passwords and sign-ins.</summary>
    public const int Limit = 2 * PortalSignIn.FailedAttemptsBeforeLockout;

    /// <summary>
    /// Attempts allowed per account in the window from networks it has not signed in from lately, together: more than
    /// one network's, so that one guesser does not keep the account's owner out of a new network as well.
    /// </summary>
    public const int FromUnfamiliarNetworksLimit = 3 * Limit;

    private readonly PartitionedRateLimiter<string> perNetwork = Window(Limit);
    private readonly PartitionedRateLimiter<string> fromUnfamiliarNetworks = Window(FromUnfamiliarNetworksLimit);

    /// <summary>
    /// Counts an attempt on <paramref name="user"/> from <paramref name="network"/>, one the user has lately signed in
    /// from or not (<paramref name="familiar"/>); false when a limit is used up.
    /// </summary>
    public bool TryAttempt(PortalUser user, string network, bool familiar)
    {
        ArgumentNullException.ThrowIfNull(user);
        using var fromNetwork = perNetwork.AttemptAcquire(user.Id + " " + network);
        if (!fromNetwork.IsAcquired || familiar)
        {
            return fromNetwork.IsAcquired;
        }

        using var fromStranger = fromUnfamiliarNetworks.AttemptAcquire(user.Id);
        return fromStranger.IsAcquired;
    }

    public void Dispose()
    {
        perNetwork.Dispose();
        fromUnfamiliarNetworks.Dispose();
    }

    private static PartitionedRateLimiter<string> Window(int limit) => PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = TimeSpan.FromMinutes(PortalSignIn.LockoutMinutes),
            SegmentsPerWindow = PortalSignIn.LockoutMinutes,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
}
