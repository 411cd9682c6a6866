using EvidenceBroker.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>Upgrading: accounts whose holder never signed in must replace the password an administrator handed out.</summary>
public sealed class PasswordChangeMigrationTests
{
    [Fact]
    public async Task Accounts_never_enrolled_before_the_upgrade_must_choose_their_own_password()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("eb-migration-").FullName, "broker.db");
        await using var db = new SqliteBrokerDbContext(new DbContextOptionsBuilder<SqliteBrokerDbContext>()
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()).UseOpenIddict().Options);
        var migrator = db.GetInfrastructure().GetRequiredService<IMigrator>();
        await migrator.MigrateAsync("20261206024649_ExportAttempts");
        foreach (var (id, enrolled) in new[] { ("never-signed-in", 0), ("enrolled", 1) })
        {
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "AspNetUsers" ("Id", "DisplayName", "TenantKind", "TenantId", "Role", "EmailConfirmed", "PhoneNumberConfirmed",
                    "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount")
                VALUES ({id}, 'Someone', 'Agency', 'gb-met', 'officer', 1, 0, {enrolled}, 1, 0)
                """);
        }

        await migrator.MigrateAsync();

        var required = await db.Users.AsNoTracking().OrderBy(u => u.Id).Select(u => new { u.Id, u.PasswordChangeRequired }).ToListAsync();
        Assert.Equal([("enrolled", false), ("never-signed-in", true)], required.Select(u => (u.Id, u.PasswordChangeRequired)));
    }
}
