using System.Data.Common;
using EvidenceBroker.Server.Persistence;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// Makes the database refuse the COMMIT of every transaction that inserts or updates a row of one table, as a deferred
/// constraint refuses it: the row goes in, and the transaction holding it (a whole write batch) fails as it commits,
/// keeping nothing. Built of the database's own parts, so the broker runs unchanged: on SQLite a trigger that leaves a
/// deferred foreign key unsatisfied, on PostgreSQL a deferred constraint trigger that raises. Disposing it lets such
/// transactions commit again.
/// </summary>
public sealed class CommitRefusal : IAsyncDisposable
{
    private readonly BrokerFactory broker;
    private readonly string table;

    private CommitRefusal(BrokerFactory broker, string table)
    {
        this.broker = broker;
        this.table = table;
    }

    /// <param name="table">A table name as the migrations spell it (lower case, no quoting needed).</param>
    /// <param name="connectionLost">
    /// Instead of refusing the COMMIT, the database ends the connection that sends it (PostgreSQL only), as a lost
    /// connection would: the client hears no answer to its COMMIT, and the server rolls the transaction back.
    /// </param>
    public static async Task<CommitRefusal> OnWritesToAsync(BrokerFactory broker, string table, bool connectionLost = false)
    {
        if (connectionLost && broker.Provider != DatabaseProvider.Postgres)
        {
            throw new ArgumentException("Only a database across the network has a connection to lose.", nameof(connectionLost));
        }

        var refusal = new CommitRefusal(broker, table);
        var failure = connectionLost
            ? "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL;"
            : "RAISE EXCEPTION 'The test refuses to commit a write to %.', TG_TABLE_NAME;";
        await refusal.ExecuteAsync(broker.Provider == DatabaseProvider.Postgres
            ? $"""
               CREATE OR REPLACE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql
                   AS $$ BEGIN {failure} END $$;
               CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT OR UPDATE ON {table}
                   DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit();
               """
            : $"""
               CREATE TABLE IF NOT EXISTS commit_refusal_parent (id INTEGER PRIMARY KEY);
               CREATE TABLE IF NOT EXISTS commit_refusal (
                   parent INTEGER NOT NULL REFERENCES commit_refusal_parent (id) DEFERRABLE INITIALLY DEFERRED);
               CREATE TRIGGER refuse_commit_insert AFTER INSERT ON "{table}" BEGIN INSERT INTO commit_refusal VALUES (1); END;
               CREATE TRIGGER refuse_commit_update AFTER UPDATE ON "{table}" BEGIN INSERT INTO commit_refusal VALUES (1); END;
               """);
        return refusal;
    }

    public async ValueTask DisposeAsync() =>
        await ExecuteAsync(broker.Provider == DatabaseProvider.Postgres
            ? $"DROP TRIGGER refuse_commit ON {table}"
            : "DROP TRIGGER refuse_commit_insert; DROP TRIGGER refuse_commit_update;");

    /// <summary>On a connection of its own, outside the broker's write batches.</summary>
    private async Task ExecuteAsync(string sql)
    {
        await using DbConnection connection = broker.Provider == DatabaseProvider.Postgres
            ? new NpgsqlConnection(broker.ConnectionString)
            : new SqliteConnection(broker.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
