using System.Threading.RateLimiting;
using EvidenceBroker.Server.Hosting;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Wrong passwords for one account from one network (<see cref="RateLimiting.NetworkOf"/>): after
/// <see cref="PortalSignIn.FailedAttemptsBeforeLockout"/> in <see cref="PortalSignIn.LockoutMinutes"/> minutes, that
/// network's attempts on that account are refused, right password or wrong, until the oldest failure has aged out.
/// The account itself is not locked, so a stranger who knows someone's email cannot keep them out; an account with an
/// authenticator locks only at the code step, which needs the password (<see cref="PortalSignIn"/>).
/// </summary>
/// <remarks>
/// Counted in each node's memory: behind a load balancer with N nodes, one network gets up to N times the limit. The
/// per-network limit on every sign-in step (<see cref="RateLimiting.SignInPolicy"/>) bounds it further.
/// </remarks>
public sealed class PasswordAttempts : IDisposable
{
    private readonly PartitionedRateLimiter<string> failures = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = PortalSignIn.FailedAttemptsBeforeLockout,
            Window = TimeSpan.FromMinutes(PortalSignIn.LockoutMinutes),
            SegmentsPerWindow = PortalSignIn.LockoutMinutes,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Whether this network may still try a password for <paramref name="user"/>.</summary>
    public bool MayTry(PortalUser user, HttpContext http)
    {
        // Asking for no permit tells whether any is left, and takes none.
        using var lease = failures.AttemptAcquire(Key(user, http), permitCount: 0);
        return lease.IsAcquired;
    }

    /// <summary>Counts a wrong password for <paramref name="user"/> from this network.</summary>
    public void Failed(PortalUser user, HttpContext http) => failures.AttemptAcquire(Key(user, http)).Dispose();

    public void Dispose() => failures.Dispose();

    private static string Key(PortalUser user, HttpContext http) => user.Id + " " + RateLimiting.NetworkOf(http);
}
