using System.Security.Cryptography.X509Certificates;
using EvidenceBroker.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Validation.AspNetCore;

namespace EvidenceBroker.Server.Auth;

public static class AuthExtensions
{
    public static IServiceCollection AddBrokerAuth(
        this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (!environment.IsDevelopment() && string.IsNullOrWhiteSpace(configuration[$"{AuthOptions.Section}:Issuer"]))
        {
            throw new InvalidOperationException(
                $"The broker will not start in the '{environment.EnvironmentName}' environment without Auth:Issuer, its public URL " +
                "(e.g. https://broker.example.org/): tokens name it, and every node must name the same one.");
        }

        var certificates = SigningCertificates.Load(options, environment);
        if (certificates is not null)
        {
            services.ProtectDataProtectionKeysWith(certificates.Value.Encryption, certificates.Value.PreviousEncryption);
        }

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<Persistence.BrokerDbContext>())
            .AddServer(server =>
            {
                server.SetIssuer(options.Issuer);
                server.SetTokenEndpointUris(TokenServerPaths.Token.TrimStart('/')); // relative to the issuer
                server.AddEventHandler(SkipRequestsOutsideTokenServerPaths.Descriptor);
                if (!environment.IsDevelopment() && options.AllowHttp)
                {
                    server.AddEventHandler(PlainHttpFromThisMachineOnly.Descriptor);
                }
                server.AllowClientCredentialsFlow();
                server.RegisterScopes([.. BrokerScopes.All]);
                server.SetAccessTokenLifetime(options.AccessTokenLifetime);

                // Signed, not encrypted, access tokens (RFC 9068 JWTs): they carry only the client id, its tenant and
                // scopes, which the client knows already, and decrypting RSA-OAEP on every call cost more CPU than the
                // rest of authentication together.
                server.DisableAccessTokenEncryption();

                if (certificates is null)
                {
                    // Development only: keys live in memory and every token dies with the process.
                    server.AddEncryptionKey(DevelopmentTokenKeys.Encryption).AddSigningKey(DevelopmentTokenKeys.Signing);
                }
                else
                {
                    server.AddSigningCertificate(certificates.Value.Signing)
                        .AddEncryptionCertificate(certificates.Value.Encryption);
                }

                var aspNetCore = server.UseAspNetCore().EnableTokenEndpointPassthrough();
                if (environment.IsDevelopment() || options.AllowHttp)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.UseAspNetCore();
            });

        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<DisabledClients>();
        services.AddHostedService<DisabledClientsRefresher>();
        services.AddScoped<ApiClientSwitch>();
        services.AddScoped<Enrolment>();
        services.AddScoped<AccountSecurity>();
        services.AddAuthentication(BrokerBearer.Scheme)
            .AddScheme<AuthenticationSchemeOptions, BrokerBearerHandler>(BrokerBearer.Scheme, scheme =>
            {
                // 401 and 403 stay OpenIddict's own, with the WWW-Authenticate errors clients already parse.
                scheme.ForwardChallenge = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
                scheme.ForwardForbid = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
            });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(null)
            .AddPolicy(BrokerPolicies.FileRequests, RequireScopeOf(BrokerPolicies.FileRequests))
            .AddPolicy(BrokerPolicies.ReadRequests, RequireScopeOf(BrokerPolicies.ReadRequests))
            .AddPolicy(BrokerPolicies.ReferenceData, policy => policy
                .AddAuthenticationSchemes(BrokerBearer.Scheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(ctx => BrokerClaims.ReadTenant(ctx.User) is not null))
            .AddPolicy(BrokerPolicies.Oversight, RequireScopeOf(BrokerPolicies.Oversight))
            .AddPolicy(BrokerPolicies.OversightOrAdministration, RequireScopeOf(BrokerPolicies.OversightOrAdministration))
            .AddPolicy(BrokerPolicies.DryRun, RequireScopeOf(BrokerPolicies.DryRun))
            .AddPolicy(BrokerPolicies.Administration, RequireScopeOf(BrokerPolicies.Administration));

        services.AddScoped<TokenIssuer>();
        return services;
    }

