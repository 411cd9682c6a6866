using Microsoft.AspNetCore.Http.Features;

namespace EvidenceBroker.Server.Errors;

public static class ErrorsExtensions
{
    public static IServiceCollection AddBrokerErrors(this IServiceCollection services)
    {
        // Before the default JSON writer, which would otherwise answer the portal's problems too.
        services.AddSingleton<IProblemDetailsWriter, PortalProblemPage>();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            var activity = context.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity;
            context.ProblemDetails.Extensions["traceId"] = activity?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        });
        // After the default JSON writer, which answers only clients that accept JSON: this one answers the rest.
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWhateverAccepted>();
        services.AddExceptionHandler<ProblemExceptionHandler>();

        // Bad bodies, unknown enum names and wrong content types throw BadHttpRequestException in every
        // environment, so that the exception handler (not an empty 400) answers them.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }
}
