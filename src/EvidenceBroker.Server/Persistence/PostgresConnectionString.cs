using System.Data.Common;
using Npgsql;

namespace EvidenceBroker.Server.Persistence;

/// <summary>The broker's defaults for a PostgreSQL connection string; whatever the operator set explicitly wins.</summary>
internal static class PostgresConnectionString
{
    /// <summary>
    /// Enough for every statement a filing or a job runs on one connection. Npgsql prepares a statement on a
    /// connection once it has run there five times, so PostgreSQL stops parsing and planning the same INSERTs and
    /// SELECTs for every filing (a third of its planning time, measured, went to two one-row SELECTs).
    /// </summary>
    public const int AutoPreparedStatements = 64;

    public static string WithBrokerDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Names(connectionString, "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = AutoPreparedStatements;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Whether the string itself sets the option, however spelled ("Max Auto Prepare", "maxautoprepare"): Npgsql's own
    /// builder answers yes for every option it knows, set or not.
    /// </summary>
    private static bool Names(string connectionString, string option) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal), option, StringComparison.OrdinalIgnoreCase));
}
