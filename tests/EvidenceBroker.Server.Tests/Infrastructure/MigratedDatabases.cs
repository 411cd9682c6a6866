using EvidenceBroker.Server.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// Databases as the broker's start leaves them before it writes a row: every migration applied, SQLite in WAL mode,
/// PostgreSQL with Hangfire's schema. Each provider's is made once per test run, by the broker's own
/// <see cref="PersistenceExtensions.InitialiseDatabaseAsync"/> on an empty database, and every test broker that has a
/// database of its own starts on a fresh copy of it.
/// </summary>
/// <remarks>
/// Migrating an empty database was a third of a test broker's start, most of it EF Core building each migration's
/// target model, and there are hundreds of starts in a run. A copy is the test's own, so tests still change their data
/// freely; the broker starts on it with Database:MigrateAtStart off, as a node does where a deploy step migrates. A
/// failing migration still fails every test, here, and brokers that start on a database a test names (a shared file, a
/// restart, an empty folder) still migrate it at start.
/// </remarks>
public static class MigratedDatabases
{
    private static readonly Lazy<string> SqliteFile = new(MigrateSqliteFile, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> PostgresTemplate = new(MigratePostgresTemplate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Writes a copy of the migrated SQLite database to <paramref name="file"/>, which must not exist yet.</summary>
    public static void CopySqliteTo(string file) => File.Copy(SqliteFile.Value, file);

    /// <summary>A new PostgreSQL database, copied from the migrated one, with a unique name; returns its connection string.</summary>
    public static string CreatePostgres() => PostgresDatabase.Create(template: PostgresTemplate.Value);

    private static string MigrateSqliteFile()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("eb-migrated-").FullName, "broker.db");

        // Unpooled, so that once migrated no connection stays open: the last to close folds the WAL into the file,
        // and a plain copy of the file is then the whole database.
        Initialise(DatabaseProvider.Sqlite, $"Data Source={file};Pooling=False");
        if (File.Exists(file + "-wal"))
        {
            throw new InvalidOperationException($"The migrated SQLite database {file} still has a write-ahead log: a copy of the file alone would miss its last pages.");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
            }
            catch (IOException)
            {
                // Left to the OS temp cleaner.
            }
        };
        return file;
    }

    private static string MigratePostgresTemplate()
    {
        // Unpooled too: PostgreSQL copies a database only while no one is connected to it.
        var connectionString = new NpgsqlConnectionStringBuilder(PostgresDatabase.Create()) { Pooling = false }.ConnectionString;
        Initialise(DatabaseProvider.Postgres, connectionString);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                PostgresDatabase.Drop(connectionString);
            }
            catch (NpgsqlException)
            {
                // The throwaway server went first; it takes the template with it.
            }
        };
        return new NpgsqlConnectionStringBuilder(connectionString).Database!;
    }

    private static void Initialise(DatabaseProvider provider, string connectionString)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"{DatabaseOptions.Section}:{nameof(DatabaseOptions.Provider)}"] = provider.ToString(),
                [$"{DatabaseOptions.Section}:{nameof(DatabaseOptions.ConnectionString)}"] = connectionString,
            })
            .Build();

        // Off the caller's synchronization context: factories are built in constructors, which cannot await.
        Task.Run(async () =>
        {
            await using var services = new ServiceCollection().AddLogging().AddBrokerPersistence(configuration).BuildServiceProvider();
            await services.InitialiseDatabaseAsync();
        }).GetAwaiter().GetResult();
    }
}
