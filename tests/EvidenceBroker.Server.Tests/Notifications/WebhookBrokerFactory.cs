using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Notifications;

/// <summary>
/// The broker with its polling worker off, so that only the test runs delivery passes: each pass is then a
/// deterministic step driven by the fake clock.
/// </summary>
public class WebhookBrokerFactory : BrokerFactory
{
    private readonly KeyValuePair<string, string?>[] extra;

    public WebhookBrokerFactory()
        : this([])
    {
    }

    private WebhookBrokerFactory(KeyValuePair<string, string?>[] settings) => extra = settings;

    public static WebhookBrokerFactory With(string key, string value) => new([new(key, value)]);

    public static WebhookBrokerFactory WithAll(params KeyValuePair<string, string?>[] settings) => new(settings);

    protected WebhookBrokerFactory(DatabaseProvider provider, string connectionString, bool migrated, KeyValuePair<string, string?>[] settings)
        : base(provider, connectionString, migrated) => extra = settings;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Webhooks:RunWorker", "false"), .. extra];

    public WebhookDelivery Delivery => Services.GetRequiredService<WebhookDelivery>();

    public Task<List<OutboxMessage>> OutboxAsync(string recipient) =>
        WithDbAsync(db => db.Outbox.AsNoTracking().Where(m => m.Recipient == recipient).ToListAsync());

    public Task<OutboxMessage> MessageAsync(Guid id) =>
        WithDbAsync(db => db.Outbox.AsNoTracking().SingleAsync(m => m.Id == id));
}

public sealed class PostgresWebhookBrokerFactory : WebhookBrokerFactory
{
    public PostgresWebhookBrokerFactory()
        : this([])
    {
    }

    public PostgresWebhookBrokerFactory(KeyValuePair<string, string?>[] settings)
        : base(DatabaseProvider.Postgres, MigratedDatabases.CreatePostgres(), migrated: true, settings)
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            PostgresDatabase.Drop(ConnectionString);
        }
    }
}
