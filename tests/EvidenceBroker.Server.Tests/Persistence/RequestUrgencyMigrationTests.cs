using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>
/// Upgrading: requests filed before the requests table had an urgency column are counted by the urgency they were
/// filed with (the oversight statistics and lists read the column, not the content).
/// </summary>
public sealed class RequestUrgencyMigrationTests
{
    private const string Before = "ApiClientTokensValidFrom";

    [Fact]
    public async Task Requests_filed_before_the_upgrade_keep_their_urgency_on_sqlite()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("eb-migration-").FullName, "broker.db");
        await using var db = new SqliteBrokerDbContext(new DbContextOptionsBuilder<SqliteBrokerDbContext>()
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()).UseOpenIddict().Options);
        await UpgradesAsync(db, filedAt: "0");
    }

    [PostgresFact]
    public async Task Requests_filed_before_the_upgrade_keep_their_urgency_on_postgresql()
    {
        var connectionString = PostgresDatabase.Create();
        try
        {
            await using var db = new PostgresBrokerDbContext(new DbContextOptionsBuilder<PostgresBrokerDbContext>()
                .UseNpgsql(connectionString).UseOpenIddict().Options);
            await UpgradesAsync(db, filedAt: "now()");
        }
        finally
        {
            PostgresDatabase.Drop(connectionString);
        }
    }

    private static async Task UpgradesAsync(BrokerDbContext db, string filedAt)
    {
        var migrator = db.GetInfrastructure().GetRequiredService<IMigrator>();
        await migrator.MigrateAsync(Before);
        var filed = new[] { ("EB-1", "emergency"), ("EB-2", "preservation"), ("EB-3", "standard") };
        foreach (var (reference, urgency) in filed)
        {
            var content = SampleRequests.MetToNorthwindSubscriber().With("urgency", urgency).ToJsonString();
#pragma warning disable EF1002 // the one value not bound is the provider's own literal for a time, chosen above
            await db.Database.ExecuteSqlRawAsync($$"""
                INSERT INTO requests ("Id", "Reference", "RequestingCountry", "AgencyId", "ProviderId", "ProviderJurisdiction",
                    "Content", "FiledBy", "FiledAt", "UpdatedAt", "State", "Revision")
                VALUES ({0}, {1}, 'GB', 'gb-met', 'northwind-mail', 'US', {2}, 'met-case-system', {{filedAt}}, {{filedAt}}, 'Filed', 0)
                """, Guid.CreateVersion7(), reference, content);
#pragma warning restore EF1002
        }

        await migrator.MigrateAsync();

        var urgencies = await db.Requests.AsNoTracking().OrderBy(r => r.Reference).Select(r => new { r.Reference, r.Urgency }).ToListAsync();
        Assert.Equal(
            [("EB-1", Urgency.Emergency), ("EB-2", Urgency.Preservation), ("EB-3", Urgency.Standard)],
            urgencies.Select(r => (r.Reference, r.Urgency)));
    }
}
