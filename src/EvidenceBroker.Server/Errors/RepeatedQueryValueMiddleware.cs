namespace EvidenceBroker.Server.Errors;

/// <summary>
/// Refuses an API call that gives a query value twice (<c>?fileName=a.zip&amp;fileName=b.zip</c>), naming it. No API
/// endpoint takes a list from the query string, and binding would otherwise join the values with a comma: a number
/// then fails to read as "1,2", but a text is taken as given, and a production was stored as "a.zip,b.zip".
/// </summary>
internal sealed class RepeatedQueryValueMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            && http.Request.Query.FirstOrDefault(q => q.Value.Count > 1) is { Key: { } repeated })
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = ProblemExceptionHandler.Unreadable(new() { [repeated] = ["Give this value once."] }),
            });
            return;
        }

        await next(http);
    }
}
