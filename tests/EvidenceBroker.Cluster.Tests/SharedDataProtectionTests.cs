using EvidenceBroker.Server.Hosting;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Cluster.Tests;

/// <summary>Data-protection keys live in the shared database: what one node protects, another unprotects.</summary>
[Collection(SharedClusterDefinition.Name)]
public sealed class SharedDataProtectionTests(LocalCluster cluster)
{
    [ClusterFact]
    public async Task A_payload_protected_by_one_node_is_read_by_another_through_the_database_key_ring()
    {
        await using var nodeA = Node();
        await using var nodeB = Node();
        var protectedText = nodeA.GetRequiredService<IDataProtectionProvider>().CreateProtector("cluster-test").Protect("evidence");

        Assert.Equal("evidence", nodeB.GetRequiredService<IDataProtectionProvider>().CreateProtector("cluster-test").Unprotect(protectedText));
        await using var db = cluster.Db();
        Assert.True(await db.DataProtectionKeys.AnyAsync());
    }

    /// <summary>The same registrations as a broker node (Program.cs), against the cluster's database.</summary>
    private ServiceProvider Node()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<BrokerDbContext, PostgresBrokerDbContext>(db => db.UseNpgsql(cluster.ConnectionString).UseOpenIddict());
        services.AddBrokerDataProtection();
        return services.BuildServiceProvider();
    }
}
