using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Notifications;

/// <summary>
/// Polls the outbox on every node that runs it. A plain hosted service rather than a Hangfire recurring job because
/// retries are due within seconds (Hangfire's cron has minute resolution) and the claim in the outbox row already
/// gives the cross-node exclusivity Hangfire would otherwise provide.
/// </summary>
public sealed class WebhookDeliveryWorker(
    WebhookDelivery delivery, TimeProvider clock, IOptions<WebhookOptions> options, ILogger<WebhookDeliveryWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, clock);
        do
        {
            try
            {
                var pass = await delivery.RunOnceAsync(stoppingToken);
                if (pass.Total > 0)
                {
                    logger.LogInformation("Webhook pass: {Delivered} delivered, {Failed} to retry, {Dead} dead-lettered, {Skipped} skipped",
                        pass.Delivered, pass.Failed, pass.DeadLettered, pass.Skipped);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The worker must outlive a failed pass (database restart, network): the next tick retries.
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError(e, "Webhook pass failed; retrying at the next tick");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
