using System.Net;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Notifications;

/// <summary>
/// At start the broker seals the webhook secrets an earlier version stored in clear. Meanwhile another node, already
/// started, may rotate one; the sealing must not put the old secret back, or every delivery would be signed with a
/// secret the receiver no longer has. And a value already sealed is left as it is.
/// </summary>
public sealed class WebhookSecretSealingTests
{
    private const string Recipient = "agency:legacy-clear";

    [Fact]
    public async Task Sealing_does_not_overwrite_a_secret_another_node_rotates_after_sealing_read_it()
    {
        var old = WebhookSecret.Generate();
        var rotated = WebhookSecret.Generate();
        var armed = false;
        var refusedWhileSealing = false;
        await using var broker = new BrokerFactory();

        // Once the sealing has read the clear row, the other node rotates it, waiting for the writers' turn as a
        // rotation does (here one second, then it gives up and tries again after the sealing).
        using var otherNode = CommandHook.After(
            command => Volatile.Read(ref armed) && CommandHook.On(broker, command)
                && command.CommandText.Contains("FROM \"webhook_secrets\"", StringComparison.Ordinal),
            _ => refusedWhileSealing = !TryRotate(broker, broker.Services.GetRequiredService<WebhookSecretVault>().Seal(rotated)));
        var vault = broker.Services.GetRequiredService<WebhookSecretVault>();
        await AddClearSecretAsync(broker, old, previous: null);

        Volatile.Write(ref armed, true);
        await broker.Services.SealClearWebhookSecretsAsync();
        if (refusedWhileSealing)
        {
            Assert.True(TryRotate(broker, vault.Seal(rotated)));
        }

        var stored = await StoredAsync(broker);
        Assert.True(otherNode.Fired);
        Assert.Equal(rotated, vault.Open(stored.Secret));
        Assert.Equal(old, vault.Open(stored.PreviousSecret!));
    }

    [PostgresFact]
    public async Task Sealing_on_PostgreSQL_does_not_overwrite_a_secret_another_node_rotates_after_sealing_read_it()
    {
        const string recipient = "provider:emerald-cloud";
        var old = WebhookSecret.Generate();
        var armed = false;
        (string? Secret, HttpStatusCode Status)? whileSealing = null;
        await using var broker = new PostgresBrokerFactory();

        // The other node is a second broker on the same database, whose writers give up waiting for the writers' turn
        // (the chain's advisory lock) after a second instead of waiting for the sealing to end.
        await using var other = new OtherNode(broker.ConnectionString + ";Options=-c lock_timeout=1000");
        using var admin = await other.ClientAsync("broker-admin");
        using var otherNode = CommandHook.After(
            command => Volatile.Read(ref armed) && CommandHook.On(broker, command)
                && command.CommandText.Contains("FROM webhook_secrets", StringComparison.Ordinal),
            _ => whileSealing = RotateAsync(admin).GetAwaiter().GetResult());
        var vault = broker.Services.GetRequiredService<WebhookSecretVault>();
        await broker.WithDbAsync(db => db.WebhookSecrets.Where(s => s.Recipient == recipient)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Secret, old))); // as an earlier version stored it

        Volatile.Write(ref armed, true);
        await broker.Services.SealClearWebhookSecretsAsync();
        var issued = whileSealing?.Secret ?? (await RotateAsync(admin)).Secret; // refused while sealing: tried again

        var stored = await broker.WithDbAsync(db => db.WebhookSecrets.AsNoTracking().SingleAsync(s => s.Recipient == recipient));
        Assert.True(otherNode.Fired);
        Assert.Equal(issued, vault.Open(stored.Secret));
        Assert.Equal(old, vault.Open(stored.PreviousSecret!));
    }

    /// <summary>The secret a rotation issued, or null (and why) if it was refused.</summary>
    private static async Task<(string? Secret, HttpStatusCode Status)> RotateAsync(HttpClient admin)
    {
        using var rotated = await admin.PostAsync("/api/v1/admin/providers/emerald-cloud/webhook/rotate-secret", null);
        return (rotated.IsSuccessStatusCode ? (await rotated.JsonAsync()).GetProperty("secret").GetString() : null, rotated.StatusCode);
    }

    /// <summary>A second node on an existing PostgreSQL database, left in place when it stops.</summary>
    private sealed class OtherNode(string connectionString) : BrokerFactory(DatabaseProvider.Postgres, connectionString);

    [Fact]
    public async Task Sealing_leaves_a_value_already_sealed_as_it_is_so_sealing_again_changes_nothing()
    {
        await using var broker = new BrokerFactory();
        var vault = broker.Services.GetRequiredService<WebhookSecretVault>();
        var current = WebhookSecret.Generate();
        var previous = WebhookSecret.Generate();
        var sealedCurrent = vault.Seal(current); // rotated since the earlier version, which left the previous one clear
        await AddClearSecretAsync(broker, sealedCurrent, previous);

        await broker.Services.SealClearWebhookSecretsAsync();
        var once = await StoredAsync(broker);
        await broker.Services.SealClearWebhookSecretsAsync();
        var twice = await StoredAsync(broker);

        Assert.Equal(sealedCurrent, once.Secret);
        Assert.False(once.PreviousSecret!.StartsWith(WebhookSecret.Prefix, StringComparison.Ordinal));
        Assert.Equal(previous, vault.Open(once.PreviousSecret));
        Assert.Equal((once.Secret, once.PreviousSecret), (twice.Secret, twice.PreviousSecret));
    }

    private static Task<int> AddClearSecretAsync(BrokerFactory broker, string secret, string? previous) =>
        broker.WithDbAsync(db =>
        {
            db.WebhookSecrets.Add(new WebhookSecret
            {
                Recipient = Recipient, Secret = secret, PreviousSecret = previous, CreatedAt = broker.Clock.GetUtcNow(),
            });
            return db.SaveChangesAsync();
        });

    private static Task<WebhookSecret> StoredAsync(BrokerFactory broker) =>
        broker.WithDbAsync(db => db.WebhookSecrets.AsNoTracking().SingleAsync(s => s.Recipient == Recipient));

    /// <summary>
    /// A rotation as another process on the same database writes it (the secret in force becomes the previous one),
    /// taking SQLite's write lock as the writers' turn does; false if the lock stayed taken for a second.
    /// </summary>
    private static bool TryRotate(BrokerFactory broker, string sealedSecret)
    {
        using var connection = new SqliteConnection(broker.ConnectionString + ";Default Timeout=1;Pooling=False");
        connection.Open();
        try
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using var rotate = connection.CreateCommand();
            rotate.Transaction = transaction;
            rotate.CommandText = "UPDATE webhook_secrets SET \"PreviousSecret\" = \"Secret\", \"Secret\" = $secret WHERE \"Recipient\" = $recipient";
            rotate.Parameters.AddWithValue("$secret", sealedSecret);
            rotate.Parameters.AddWithValue("$recipient", Recipient);
            Assert.Equal(1, rotate.ExecuteNonQuery());
            transaction.Commit();
            return true;
        }
        catch (SqliteException busy) when (busy.SqliteErrorCode == 5) // SQLITE_BUSY
        {
            return false;
        }
    }
}
