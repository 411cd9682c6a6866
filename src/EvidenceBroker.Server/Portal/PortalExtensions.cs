using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Hosting;
using EvidenceBroker.Server.Requests;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApplicationModels;

namespace EvidenceBroker.Server.Portal;

/// <summary>
/// The web portal: server-rendered Razor Pages under /portal, signed in with a cookie, on the same services and
/// tenant boundaries as the API. Pages live in Portal/Pages; the one stylesheet and small scripts in wwwroot.
/// </summary>
public static class PortalExtensions
{
    public const string AssetsPath = "/portal/assets";

    public static IServiceCollection AddBrokerPortal(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddPortalSignIn(configuration, environment);

        // A production uploaded in the portal may be as large as through the API: the page and its form reader
        // take what storage does (the form reader alone stopped at 128 MB).
        var maxProduction = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>()?.MaxProductionBytes ?? new StorageOptions().MaxProductionBytes;
        services.Configure<FormOptions>(form => form.MultipartBodyLengthLimit = maxProduction);
        services.Configure<RouteOptions>(routes => routes.LowercaseUrls = true);
        services.AddRazorPages(pages =>
            {
                pages.RootDirectory = "/Portal/Pages";
                pages.Conventions.Add(new PortalPrefix());
                pages.Conventions.ConfigureFilter(new UnmatchedHandlerFilter());
                pages.Conventions.AuthorizeFolder("/", PortalSignIn.Portal);
                pages.Conventions.AllowAnonymousToFolder("/Account");
                // Not dead beside the folder's AllowAnonymous: the authorization middleware still authenticates with the
                // policy's scheme (the portal cookie) to fill in the user, which the page then checks itself.
                pages.Conventions.AuthorizePage("/Account/Security", PortalSignIn.Portal);
                pages.Conventions.AuthorizeFolder("/Officer", PortalSignIn.Officer);
                pages.Conventions.AuthorizeFolder("/Supervisor", PortalSignIn.Supervisor);
                pages.Conventions.AuthorizeFolder("/Provider", PortalSignIn.Provider);
                pages.Conventions.AuthorizeFolder("/Oversight", PortalSignIn.Oversight);
                pages.Conventions.AuthorizePage("/Oversight/Audit", PortalSignIn.OversightBody);
                pages.Conventions.AuthorizeFolder("/Admin", PortalSignIn.Administrator);
                pages.Conventions.AddPageApplicationModelConvention("/Requests/Detail",
                    page => page.EndpointMetadata.Add(new HandlerBodySizeLimit("produce", maxProduction, FormBytes,
                        IdentityConstants.ApplicationScheme, user => user.HasClaim(PortalRoles.RoleClaim, PortalRoles.ProviderLegal))));
            });
        services.AddScoped<PortalPreview>();
        services.AddScoped<PortalRequests>();
        return services;
    }

    /// <summary>
    /// The most a portal form other than a production upload may send: a request written in full in a script that
    /// takes three bytes a character, URL-encoded, fits.
    /// </summary>
    public const int FormBytes = 256 * 1024;

    /// <summary>Security headers and the portal's static files. Placed before routing.</summary>
    public static WebApplication UseBrokerPortal(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/portal"))
            {
                http.Response.OnStarting(() =>
                {
                    var headers = http.Response.Headers;
                    // No inline script or style anywhere in the portal: only our own files, and data: images (QR codes).
                    // A production is the provider's file under the type the provider declared: it may run nothing.
                    headers.ContentSecurityPolicy = string.Equals(http.Request.Query["handler"].FirstOrDefault(), "Production", StringComparison.OrdinalIgnoreCase)
                        ? "sandbox; default-src 'none'"
                        : "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
                          "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
                    headers.XContentTypeOptions = "nosniff";
                    headers.XFrameOptions = "DENY";
                    headers["Referrer-Policy"] = "no-referrer";
                    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                    headers["Cross-Origin-Opener-Policy"] = "same-origin";
                    if (!headers.ContainsKey("Cache-Control") && !http.Request.Path.StartsWithSegments(AssetsPath))
                    {
                        headers.CacheControl = "no-store";
                    }

                    return Task.CompletedTask;
                });
            }

            await next(http);
        });
        app.UseStaticFiles(new StaticFileOptions { RequestPath = AssetsPath });
        return app;
    }

    public static IEndpointRouteBuilder MapBrokerPortal(this IEndpointRouteBuilder app)
    {
        app.MapRazorPages();
        return app;
    }

    /// <summary>Every page lives under /portal, so the API, the docs and the portal never share a path.</summary>
    private sealed class PortalPrefix : IPageRouteModelConvention
    {
        public void Apply(PageRouteModel model)
        {
            foreach (var selector in model.Selectors)
            {
                if (selector.AttributeRouteModel is { } route)
                {
                    route.Template = AttributeRouteModel.CombineTemplates("portal", route.Template);
                }
            }
        }
    }
}
