using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using Hangfire;
using Microsoft.AspNetCore.Authentication;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;

namespace EvidenceBroker.Server.Jobs;

/// <summary>Bound from the "Jobs" section.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Run a Hangfire server in this process. Off for nodes that only serve HTTP.</summary>
    public bool RunServer { get; set; } = true;

    /// <summary>How many jobs this node's server runs at once.</summary>
    public int WorkerCount { get; set; } = 4;

    /// <summary>
    /// On PostgreSQL, how old a Hangfire lock must be before another node may take it over. A node killed while it held
    /// one (a job's <see cref="DisableConcurrentExecutionAttribute"/> lock, or the scheduler's) leaves it behind, and
    /// until it is this old the SLA sweep and the other jobs wait for it: Hangfire.PostgreSql's default is ten minutes.
    /// Every broker job is safe to run on two nodes at once (the lock saves work, it guards nothing), so a live holder
    /// that outlasts it costs only work done twice.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Stops the start on a value Hangfire would refuse later, or misread, naming the setting. Checked by hand rather
    /// than with <c>ValidateOnStart</c>: these values build the job storage and server while services are registered,
    /// before any validation on start would run.
    /// </summary>
    public void ThrowIfInvalid()
    {
        if (RunServer && WorkerCount <= 0)
        {
            throw new InvalidOperationException(
                $"Jobs:WorkerCount must be a positive whole number (such as 4); it is {WorkerCount}. A node that should run no jobs sets Jobs:RunServer to false.");
        }

        if (LockTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Jobs:LockTimeout must be a positive time span (such as 00:01:00); it is {LockTimeout}.");
        }
    }
}

/// <summary>
/// Hangfire: in-memory storage with SQLite (deadlines live in the database and are swept from there), and
/// Hangfire.PostgreSql when the broker runs on PostgreSQL with several nodes.
/// </summary>
public static class JobsExtensions
{
    public static IServiceCollection AddBrokerJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var options = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        options.ThrowIfInvalid();
        var postgresStorageOptions = new PostgreSqlStorageOptions
        {
            PrepareSchemaIfNecessary = false, SchemaName = "hangfire", DistributedLockTimeout = options.LockTimeout,
        };

        // One storage and one job activator per host, owned by its container. Hangfire's default registrations hand
        // out the process-wide JobStorage.Current and JobActivator.Current, whichever host set them last: with two
        // hosts in one process (the tests), a job could be enqueued into the other host's storage or run with the
        // other host's services, against the other host's database, and its own request stayed "queued" for ever.
        services.AddSingleton<JobActivator>(provider => new Hangfire.AspNetCore.AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>()));
        services.AddSingleton<JobStorage>(_ => database.Provider == DatabaseProvider.Postgres
            ? new PostgreSqlStorage(
                // The schema is created by InitialiseDatabaseAsync before any server starts (two nodes racing to
                // create it on an empty database fail), so Hangfire must not try again here.
                new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(database.ConnectionString, postgresStorageOptions),
                postgresStorageOptions)
            : new Hangfire.InMemory.InMemoryStorage());
        services.AddHangfire((provider, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(provider.GetRequiredService<JobStorage>()));

        services.AddHealthChecks().AddCheck<JobStorageHealthCheck>("jobs", failureStatus: Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, tags: ["ready"]);
        if (options.RunServer)
        {
            services.AddHangfireServer(server =>
            {
                server.WorkerCount = options.WorkerCount;
                server.SchedulePollingInterval = TimeSpan.FromSeconds(5);
            });
        }

        return services;
    }

    /// <summary>
    /// Says at start that no job will ever run when this node runs no job server on SQLite, whose job storage lives
    /// in this process: no other node can run them, so no deadline is swept, no report built, no checkpoint signed and
    /// nothing erased when its retention ends. On PostgreSQL another node's server runs them.
    /// </summary>
    public static void WarnIfNoJobWillRun(this WebApplication app)
    {
        var configuration = app.Configuration;
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        if (!jobs.RunServer && database.Provider != DatabaseProvider.Postgres)
        {
            app.Logger.LogWarning("Jobs:RunServer is false on {Provider}, whose job storage lives in this process: no job will run. " +
                "No deadline is swept, no report built, no audit checkpoint signed, no retention sweep made", database.Provider);
        }
    }

    /// <summary>
    /// The dashboard, for administrators only (a signed-in portal administrator or an admin token), and read-only:
    /// deleting or triggering a job there would be an unaudited change, and deleting the audit checkpoint job would stop
    /// the signatures that detect a cut tail.
    /// </summary>
    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [new AdministratorsOnly()],
            IsReadOnlyFunc = _ => true,
            DisplayStorageConnectionString = false,
            DashboardTitle = "Evidence Broker jobs",
        });
        return app;
    }

    /// <summary>
    /// An administrator's bearer token, or a signed-in portal administrator: the API's default scheme is the bearer
    /// token, so the portal's cookie has to be read explicitly here.
    /// </summary>
    private sealed class AdministratorsOnly : IDashboardAsyncAuthorizationFilter
    {
        public async Task<bool> AuthorizeAsync(DashboardContext context)
        {
            var http = context.GetHttpContext();
            if (IsAdministrator(http.User))
            {
                return true;
            }

            var portal = await http.AuthenticateAsync(Microsoft.AspNetCore.Identity.IdentityConstants.ApplicationScheme);
            return portal.Succeeded && IsAdministrator(portal.Principal);
        }

        private static bool IsAdministrator(System.Security.Claims.ClaimsPrincipal? user) =>
            user?.Identity?.IsAuthenticated == true && BrokerClaims.ReadTenant(user)?.Kind == TenantKind.Administration
            && user.HasScope(BrokerScopes.Admin);
    }
}
