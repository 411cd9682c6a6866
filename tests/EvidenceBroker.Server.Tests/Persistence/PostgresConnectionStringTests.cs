using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EvidenceBroker.Server.Tests.Persistence;

/// <summary>The broker turns on Npgsql's statement preparation unless the operator's connection string decides otherwise.</summary>
public sealed class PostgresConnectionStringTests
{
    [Fact]
    public void A_connection_string_without_a_setting_prepares_statements()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnectionString.WithBrokerDefaults("Host=db;Database=broker;Username=eb"));

        Assert.Equal(PostgresConnectionString.AutoPreparedStatements, tuned.MaxAutoPrepare);
        Assert.Equal("db", tuned.Host);
        Assert.Equal("broker", tuned.Database);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;MaxAutoPrepare=10", 10)]
    [InlineData("Host=db;max auto prepare=200", 200)]
    public void An_operators_own_setting_wins(string connectionString, int expected)
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnectionString.WithBrokerDefaults(connectionString));

        Assert.Equal(expected, tuned.MaxAutoPrepare);
    }

    [PostgresFact]
    public async Task The_brokers_contexts_connect_with_statement_preparation_on()
    {
        await using var broker = new PostgresBrokerFactory();
        await using var scope = broker.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();

        Assert.Equal(
            PostgresConnectionString.AutoPreparedStatements,
            new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()).MaxAutoPrepare);
    }
}
