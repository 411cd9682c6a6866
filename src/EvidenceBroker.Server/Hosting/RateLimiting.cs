using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Threading.RateLimiting;
using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using OpenIddict.Abstractions;

namespace EvidenceBroker.Server.Hosting;

/// <summary>Bound from the "RateLimits" section.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>
    /// Tokens issued per minute to one client id. Only issued tokens count: a stranger who knows the id but not the
    /// secret cannot spend the client's budget (guessing a generated secret is bounded per address instead).
    /// </summary>
    [Range(1, int.MaxValue)]
    public int TokenPerClientPerMinute { get; set; } = 30;

    /// <summary>Token requests per minute from one network address, whatever client ids it tries.</summary>
    [Range(1, int.MaxValue)]
    public int TokenPerAddressPerMinute { get; set; } = 120;

    /// <summary>Requests one client may file per <see cref="IntakePeriod"/>, sustained; bursts up to <see cref="IntakeBurst"/>.</summary>
    [Range(1, int.MaxValue)]
    public int IntakePerClientPerPeriod { get; set; } = 50;

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan IntakePeriod { get; set; } = TimeSpan.FromSeconds(1);

    [Range(1, int.MaxValue)]
    public int IntakeBurst { get; set; } = 100;

    /// <summary>
    /// Sign-in attempts (password or code) per minute from one network address, whatever accounts it tries; each
    /// account also locks for 15 minutes after five failures.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int SignInPerAddressPerMinute { get; set; } = 20;

    /// <summary>
    /// Per minute, for one client or portal user: reads that walk every request or the whole audit chain (a what-if
    /// of a candidate pack, a verification of the chain) and report orders, whose building does the same.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int WholeStorePerClientPerMinute { get; set; } = 10;
}

/// <summary>
/// 429 with Retry-After and a problem document. The token endpoint is throttled per address before authentication
/// (OpenIddict answers bad secrets inside the authentication step, so a later limiter would never count them), and per
/// client by the tokens it was issued; intake is throttled per authenticated client.
/// </summary>
public static class RateLimiting
{
    public const string IntakePolicy = "intake";
    public const string SignInPolicy = "sign-in";

    public static IServiceCollection AddBrokerRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddSingleton(new TokenThrottle(options));
        services.AddSingleton<WholeStoreLimit>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                return new ValueTask(WriteTooManyAsync(context.HttpContext, retryAfter));
            };
            // Filings, through the API (a client, by its subject) or the portal's form (a user, by their id); reading the
            // form is not counted.
            limiter.AddPolicy(IntakePolicy, http => !IsFiling(http) ? RateLimitPartition.GetNoLimiter("reading or previewing the form") : RateLimitPartition.GetTokenBucketLimiter(
                CallerOf(http),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.IntakeBurst,
                    TokensPerPeriod = options.IntakePerClientPerPeriod,
                    ReplenishmentPeriod = options.IntakePeriod,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.AddPolicy(SignInPolicy, http => HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(NetworkOf(http), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.SignInPerAddressPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("reading the form"));
        });
        return services;
    }

    /// <summary>A filing: a POST, but not the portal form's live preview (a handler of its own), which files nothing.</summary>
    private static bool IsFiling(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method) && !string.Equals(http.Request.Query["handler"].FirstOrDefault(), "Preview", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The network a request comes from, as the per-address limits count it: an IPv4 address, or an IPv6 address's
    /// /64, which one subscriber usually holds whole. Behind a proxy, forwarded headers must give the client's address
    /// (Proxy:TrustedNetworks, <see cref="TrustedProxies"/>).
    /// </summary>
    public static string NetworkOf(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Connection.RemoteIpAddress is not { } address)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        bytes.AsSpan(8).Clear();
        return new System.Net.IPAddress(bytes) + "/64";
    }

    public static IApplicationBuilder UseTokenEndpointThrottle(this IApplicationBuilder app) =>
        app.UseMiddleware<TokenThrottleMiddleware>();

    /// <summary>Whom a per-caller limit counts: the API client (its subject) or the portal user, or, signed in as neither, the network.</summary>
    internal static string CallerOf(HttpContext http) =>
        http.User.FindFirstValue(OpenIddictConstants.Claims.Subject) ?? http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? NetworkOf(http);

    /// <summary>The problem every limit answers an API client with, beside its Retry-After of <paramref name="seconds"/>.</summary>
    internal static ProblemDetails TooManyProblem(int seconds) => new()
    {
        Status = StatusCodes.Status429TooManyRequests,
        Title = "Too many requests.",
        Detail = string.Create(CultureInfo.InvariantCulture, $"Try again in {seconds} s."),
    };

    /// <summary>A wait as Retry-After gives it: whole seconds, rounded up, at least one.</summary>
    internal static int RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    internal static async Task WriteTooManyAsync(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = RetryAfterSeconds(retryAfter);
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        if (http.Request.Path.StartsWithSegments("/portal", StringComparison.OrdinalIgnoreCase))
        {
            // A person at a browser reads this, not a client library.
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.WriteAsync(
                "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Too many attempts</title>" +
                $"<p>Too many attempts from your network. Try again in {seconds} seconds.</p></html>", http.RequestAborted);
            return;
        }

        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = TooManyProblem(seconds),
        });
    }
}

