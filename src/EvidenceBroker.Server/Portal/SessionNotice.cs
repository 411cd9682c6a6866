using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Portal;

/// <summary>
/// The warning every signed-in page gives before its session ends (WCAG 2.2.1). The session's length is a security
/// rule and is not extended; what the page owes its reader is to say when it ends, before it does, since a form sent
/// after that leads to the sign-in page and what was typed into it is gone.
/// </summary>
public sealed class SessionNotice
{
    /// <summary>How long before the end the warning is shown.</summary>
    public static readonly TimeSpan Lead = TimeSpan.FromMinutes(10);

    private SessionNotice(DateTimeOffset ends, DateTimeOffset now)
    {
        Ends = ends;
        Left = ends > now ? ends - now : TimeSpan.Zero;
    }

    /// <summary>When the session ends, as the cookie's ticket and the sign-in time bound it.</summary>
    public DateTimeOffset Ends { get; }

    /// <summary>How long the session had left when the page was written.</summary>
    public TimeSpan Left { get; }

    /// <summary>Whether the warning is due already as the page is written (and so shown even without the script).</summary>
    public bool Due => Left <= Lead;

    /// <summary>
    /// Whole seconds from the page's writing until the warning is due, for the script to count from its own load
    /// rather than compare its machine's clock with the server's.
    /// </summary>
    public long SecondsUntilDue => Due ? 0 : (long)(Left - Lead).TotalSeconds;

    /// <summary>Whole seconds from the page's writing until the session ends.</summary>
    public long SecondsUntilEnd => (long)Left.TotalSeconds;

    public string Warning =>
        $"Your session ends at {PortalText.When(Ends)}; after that you must sign in again. Anything typed into a form and not yet sent will then be lost, so send it or copy it before then.";

    public const string Ended =
        "Your session has ended: sign in again to go on. A form sent from this page now would be lost, so copy anything you typed into it first.";

    /// <summary>The notice of the portal session the request is signed in with; null when it has none.</summary>
    public static async Task<SessionNotice?> OfAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme); // the page's policy has run it: answered from the handler's cache
        if (!session.Succeeded || session.Properties is null)
        {
            return null;
        }

        var lifetime = http.RequestServices.GetRequiredService<IOptions<PortalSignInOptions>>().Value.SessionLifetime;
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        return new SessionNotice(PortalSignIn.SessionEnds(session.Properties, lifetime), now);
    }
}
