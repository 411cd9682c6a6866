using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace EvidenceBroker.Server.Auth;

/// <summary>Bound from the "Portal" section.</summary>
public sealed class PortalSignInOptions
{
    public const string Section = "Portal";

    /// <summary>How soon a "sign out everywhere" (new security stamp) reaches every other session.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")] // zero: checked on every request
    public TimeSpan SecurityStampInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a portal session lasts from its sign-in, however busy: after it the password and a code are asked again.
    /// The cookie also ends after this long without use.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);
}

/// <summary>
/// Cookie sign-in for portal users, beside (never instead of) the API's bearer tokens: the default scheme stays
/// the bearer scheme (<see cref="BrokerBearer"/>, OpenIddict validation behind a cache), so an API endpoint
/// without a token still answers 401, and only portal pages name the cookie scheme in their policies.
/// </summary>
public static class PortalSignIn
{
    public const string Portal = "portal";
    public const string Officer = "portal-officer";
    public const string Supervisor = "portal-supervisor";
    public const string Provider = "portal-provider";
    public const string Oversight = "portal-oversight";

    /// <summary>The oversight body alone, not the review desk that shares its pages: the whole audit chain's latest entries.</summary>
    public const string OversightBody = "portal-oversight-body";
    public const string Administrator = "portal-administrator";

    /// <summary>
    /// An account locks after this many failed attempts in a row at the step that guards its second factor: the code,
    /// for an account with an authenticator; the password, for one without (whose password alone leads to enrolling
    /// one). Password attempts on an account with an authenticator are limited per network instead
    /// (<see cref="PasswordAttempts"/>), so that strangers cannot lock it...
    /// </summary>
    public const int FailedAttemptsBeforeLockout = 5;

    /// <summary>The session cookie's record of when its holder signed in.</summary>
    private const string SignedInAtItem = "eb.signed-in-at";

    /// <summary>...for this long.</summary>
    public const int LockoutMinutes = 15;

    public static IServiceCollection AddPortalSignIn(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<PortalSignInOptions>().Bind(configuration.GetSection(PortalSignInOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(PortalSignInOptions.Section).Get<PortalSignInOptions>() ?? new PortalSignInOptions();
        var secure = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

        services.AddSingleton<PasswordAttempts>();
        services.AddSingleton<AuthenticatorKeyVault>();
        services.AddIdentityCore<PortalUser>()
            .AddUserStore<PortalUserStore>()
            .AddUserManager<PortalUserManager>()
            .AddDefaultTokenProviders()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<PortalClaimsFactory>()
            .AddTokenProvider<OneUseAuthenticatorCodes>(OneUseAuthenticatorCodes.ProviderName);
        services.Configure<IdentityOptions>(identity =>
        {
            identity.Password.RequiredLength = 12;
            identity.Password.RequireDigit = true;
            identity.Password.RequireLowercase = true;
            identity.Password.RequireUppercase = true;
            identity.Password.RequireNonAlphanumeric = true;
            identity.User.RequireUniqueEmail = true;
            identity.Lockout.AllowedForNewUsers = true;
            identity.Lockout.MaxFailedAccessAttempts = FailedAttemptsBeforeLockout;
            identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(LockoutMinutes);
            identity.SignIn.RequireConfirmedAccount = false;
            identity.Tokens.AuthenticatorTokenProvider = OneUseAuthenticatorCodes.ProviderName;
        });
        services.Configure<SecurityStampValidatorOptions>(stamp => stamp.ValidationInterval = options.SecurityStampInterval);

        services.AddAuthentication().AddIdentityCookies();
        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = "eb.portal";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = secure;
            cookie.ExpireTimeSpan = options.SessionLifetime;
            cookie.SlidingExpiration = true;
            // Sliding renewal alone would keep a session in use alive for ever: the sign-in's time travels with the
            // cookie (its properties survive renewal and Identity's refresh) and bounds it.
            cookie.Events.OnSigningIn = context =>
            {
                context.Properties.Items.TryAdd(SignedInAtItem, (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                return Task.CompletedTask;
            };
            // Renewal copies the cookie before its principal is validated, so an old cookie's time is written here first.
            cookie.Events.OnCheckSlidingExpiration = context =>
            {
                KeepSignedInAt(context.Properties);
                return Task.CompletedTask;
            };
            cookie.Events.OnValidatePrincipal = async context =>
            {
                var now = (context.Options.TimeProvider ?? TimeProvider.System).GetUtcNow();
                var at = KeepSignedInAt(context.Properties);
                if (now - at >= options.SessionLifetime)
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                    return;
                }

                await SecurityStampValidator.ValidatePrincipalAsync(context);
            };
            cookie.LoginPath = "/portal/account/login";
            cookie.LogoutPath = "/portal/account/logout";
            cookie.AccessDeniedPath = "/portal/account/denied";
        });
        foreach (var scheme in new[] { IdentityConstants.TwoFactorUserIdScheme, IdentityConstants.TwoFactorRememberMeScheme, IdentityConstants.ExternalScheme })
        {
            services.Configure<CookieAuthenticationOptions>(scheme, cookie =>
            {
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = secure;
            });
        }

        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "eb.antiforgery";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = secure;
            antiforgery.HeaderName = "RequestVerificationToken";
        });

