using System.ComponentModel.DataAnnotations;

namespace EvidenceBroker.Server.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Bound from the "Database" section.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>For SQLite the default keeps the file under ./data next to where the broker runs.</summary>
    [Required]
    public string ConnectionString { get; set; } = "Data Source=data/evidence-broker.db";

    /// <summary>Apply pending migrations at start. Turn off where a deploy step migrates before nodes start.</summary>
    public bool MigrateAtStart { get; set; } = true;
}
