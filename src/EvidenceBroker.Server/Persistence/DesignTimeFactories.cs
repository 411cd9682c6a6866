using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace EvidenceBroker.Server.Persistence;

/// <summary>Lets `dotnet ef migrations add` build each provider's context without starting the host.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteBrokerDbContext>
{
    public SqliteBrokerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteBrokerDbContext>()
            .UseSqlite("Data Source=design-time.db")
            .UseOpenIddict()
            .Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresBrokerDbContext>
{
    public PostgresBrokerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresBrokerDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time")
            .UseOpenIddict()
            .Options);
}
