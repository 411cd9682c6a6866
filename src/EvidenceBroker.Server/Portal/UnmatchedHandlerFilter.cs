using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace EvidenceBroker.Server.Portal;

/// <summary>
/// Razor Pages renders a page without running any handler when none matches the request's method and handler name (a
/// TRACE, a POST naming a handler the page does not have), and a page's model is then empty: rendering it throws. Such
/// a request is answered 405 before the page renders. (A GET naming an unknown handler falls back to the page's
/// OnGet, which every portal page with handlers has.)
/// </summary>
internal sealed class UnmatchedHandlerFilter : IPageFilter
{
    public void OnPageHandlerSelected(PageHandlerSelectedContext context)
    {
    }

    public void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        if (context.HandlerMethod is null && context.ActionDescriptor.HandlerMethods.Count > 0)
        {
            context.Result = new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
        }
    }

    public void OnPageHandlerExecuted(PageHandlerExecutedContext context)
    {
    }
}
