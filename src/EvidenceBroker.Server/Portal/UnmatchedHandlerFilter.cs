using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace EvidenceBroker.Server.Portal;

/// <summary>
/// Razor Pages renders a page without running any handler when none matches the request's method and handler name (a
/// TRACE, a made-up <c>?handler=</c>), and a page's model is then empty: rendering it throws. Such a request is answered
/// 404 (a GET or HEAD naming a handler the page does not have) or 405 (any other method), before the page renders.
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
            var method = context.HttpContext.Request.Method;
            context.Result = new StatusCodeResult(HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
                ? StatusCodes.Status404NotFound
                : StatusCodes.Status405MethodNotAllowed);
        }
    }

    public void OnPageHandlerExecuted(PageHandlerExecutedContext context)
    {
    }
}
