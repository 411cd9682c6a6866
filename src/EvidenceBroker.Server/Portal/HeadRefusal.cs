using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal;

/// <summary>
/// Razor Pages answers HEAD with a page's GET handler; a handler that records each download (a dossier, a production,
/// a report) would record a HEAD as one, with nothing sent.
/// </summary>
internal static class HeadRefusal
{
    /// <summary>405, allowing GET, for a HEAD; null for anything else.</summary>
    public static IActionResult? RefuseHead(this PageModel page)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (!HttpMethods.IsHead(page.Request.Method))
        {
            return null;
        }

        page.Response.Headers.Allow = HttpMethods.Get;
        return page.StatusCode(StatusCodes.Status405MethodNotAllowed);
    }
}