        services.Configure<Microsoft.AspNetCore.Mvc.CookieTempDataProviderOptions>(tempData =>
        {
            tempData.Cookie.Name = "eb.flash";
            tempData.Cookie.SameSite = SameSiteMode.Strict;
            tempData.Cookie.SecurePolicy = secure;
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(Portal, policy => Cookie(policy))
            .AddPolicy(Officer, policy => Cookie(policy).RequireClaim(PortalRoles.RoleClaim, PortalRoles.Officer, PortalRoles.Supervisor))
            .AddPolicy(Supervisor, policy => Cookie(policy).RequireClaim(PortalRoles.SupervisorClaim, "true"))
            .AddPolicy(Provider, policy => Cookie(policy).RequireClaim(PortalRoles.RoleClaim, PortalRoles.ProviderLegal))
            .AddPolicy(Oversight, policy => Cookie(policy).RequireClaim(PortalRoles.RoleClaim, PortalRoles.Oversight, PortalRoles.Reviewer))
            .AddPolicy(OversightBody, policy => Cookie(policy).RequireClaim(PortalRoles.RoleClaim, PortalRoles.Oversight))
            .AddPolicy(Administrator, policy => Cookie(policy).RequireClaim(PortalRoles.RoleClaim, PortalRoles.Administrator));
        return services;
    }

    /// <summary>
    /// When the session whose cookie carries <paramref name="properties"/> ends: <paramref name="lifetime"/> after its
    /// sign-in, however busy (as <c>OnValidatePrincipal</c> enforces), or when the cookie itself expires if that is
    /// sooner. The cookie's expiry alone would be too late once sliding renewal has moved it on.
    /// </summary>
    public static DateTimeOffset SessionEnds(AuthenticationProperties properties, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var bySignIn = KeepSignedInAt(properties) + lifetime;
        return properties.ExpiresUtc is { } expires && expires < bySignIn ? expires : bySignIn;
    }

    /// <summary>
    /// When the session's holder signed in, kept in the cookie from here on. A cookie issued before sessions carried
    /// their sign-in time counts from when it was issued; that time is written into it, since renewing the cookie moves
    /// its issue time and an old session in use would otherwise never end.
    /// </summary>
    private static DateTimeOffset KeepSignedInAt(AuthenticationProperties properties)
    {
        var at = properties.Items.TryGetValue(SignedInAtItem, out var signedIn)
                 && DateTimeOffset.TryParse(signedIn, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var parsed)
            ? parsed
            : properties.IssuedUtc ?? DateTimeOffset.MinValue;
        properties.Items[SignedInAtItem] = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return at;
    }

    private static AuthorizationPolicyBuilder Cookie(AuthorizationPolicyBuilder policy) =>
        policy.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(ctx => BrokerClaims.ReadTenant(ctx.User) is not null);
}
