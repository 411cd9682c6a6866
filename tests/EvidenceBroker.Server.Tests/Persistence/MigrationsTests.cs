using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// Each provider's migrations describe its model as it is: a model change without its migration would leave a fresh
/// database (which the migrations build) different from what the code expects.
/// </summary>
public sealed class MigrationsTests
{
    [Fact]
    public void The_sqlite_migrations_match_the_model()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges());
    }

    [Fact]
    public void The_postgres_migrations_match_the_model()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges());
    }
}
