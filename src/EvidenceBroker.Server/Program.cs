using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Development;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Hosting;
using EvidenceBroker.Server.Jobs;
using EvidenceBroker.Server.Mlat;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Retention;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Observability;
using EvidenceBroker.Server.OpenApi;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Portal;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Routing;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Scalar.AspNetCore;
using Serilog;

// Settings are read once, at start: a node is reconfigured by restarting it, so the nodes of a cluster stay alike.
// Watching appsettings for changes watches the whole content root, and with it the SQLite file under ./data, so
// every commit woke the watcher (1.6 % of the broker's CPU while filing).
var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);

builder.AddBrokerObservability();
builder.Services.ConfigureHttpJsonOptions(options => PublicModelJson.Configure(options.SerializerOptions));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddBrokerErrors();
builder.Services.AddOptions<LimitsOptions>().Bind(builder.Configuration.GetSection(LimitsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddBrokerPersistence(builder.Configuration);
builder.Services.AddBrokerDataProtection();
builder.Services.AddBrokerAuth(builder.Configuration, builder.Environment);
builder.Services.AddBrokerPolicy(builder.Configuration, builder.Environment);
builder.Services.AddBrokerJobs(builder.Configuration);
builder.Services.AddBrokerWebhooks(builder.Configuration);
builder.Services.AddSingleton<AuditTrail>();
builder.Services.AddBrokerAudit(builder.Configuration, builder.Environment);
builder.Services.AddBrokerExports(builder.Configuration);
builder.Services.AddSingleton<IValidator<RequestContent>, RequestContentValidator>(); // built once: its rules compile expression trees
builder.Services.AddSingleton<ProviderJurisdictions>();
builder.Services.AddSingleton<IRequestReferences, RandomRequestReferences>();
builder.Services.AddScoped<RequestIntake>();
builder.Services.AddScoped<RequestActions>();
builder.Services.AddScoped<RequestProductions>();
builder.Services.AddScoped<EmergencyValidation>();
builder.Services.AddSingleton<ProductionStore>();
builder.Services.AddOptions<StorageOptions>().Bind(builder.Configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddScoped<EvidenceBroker.Server.Mlat.MlatDrafting>();
builder.Services.AddBrokerSla(builder.Configuration);
builder.Services.AddBrokerRetention(builder.Configuration);
builder.Services.AddBrokerRateLimiting(builder.Configuration);
builder.Services.AddBrokerTrustedProxies(builder.Configuration, builder.Environment);
builder.Services.AddBrokerOpenApi();
builder.Services.AddBrokerPortal(builder.Configuration, builder.Environment);

var app = builder.Build();

// Every setting is checked before the start touches anything: the host would check them only once it runs, after the
// migrations, the pack's import and the jobs' registration below.
app.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();

// Request logging sits outside the exception handler, so it logs the status the caller got (a 400 for a body that
// does not bind) instead of an exception passing through on its way to becoming that 400.
app.UseBrokerTrustedProxies();
app.UseHeadWithoutBody();
app.UseCorrelationId();
app.UseSerilogRequestLogging();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<UnreadableValueMiddleware>();
app.UseBrokerPortal();
app.UseRouting();
app.UseMiddleware<BodySizeLimitMiddleware>();
app.UseTokenEndpointThrottle();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseMiddleware<RepeatedQueryValueMiddleware>();

app.MapTokenEndpoint();
// The API's GET endpoints answer HEAD alike (Razor Pages, the portal, does so for its pages by itself; the health
// checks answer any method).
var api = app.MapGroup("").AnswerHeadAsGet();
api.MapRequestsApi();
api.MapRequestLifecycleApi();
api.MapMlatApi();
api.MapReferenceDataApi();
api.MapPolicyApi();
app.MapBrokerPortal();
api.MapAuditApi();
api.MapExportsApi();
app.MapJobsDashboard();
api.MapWebhooksAdminApi();
api.MapOpenApi();
app.MapScalarApiReference("/docs");
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
app.MapGet("/", () => Results.Redirect("/portal")).ExcludeFromDescription();

await app.Services.InitialiseDatabaseAsync();
if (!app.Environment.IsDevelopment())
{
    // Before anything else is written to a database that is not this environment's own.
    await DevelopmentSeed.RefuseDemoAccessAsync(app.Services, app.Environment.EnvironmentName, app.Logger);
}

await app.Services.ImportPolicyPackAsync(app.Logger);
app.Services.ScheduleSlaSweep();
app.Services.ScheduleRetentionSweep();
await app.Services.RequeueLostExportsAsync();
await app.Services.SealClearWebhookSecretsAsync();
await app.Services.SealClearAuthenticatorKeysAsync();
await app.Services.LoadDisabledClientsAsync();
if (app.Environment.IsDevelopment())
{
    await DevelopmentSeed.SeedAsync(app.Services, app.Logger);
}
else if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value.AllowHttp)
{
    app.Logger.LogWarning("Auth:AllowHttp is on in {Environment}: client secrets may cross the network in clear. Behind a TLS proxy, " +
        "list it in Proxy:TrustedNetworks instead", app.Environment.EnvironmentName);
}

app.WarnIfNoJobWillRun();
await app.RunAsync();

/// <summary>The host's entry point, visible to WebApplicationFactory.</summary>
public partial class Program;