/// <summary>
/// Fixed windows for the token endpoint: per address, every request; per client id, the tokens issued to it (checked
/// before a request is served, charged once a token has been issued).
/// </summary>
public sealed class TokenThrottle(RateLimitOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> perClient = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.TokenPerClientPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
        }));

    private readonly PartitionedRateLimiter<string> perAddress = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.TokenPerAddressPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
        }));

    /// <summary>
    /// Charges the address; refused if it is spent, or if any client id the request names has had all its tokens for
    /// this window (which charges nothing).
    /// </summary>
    public (bool Allowed, TimeSpan RetryAfter) TryAcquire(IEnumerable<string> clientIds, string address)
    {
        ArgumentNullException.ThrowIfNull(clientIds);
        // Asking for no permit only looks: it is granted while the window has one left, refused with a wait when not.
        foreach (var lease in clientIds.Select(id => perClient.AttemptAcquire(id, permitCount: 0)).Prepend(perAddress.AttemptAcquire(address)))
        {
            using (lease)
            {
                if (!lease.IsAcquired)
                {
                    return (false, lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1));
                }
            }
        }

        return (true, TimeSpan.Zero);
    }

    /// <summary>
    /// Charges the client a token was issued to. Requests in flight together all pass the look before any is charged,
    /// so a client may get as many tokens more than its limit as it has requests in flight (the address limit bounds
    /// those); a charge beyond the limit is simply not taken.
    /// </summary>
    public void ChargeIssued(string clientId) => perClient.AttemptAcquire(clientId).Dispose();

    public void Dispose()
    {
        perClient.Dispose();
        perAddress.Dispose();
    }
}

internal sealed class TokenThrottleMiddleware(RequestDelegate next, TokenThrottle throttle)
{
    public async Task InvokeAsync(HttpContext http)
    {
        // Every POST under /connect: OpenIddict also takes "/connect/token/" for its token endpoint.
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.Path.StartsWithSegments(TokenServerPaths.Connect, StringComparison.OrdinalIgnoreCase))
        {
            var (clientIds, formReadable) = await ClientIdsAsync(http.Request);
            var address = RateLimiting.NetworkOf(http);
            var (allowed, retryAfter) = throttle.TryAcquire(clientIds, address);
            if (!allowed)
            {
                await RateLimiting.WriteTooManyAsync(http, retryAfter);
                return;
            }

            if (!formReadable)
            {
                // Counted like any other attempt from its network, and answered here: the token server would read it again.
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(
                    new ProblemDetailsContext { HttpContext = http, ProblemDetails = Errors.ProblemExceptionHandler.UnreadableForm() });
                return;
            }

            await next(http);
            // The client the token was issued to, as the token server read the request: not every id the request names,
            // or a client could name another in a header the server overrides and spend that client's budget.
            if (http.Response.StatusCode == StatusCodes.Status200OK && http.GetOpenIddictServerRequest()?.ClientId is { } issued)
            {
                throttle.ChargeIssued(issued);
            }

            return;
        }

        await next(http);
    }

    /// <summary>
    /// Every client id the request names, in HTTP Basic and in the form (the form is buffered, so OpenIddict reads it
    /// again). The request is refused if any of them has had its tokens: which one the token server takes is known only
    /// once it has answered, and then only that one is charged.
    /// </summary>
    private static async Task<(List<string> Ids, bool FormReadable)> ClientIdsAsync(HttpRequest request)
    {
        var ids = new List<string>(2);
        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            && string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) && header.Parameter is { } parameter)
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
                ids.Add(Uri.UnescapeDataString(decoded.Split(':', 2)[0]));
            }
            catch (FormatException)
            {
                // Not a client id: the token server refuses the header.
            }
        }

        if (!request.HasFormContentType)
        {
            return (ids, true);
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (Errors.ProblemExceptionHandler.IsUnreadableForm(e, request))
        {
            return (ids, false);
        }

        var id = form["client_id"].ToString();
        if (id.Length is > 0 and <= 100 && !ids.Contains(id, StringComparer.Ordinal))
        {
            ids.Add(id);
        }

        return (ids, true);
    }
}
