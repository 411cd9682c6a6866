using System.Net;
using Microsoft.AspNetCore.Http;

namespace EvidenceBroker.Server.Errors;

/// <summary>
/// A problem under /portal written as a short page instead of JSON: a person at a browser reads it (an upload too
/// large, a form that could not be read, an expired form token, a server fault), not a client library.
/// </summary>
internal sealed class PortalProblemPage : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) =>
        context.HttpContext.Request.Path.StartsWithSegments("/portal", StringComparison.OrdinalIgnoreCase);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        var title = WebUtility.HtmlEncode(problem.Title ?? "The request could not be completed.");
        var detail = problem.Detail is null ? "" : $"<p>{WebUtility.HtmlEncode(problem.Detail)}</p>";
        var trace = problem.Extensions.TryGetValue("traceId", out var id) ? $"<p>Trace id: <code>{WebUtility.HtmlEncode(id?.ToString())}</code></p>" : "";
        http.Response.ContentType = "text/html; charset=utf-8";
        return new ValueTask(http.Response.WriteAsync(
            $"<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{title}</title>" +
            $"<h1>{title}</h1>{detail}{trace}<p><a href=\"/portal\">Back to the portal</a></p></html>", http.RequestAborted));
    }
}
