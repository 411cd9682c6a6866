using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace EvidenceBroker.Server.Errors;

/// <summary>
/// A 404 answered as RFC 9457 problem details: <c>application/problem+json</c>, with the trace id and instance every
/// other problem carries, and listed so in the OpenAPI document. <c>TypedResults.NotFound(problem)</c> writes the
/// same body as plain <c>application/json</c> and skips the problem-details service.
/// </summary>
public sealed class NotFoundProblem(ProblemDetails problem)
    : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>
{
    public ProblemDetails Value { get; } = problem;

    object? IValueHttpResult.Value => Value;

    public int? StatusCode => StatusCodes.Status404NotFound;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        Value.Status = StatusCodes.Status404NotFound;
        return TypedResults.Problem(Value).ExecuteAsync(httpContext);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status404NotFound, typeof(ProblemDetails), ["application/problem+json"]));
    }
}
