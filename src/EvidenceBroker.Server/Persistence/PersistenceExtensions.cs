using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Persistence;

public static class PersistenceExtensions
{
    public static IServiceCollection AddBrokerPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection(DatabaseOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Pooled contexts: a filing builds its context from a reset one instead of resolving EF Core's internal
        // services and options anew on every request. Contexts hold no state of their own beyond EF Core's.
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (options.Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(configuration[$"{DatabaseOptions.Section}:ConnectionString"]))
        {
            // The default connection string is SQLite's file, which PostgreSQL's driver would refuse in words of its own.
            throw new InvalidOperationException(
                "Database:Provider is Postgres but Database:ConnectionString is not set: give the PostgreSQL connection " +
                "string (Host=…;Database=…;Username=…;Password=…).");
        }

        switch (options.Provider)
        {
            case DatabaseProvider.Postgres:
                services.AddDbContextPool<BrokerDbContext, PostgresBrokerDbContext>(db => db
                    .UseNpgsql(PostgresConnectionString.WithBrokerDefaults(options.ConnectionString))
                    .UseOpenIddict());
                break;
            default:
                services.AddDbContextPool<BrokerDbContext, SqliteBrokerDbContext>(db => db
                    .UseSqlite(options.ConnectionString)
                    .UseOpenIddict());
                break;
        }

        services.AddHealthChecks().AddDbContextCheck<BrokerDbContext>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>Creates the SQLite folder, switches SQLite to WAL, and applies migrations when configured to.</summary>
    public static async Task InitialiseDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();

        if (options.Provider == DatabaseProvider.Sqlite)
        {
            var file = new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }

        if (options.MigrateAtStart)
        {
            await db.Database.MigrateAsync(ct);
            if (options.Provider == DatabaseProvider.Postgres)
            {
                // Hangfire's tables, created here once under a lock rather than by every node's Hangfire server at once.
                await db.Database.OpenConnectionAsync(ct);
                try
                {
                    await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(4542484600)", ct);
                    Hangfire.PostgreSql.PostgreSqlObjectsInstaller.Install((Npgsql.NpgsqlConnection)db.Database.GetDbConnection(), "hangfire");
                    await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(4542484600)", ct);
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }
            }
        }

        if (options.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets readers proceed while the single writer commits; it is a property of the file and sticks.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
    }
}
