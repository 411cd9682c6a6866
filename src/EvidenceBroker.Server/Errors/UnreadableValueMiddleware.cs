using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace EvidenceBroker.Server.Errors;

/// <summary>
/// Names the query or route value an API endpoint could not read (<c>page=x</c>, <c>filedFrom=abc</c>). The API's
/// handlers are built at compile time by ASP.NET Core's Request Delegate Generator, which answers such a value with an
/// empty 400: unlike the run-time factory, it does not throw there even with
/// <see cref="Microsoft.AspNetCore.Routing.RouteHandlerOptions.ThrowOnBadRequest"/>. Only a 400 with nothing written,
/// from an endpoint that binds parsable values, is looked at; the rest pass untouched.
/// </summary>
internal sealed class UnreadableValueMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    private static readonly MethodInfo ParsesMethod =
        typeof(UnreadableValueMiddleware).GetMethod(nameof(Parses), BindingFlags.NonPublic | BindingFlags.Static)!;

    public async Task InvokeAsync(HttpContext http)
    {
        await next(http);
        if (http.Response is { StatusCode: StatusCodes.Status400BadRequest, HasStarted: false }
            && FirstUnreadable(http) is var (field, value))
        {
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = ProblemExceptionHandler.Unreadable(ProblemExceptionHandler.NotAValidValue(field, value)),
            });
        }
    }

    private static (string Field, string Value)? FirstUnreadable(HttpContext http)
    {
        var parameters = http.GetEndpoint()?.Metadata.GetOrderedMetadata<IParameterBindingMetadata>() ?? [];
        foreach (var parameter in parameters.Where(p => p.HasTryParse))
        {
            var value = http.Request.RouteValues.TryGetValue(parameter.Name, out var routed)
                ? Convert.ToString(routed, CultureInfo.InvariantCulture)
                : http.Request.Query[parameter.Name].ToString();
            var type = Nullable.GetUnderlyingType(parameter.ParameterInfo.ParameterType) ?? parameter.ParameterInfo.ParameterType;
            if (!string.IsNullOrEmpty(value) && IsParsable(type) && !(bool)ParsesMethod.MakeGenericMethod(type).Invoke(null, [value])!)
            {
                return (parameter.Name, value);
            }
        }

        return null;
    }

    private static bool IsParsable(Type type) =>
        type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IParsable<>) && i.GetGenericArguments()[0] == type);

    private static bool Parses<T>(string value)
        where T : IParsable<T> => T.TryParse(value, CultureInfo.InvariantCulture, out _);
}
