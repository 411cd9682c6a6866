using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Errors;

/// <summary>
/// The last writer: a problem whose client asked for neither JSON nor anything (<c>Accept: text/html</c>,
/// <c>application/xml</c>, <c>application/pdf</c>) is still answered as <c>application/problem+json</c>. ASP.NET Core's
/// own writer declines it, and then a 400 went out empty, a 401 as plain text, and a rate limit or an unreadable query
/// value as a 500 (no writer at all). An error is worth more in a format the client did not ask for than in none, and
/// RFC 9457's media type is the one every other error of the API has.
/// </summary>
internal sealed class ProblemJsonWhateverAccepted(IOptions<ProblemDetailsOptions> problemOptions, IOptions<JsonOptions> jsonOptions)
    : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        context.ProblemDetails.Status ??= http.Response.StatusCode;
        // The defaults ASP.NET Core's writer fills in (the status's RFC 9110 type and title) are applied by constructing
        // the result that carries them; it is not executed, which would ask this writer again.
        var problem = TypedResults.Problem(context.ProblemDetails).ProblemDetails;
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(
            problem, problem.GetType(), jsonOptions.Value.SerializerOptions, "application/problem+json", http.RequestAborted));
    }
}
