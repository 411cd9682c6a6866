using System.Threading.RateLimiting;
using EvidenceBroker.Server.Hosting;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Password attempts for one account from one network (<see cref="RateLimiting.NetworkOf"/>), right or wrong:
/// after <see cref="Limit"/> in <see cref="PortalSignIn.LockoutMinutes"/> minutes, that network's attempts on that
/// account are refused until the oldest has aged out. Each attempt is counted before its password is checked, so a
/// burst sent at once cannot slip past the count. The account itself is not locked, so a stranger who knows someone's
/// email cannot keep them out; an account with an authenticator locks only at the code step, which needs the password
/// (<see cref="PortalSignIn"/>).
/// </summary>
/// <remarks>
/// Counted in each node's memory: behind a load balancer with N nodes, one network gets up to N times the limit. The
/// per-network limit on every sign-in step (<see cref="RateLimiting.SignInPolicy"/>) bounds it further.
/// </remarks>
public sealed class PasswordAttempts : IDisposable
{
    /// <summary>Attempts allowed per account and network in the window: room for a few mistyped passwords and sign-ins.</summary>
    public const int Limit = 2 * PortalSignIn.FailedAttemptsBeforeLockout;

    private readonly PartitionedRateLimiter<string> attempts = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = Limit,
            Window = TimeSpan.FromMinutes(PortalSignIn.LockoutMinutes),
            SegmentsPerWindow = PortalSignIn.LockoutMinutes,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Counts an attempt on <paramref name="user"/> from this network; false when the network has used up its attempts.</summary>
    public bool TryAttempt(PortalUser user, HttpContext http)
    {
        using var lease = attempts.AttemptAcquire(user.Id + " " + RateLimiting.NetworkOf(http));
        return lease.IsAcquired;
    }

    public void Dispose() => attempts.Dispose();
}
