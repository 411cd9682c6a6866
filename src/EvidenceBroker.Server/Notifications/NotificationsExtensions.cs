using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Notifications;

public static class NotificationsExtensions
{
    public static IServiceCollection AddBrokerWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>()
            .Bind(configuration.GetSection(WebhookOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.MaxRetryDelay >= o.FirstRetryDelay, "Webhooks:MaxRetryDelay must not be shorter than FirstRetryDelay.")
            .ValidateOnStart();

        // Redirects are failures, not followed: a receiver that moved registers its new URL, and the signed body
        // must not be replayed to wherever a redirect points.
        services.AddHttpClient(WebhookDelivery.HttpClientName, client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan; // WebhookDelivery applies Webhooks:Timeout per attempt.
                client.DefaultRequestHeaders.UserAgent.ParseAdd("EvidenceBroker-Webhooks/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var handler = new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                };
                if (!provider.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowsPrivateAddresses(provider.GetRequiredService<IHostEnvironment>()))
                {
                    handler.ConnectCallback = WebhookAddresses.ConnectToPublicAsync;
                    handler.UseProxy = false; // through a proxy the callback would see only the proxy's address
                }

                return handler;
            })
            // HttpClient's own loggers write every delivery's full URL, whose path or query may carry the receiver's token.
            .RemoveAllLoggers();

        services.AddSingleton<WebhookSecretVault>();
        services.AddSingleton<WebhookDelivery>();
        var run = configuration.GetSection(WebhookOptions.Section).GetValue(nameof(WebhookOptions.RunWorker), defaultValue: true);
        if (run)
        {
            services.AddHostedService<WebhookDeliveryWorker>();
        }

        return services;
    }

    /// <summary>
    /// Seals the webhook secrets an earlier version stored in clear (whsec_…), once, at start. Two nodes starting at once
    /// may both seal a row; either sealed value opens to the same secret. Read and written in the writers' turn, so a
    /// secret rotated on another node meanwhile is never overwritten with the old one sealed.
    /// </summary>
    public static async Task SealClearWebhookSecretsAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var vault = scope.ServiceProvider.GetRequiredService<WebhookSecretVault>();
        await using var transaction = await db.BeginWriteAsync(ct);
        var clear = await db.WebhookSecrets
            .Where(s => s.Secret.StartsWith(WebhookSecret.Prefix) || (s.PreviousSecret != null && s.PreviousSecret.StartsWith(WebhookSecret.Prefix)))
            .ToListAsync(ct);
        foreach (var secret in clear)
        {
            secret.Secret = vault.SealIfClear(secret.Secret);
            secret.PreviousSecret = secret.PreviousSecret is null ? null : vault.SealIfClear(secret.PreviousSecret);
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
