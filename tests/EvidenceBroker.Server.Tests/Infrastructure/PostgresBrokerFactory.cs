using EvidenceBroker.Server.Persistence;
using Npgsql;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// The same broker on a fresh database of the throwaway PostgreSQL that tests/run.sh starts: a copy of the migrated one
/// (<see cref="MigratedDatabases"/>).
/// </summary>
public class PostgresBrokerFactory : BrokerFactory
{
    public PostgresBrokerFactory()
        : base(DatabaseProvider.Postgres, MigratedDatabases.CreatePostgres(), migrated: true)
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            PostgresDatabase.Drop(ConnectionString);
        }
    }
}

public static class PostgresDatabase
{
    public const string Variable = "EB_TEST_POSTGRES";

    public static string? Server => System.Environment.GetEnvironmentVariable(Variable);

    /// <summary>
    /// Creates a database with a unique name, empty or a copy of <paramref name="template"/>, and returns its connection
    /// string.
    /// </summary>
    public static string Create(string? template = null)
    {
        var server = Server ?? throw new InvalidOperationException(
            $"{Variable} is not set: run the suite through tests/run.sh, which starts a throwaway PostgreSQL.");
        var name = $"eb_test_{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(server))
        {
            connection.Open();
            using var command = new NpgsqlCommand(template is null ? $"CREATE DATABASE {name}" : $"CREATE DATABASE {name} TEMPLATE {template}", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public static void Drop(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(Server);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }
}

/// <summary>A fact that needs the throwaway PostgreSQL; tests/run.sh always provides it.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresDatabase.Server is null)
        {
            Skip = $"{PostgresDatabase.Variable} is not set (tests/run.sh sets it).";
        }
    }
}

/// <summary>
/// A second broker on the database of <paramref name="first"/>, as another node would be: its connection string differs
/// (its application name), so it has a write batch of its own. It leaves the database to <paramref name="first"/>.
/// </summary>
public sealed class SecondPostgresNode(PostgresBrokerFactory first)
    : BrokerFactory(DatabaseProvider.Postgres, new NpgsqlConnectionStringBuilder(first.ConnectionString) { ApplicationName = "second-node" }.ConnectionString);
