using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Hosting;

/// <summary>
/// <see cref="RateLimitOptions.WholeStorePerClientPerMinute"/>: reads that walk every request or the whole audit chain
/// (a what-if, a verification of the chain) and report orders, per API client or portal user, in windows of a minute
/// from the first one counted. Taken by the handler once the request has passed its checks, not by the rate limiting
/// middleware before them: a request refused for its input reads nothing and must not spend the caller's budget. A
/// refusal says how long is left of the window, when the next permit is there.
/// </summary>
/// <remarks>
/// One count per caller that ever made such a read: callers are authenticated clients and portal users, a bounded set.
/// Kept by each node, like the other limits. Not System.Threading.RateLimiting's fixed window, which the middleware
/// used: its refusal says the whole window is left however much has passed (every Retry-After was 60 s), and it
/// reads the machine's clock rather than the broker's <see cref="TimeProvider"/>.
/// </remarks>
public sealed class WholeStoreLimit(IOptions<RateLimitOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Count> counts = new(StringComparer.Ordinal);

    /// <summary>Takes a permit for the caller: null when granted, otherwise how long until the next one.</summary>
    public TimeSpan? TryTake(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var caller = RateLimiting.CallerOf(http);
        var now = clock.GetUtcNow();
        var count = counts.GetOrAdd(caller, _ => new Count { Start = now });
        lock (count)
        {
            if (now - count.Start is var elapsed && (elapsed >= Window || elapsed < TimeSpan.Zero))
            {
                count.Start = now;
                count.Taken = 0;
            }

            if (count.Taken < options.Value.WholeStorePerClientPerMinute)
            {
                count.Taken++;
                return null;
            }

            return count.Start + Window - now;
        }
    }

    /// <summary>For an API endpoint: null when a permit was taken, otherwise 429 with Retry-After, as the other limits answer.</summary>
    public ProblemHttpResult? Refusal(HttpContext http)
    {
        if (TryTake(http) is not { } wait)
        {
            return null;
        }

        var seconds = RateLimiting.RetryAfterSeconds(wait);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(RateLimiting.TooManyProblem(seconds));
    }

    /// <summary>For a portal page: null when a permit was taken, otherwise the short page the other limits answer a browser with.</summary>
    public async Task<IActionResult?> RefusalPageAsync(HttpContext http)
    {
        if (TryTake(http) is not { } wait)
        {
            return null;
        }

        await RateLimiting.WriteTooManyAsync(http, wait);
        return new EmptyResult();
    }

    private sealed class Count
    {
        public DateTimeOffset Start { get; set; }
        public int Taken { get; set; }
    }
}

/// <summary>Marks an endpoint that takes a <see cref="WholeStoreLimit"/> permit, so its description lists the 429.</summary>
public sealed class WholeStoreLimited
{
    public static readonly WholeStoreLimited Instance = new();

    private WholeStoreLimited()
    {
    }
}