    /// <summary>Reads the disabled API clients before the node serves its first call.</summary>
    public static async Task LoadDisabledClientsAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await services.GetRequiredService<DisabledClients>()
            .RefreshAsync(scope.ServiceProvider.GetRequiredService<Persistence.BrokerDbContext>(), ct);
    }

    /// <summary>
    /// Seals the authenticator keys an earlier version stored in clear, once, at start; until then (and for a key a node
    /// of that version writes meanwhile, in a rolling upgrade) a clear key is read as it is. Read and written in the
    /// writers' turn, as every change of a key is, so a key reset on another node meanwhile is never overwritten with the
    /// old one sealed.
    /// </summary>
    public static async Task SealClearAuthenticatorKeysAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Persistence.BrokerDbContext>();
        var vault = scope.ServiceProvider.GetRequiredService<AuthenticatorKeyVault>();
        await using var transaction = await db.BeginWriteAsync(ct);
        var clear = await db.UserTokens
            .Where(t => t.LoginProvider == PortalUserStore.KeyLoginProvider && t.Name == PortalUserStore.KeyName
                        && t.Value != null && !t.Value.StartsWith(AuthenticatorKeyVault.SealedPrefix))
            .ToListAsync(ct);
        foreach (var key in clear)
        {
            key.Value = vault.Seal(key.UserId, key.Value!);
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// A bearer token with any one of the scopes <paramref name="policy"/> accepts (<see cref="BrokerPolicies.ScopesOf"/>),
    /// and of the tenant kind it asks for (<see cref="BrokerPolicies.TenantOf"/>), as the OpenAPI document shows them.
    /// </summary>
    private static AuthorizationPolicy RequireScopeOf(string policy)
    {
        var scopes = BrokerPolicies.ScopesOf(policy);
        var tenant = BrokerPolicies.TenantOf(policy);
        return new AuthorizationPolicyBuilder(BrokerBearer.Scheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(ctx => scopes.Any(ctx.User.HasScope) && (tenant is null || BrokerClaims.ReadTenant(ctx.User)?.Kind == tenant))
            .Build();
    }
}

/// <summary>Named authorisation policies; resource checks (which request) happen in the tenant-scoped queries.</summary>
public static class BrokerPolicies
{
    public const string FileRequests = "file-requests";
    public const string ReadRequests = "read-requests";
    public const string ReferenceData = "reference-data";
    public const string Oversight = "oversight";
    public const string Administration = "administration";
    public const string OversightOrAdministration = "oversight-or-administration";
    public const string DryRun = "policy-dry-run";

    private static readonly string[] FileRequestsScopes = [BrokerScopes.RequestsWrite];
    private static readonly string[] ReadRequestsScopes = [BrokerScopes.RequestsRead, BrokerScopes.OversightRead, BrokerScopes.RequestsReview];
    private static readonly string[] OversightScopes = [BrokerScopes.OversightRead];
    private static readonly string[] AdministrationScopes = [BrokerScopes.Admin];
    private static readonly string[] OversightOrAdministrationScopes = [BrokerScopes.OversightRead, BrokerScopes.Admin];
    private static readonly string[] DryRunScopes = [BrokerScopes.RequestsWrite, BrokerScopes.OversightRead, BrokerScopes.Admin];

    /// <summary>
    /// The scopes a policy accepts, any one of them; empty for a policy that any tenant's token meets (reference data).
    /// The "any of" policies are built from these, and the OpenAPI document gives them as each operation's security
    /// requirements; what a policy asks of the tenant's kind besides (an agency files) is <see cref="TenantOf"/>.
    /// </summary>
    public static IReadOnlyList<string> ScopesOf(string policy) => policy switch
    {
        FileRequests => FileRequestsScopes,
        ReadRequests => ReadRequestsScopes,
        Oversight => OversightScopes,
        Administration => AdministrationScopes,
        OversightOrAdministration => OversightOrAdministrationScopes,
        DryRun => DryRunScopes,
        _ => [],
    };

    /// <summary>The one tenant kind a policy lets in besides its scopes (an agency files); null for any kind.</summary>
    public static TenantKind? TenantOf(string policy) => policy switch
    {
        FileRequests => TenantKind.Agency,
        Oversight => TenantKind.Oversight,
        Administration => TenantKind.Administration,
        _ => null,
    };
}

/// <summary>Loads the token certificates, or refuses to start outside Development without them.</summary>
internal static class SigningCertificates
{
    public static (X509Certificate2 Signing, X509Certificate2 Encryption, X509Certificate2[] PreviousEncryption)? Load(
        AuthOptions options, IHostEnvironment environment)
    {
        if (string.IsNullOrWhiteSpace(options.SigningCertificatePath) || string.IsNullOrWhiteSpace(options.EncryptionCertificatePath))
        {
            if (environment.IsDevelopment())
            {
                return null;
            }

            throw new InvalidOperationException(
                $"The broker will not start in the '{environment.EnvironmentName}' environment without token certificates: " +
                "set Auth:SigningCertificatePath and Auth:EncryptionCertificatePath (PKCS#12 files) and their passwords. " +
                "Ephemeral development keys are only used in Development.");
        }

        var previous = options.PreviousEncryptionCertificates.Select((certificate, i) => string.IsNullOrWhiteSpace(certificate.Path)
                ? throw new InvalidOperationException($"Auth:PreviousEncryptionCertificates:{i}:Path names no file.")
                : X509CertificateLoader.LoadPkcs12FromFile(certificate.Path, certificate.Password))
            .ToArray();
        return (
            X509CertificateLoader.LoadPkcs12FromFile(options.SigningCertificatePath, options.SigningCertificatePassword),
            X509CertificateLoader.LoadPkcs12FromFile(options.EncryptionCertificatePath, options.EncryptionCertificatePassword),
            previous);
    }
}
