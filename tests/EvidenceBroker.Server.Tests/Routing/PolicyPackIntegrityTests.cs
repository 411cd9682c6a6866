using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Routing;

/// <summary>
/// A stored pack is the law a decision was made under. Its rules cannot be changed in the database, and a pack whose
/// files no longer give the version it is stored under is refused rather than used to replay a decision.
/// </summary>
public sealed class PolicyPackIntegrityTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    [Fact]
    public Task The_database_refuses_to_change_or_delete_a_stored_pack_but_lets_it_be_activated() =>
        AssertKeptAsStoredAsync(broker);

    [PostgresFact]
    public async Task On_postgres_the_database_refuses_to_change_delete_or_truncate_a_stored_pack()
    {
        await using var postgres = new PostgresBrokerFactory();
        await AssertKeptAsStoredAsync(postgres);
        var truncate = await Record.ExceptionAsync(() => postgres.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("TRUNCATE policy_packs CASCADE")));
        Assert.Contains("policy packs", truncate?.Message, StringComparison.Ordinal);
    }

    private static async Task AssertKeptAsStoredAsync(BrokerFactory broker)
    {
        var version = await broker.WithDbAsync(db => db.PolicyPacks.Where(p => p.IsActive).Select(p => p.Version).SingleAsync());

        var rewrite = await Record.ExceptionAsync(() => broker.WithDbAsync(db => db.PolicyPacks
            .Where(p => p.Version == version).ExecuteUpdateAsync(s => s.SetProperty(p => p.FilesJson, "{}"))));
        var delete = await Record.ExceptionAsync(() => broker.WithDbAsync(db => db.PolicyPacks
            .Where(p => p.Version == version).ExecuteDeleteAsync()));
        var activation = await broker.WithDbAsync(db => db.PolicyPacks
            .Where(p => p.Version == version).ExecuteUpdateAsync(s => s.SetProperty(p => p.ActivatedBy, "test")));

        Assert.Contains("policy packs", rewrite?.InnerException?.Message ?? rewrite?.Message, StringComparison.Ordinal);
        Assert.Contains("policy packs", delete?.InnerException?.Message ?? delete?.Message, StringComparison.Ordinal);
        Assert.Equal(1, activation);
    }

    [Fact]
    public async Task A_pack_stored_under_a_version_its_files_do_not_give_is_refused()
    {
        var stored = await broker.WithDbAsync(db => db.PolicyPacks.AsNoTracking().SingleAsync(p => p.IsActive));
        const string forged = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
        await broker.WithDbAsync(db =>
        {
            db.PolicyPacks.Add(new PolicyPackVersion
            {
                Version = forged, Label = stored.Label, EffectiveFrom = stored.EffectiveFrom, FilesJson = stored.FilesJson,
                StoredAt = stored.StoredAt, StoredBy = "test",
            });
            return db.SaveChangesAsync();
        });

        var registry = broker.Services.GetRequiredService<PolicyRegistry>();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => broker.WithDbAsync(db => registry.EngineForAsync(db, forged, CancellationToken.None)));
        await using (var scope = broker.Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<PolicyPackStore>();
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.ActivateAsync(forged, "test", "administrator", "Administration:broker", CancellationToken.None));
        }

        Assert.Contains(stored.Version, error.Message, StringComparison.Ordinal);
        Assert.Equal(stored.Version, await broker.WithDbAsync(db => db.PolicyPacks.Where(p => p.IsActive).Select(p => p.Version).SingleAsync()));
    }
}
