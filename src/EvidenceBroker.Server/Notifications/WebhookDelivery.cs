using System.Data.Common;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Notifications;

/// <summary>What one delivery pass did.</summary>
public sealed record WebhookPassResult(int Delivered, int Failed, int DeadLettered, int Skipped)
{
    public int Total => Delivered + Failed + DeadLettered + Skipped;
}

/// <summary>
/// Delivers due outbox messages at least once. A pass claims messages with a lease (a conditional update that only
/// one pass can win, and FOR UPDATE SKIP LOCKED on PostgreSQL), sends each signed, and records the outcome only if
/// it still holds the claim. Receivers de-duplicate by the webhook-id header, which is the outbox message id and
/// the same on every attempt.
/// </summary>
public sealed class WebhookDelivery(
    IServiceScopeFactory scopes,
    IHttpClientFactory httpClients,
    TimeProvider clock,
    IOptions<WebhookOptions> options,
    WebhookSecretVault vault,
    ILogger<WebhookDelivery> logger)
{
    public const string HttpClientName = "webhooks";

    private readonly WebhookOptions settings = options.Value;

    /// <summary>Runs one pass: delivers what is due now, then returns. The worker calls this on a timer; tests call it directly.</summary>
    public async Task<WebhookPassResult> RunOnceAsync(CancellationToken ct)
    {
        int delivered = 0, failed = 0, dead = 0, skipped = 0, handled = 0;
        while (handled < settings.MaxMessagesPerPass)
        {
            var batch = await ClaimAsync(Math.Min(settings.Parallelism, settings.MaxMessagesPerPass - handled), ct);
            if (batch.Count == 0)
            {
                break;
            }

            handled += batch.Count;
            var outcomes = new Outcome[batch.Count];
            await Parallel.ForEachAsync(
                Enumerable.Range(0, batch.Count),
                new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = ct },
                async (i, token) => outcomes[i] = await DeliverAsync(batch[i].Message, batch[i].Claim, token));
            foreach (var outcome in outcomes)
            {
                switch (outcome)
                {
                    case Outcome.Delivered: delivered++; break;
                    case Outcome.Failed: failed++; break;
                    case Outcome.Dead: dead++; break;
                    case Outcome.Skipped: skipped++; break;
                    default: break;
                }
            }
        }

        return new WebhookPassResult(delivered, failed, dead, skipped);
    }

    private enum Outcome
    {
        Lost,
        Delivered,
        Failed,
        Dead,
        Skipped,
    }

    private async Task<List<(OutboxMessage Message, Guid Claim)>> ClaimAsync(int count, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var now = clock.GetUtcNow();
        var until = now + settings.Lease;
        var claim = Guid.NewGuid();

        if (db is PostgresBrokerDbContext)
        {
            // SKIP LOCKED: a node never waits for rows another node is claiming, it takes the next ones. The row lock
            // re-checks the conditions on the newest row version, so a row claimed a moment ago is not taken again.
            await db.Database.ExecuteSqlAsync($"""
                UPDATE outbox SET "ClaimToken" = {claim}, "ClaimExpiresAt" = {until}
                WHERE "Id" IN (
                    SELECT "Id" FROM outbox
                    WHERE "DeliveredAt" IS NULL AND "DeadAt" IS NULL AND "NextAttemptAt" <= {now}
                      AND ("ClaimExpiresAt" IS NULL OR "ClaimExpiresAt" <= {now})
                    ORDER BY "NextAttemptAt"
                    LIMIT {count}
                    FOR UPDATE SKIP LOCKED)
                """, ct);
        }
        else
        {
            // SQLite has one writer at a time, and the update repeats the conditions, so of two passes that picked
            // the same candidates only the first to write claims them; the other updates nothing.
            var candidates = await Due(db.Outbox, now).OrderBy(m => m.NextAttemptAt).Take(count).Select(m => m.Id).ToListAsync(ct);
            if (candidates.Count == 0)
            {
                return [];
            }

            await Due(db.Outbox, now).Where(m => candidates.Contains(m.Id))
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.ClaimToken, claim).SetProperty(m => m.ClaimExpiresAt, until), ct);
        }

        var claimed = await db.Outbox.AsNoTracking().Where(m => m.ClaimToken == claim).ToListAsync(ct);
        return [.. claimed.OrderBy(m => m.NextAttemptAt).Select(m => (m, claim))];
    }

    private static IQueryable<OutboxMessage> Due(IQueryable<OutboxMessage> outbox, DateTimeOffset now) =>
        outbox.Where(m => m.DeliveredAt == null && m.DeadAt == null && m.NextAttemptAt <= now
                          && (m.ClaimExpiresAt == null || m.ClaimExpiresAt <= now));

    private async Task<Outcome> DeliverAsync(OutboxMessage message, Guid claim, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        try
        {
            return await AttemptAsync(db, message, claim, ct);
        }
#pragma warning disable CA1031 // whatever went wrong is this message's failed attempt, not the end of the pass
        catch (Exception e) when (e is not OperationCanceledException && e is not DbException)
#pragma warning restore CA1031
        {
            // Such as a stored secret this node cannot unseal. Left to escape, it would cancel the other deliveries of
            // the pass and, never counted as an attempt, come back first in every pass without ever becoming a dead
            // letter. Only the exception's type is stored: its text may quote a URL or a secret.
            logger.LogError(e, "Webhook {MessageId} to {Recipient} could not be attempted", message.Id, message.Recipient);
            return await FailAsync(db, message, claim, null, $"delivery failed: {e.GetType().Name}", ct);
        }
    }

    private async Task<Outcome> AttemptAsync(BrokerDbContext db, OutboxMessage message, Guid claim, CancellationToken ct)
    {
        var target = await WebhookRecipients.ResolveAsync(db, vault, message.Recipient, clock.GetUtcNow(), ct);

        // Webhooks are a convenience on top of the API, which stays the source of truth: a recipient that registered
        // no URL is not an error to retry for a day, so the message is settled as skipped at once.
        if (!target.Known || target.Url is null)
        {
            var reason = target.Known ? "no webhook URL registered" : "unknown recipient";
            return await RecordAsync(db, message, claim, Outcome.Skipped, null, reason, ct);
        }

        if (target.Secrets.Count == 0)
        {
            // Never send unsigned: receivers must be able to trust every delivery. Retrying lets an administrator fix it.
            return await FailAsync(db, message, claim, null, "recipient has no webhook secret: rotate its secret", ct);
        }

        var body = Body(message);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var id = message.Id.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSigner.IdHeader, id);
        request.Headers.Add(WebhookSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSigner.SignatureHeader, WebhookSigner.SignatureHeaderValue(target.Secrets, id, timestamp, body));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            logger.LogInformation("Webhook {MessageId} ({Topic}) to {Recipient} at {Url}: HTTP {Status} in {Elapsed} ms, attempt {Attempt}",
                message.Id, message.Topic, message.Recipient, WebhookRecipients.Redacted(target.Url), status,
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, message.Attempts + 1);
            return response.IsSuccessStatusCode
                ? await RecordAsync(db, message, claim, Outcome.Delivered, status, null, ct)
                // The standard phrase, not the receiver's: its own may be any length and say anything.
                : await FailAsync(db, message, claim, status, $"HTTP {status} {ReasonPhrases.GetReasonPhrase(status)}".Trim(), ct);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return await FailAsync(db, message, claim, null, $"no response within {settings.Timeout.TotalSeconds:0.###} s", ct);
        }
        catch (HttpRequestException e) when (e.InnerException is WebhookAddressRefusedException)
        {
            return await FailAsync(db, message, claim, null, "refused: the URL resolves to no public address", ct);
        }
        catch (HttpRequestException e)
        {
            // The error kind only: exception texts can quote the URL, and a query string may carry a receiver's token.
            return await FailAsync(db, message, claim, null, $"request failed: {e.HttpRequestError}", ct);
        }
    }

    /// <summary>The envelope: identical on every attempt, so a receiver that processed it once can recognise it.</summary>
    public static byte[] Body(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", message.Id);
            json.WriteString("type", message.Topic);
            json.WriteString("timestamp", message.CreatedAt.ToUniversalTime());
            json.WritePropertyName("data");
            json.WriteRawValue(message.PayloadJson);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private Task<Outcome> FailAsync(BrokerDbContext db, OutboxMessage message, Guid claim, int? status, string error, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var attempts = message.Attempts + 1;
        var dead = attempts >= settings.MaxAttempts || now - (message.RequeuedAt ?? message.CreatedAt) >= settings.MaxAge;
        logger.LogWarning("Webhook {MessageId} to {Recipient} failed (attempt {Attempt} of {MaxAttempts}): {Error}{DeadLetter}",
            message.Id, message.Recipient, attempts, settings.MaxAttempts, error, dead ? "; now a dead letter" : string.Empty);
        return RecordAsync(db, message, claim, dead ? Outcome.Dead : Outcome.Failed, status, error, ct);
    }

    /// <summary>Writes the outcome only while this pass still holds the claim; otherwise another pass owns the message now.</summary>
    private async Task<Outcome> RecordAsync(
        BrokerDbContext db, OutboxMessage message, Guid claim, Outcome outcome, int? status, string? detail, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var next = now + settings.RetryDelay(message.Attempts + 1, Random.Shared.NextDouble());
        var mine = db.Outbox.Where(m => m.Id == message.Id && m.ClaimToken == claim);
        var updated = outcome switch
        {
            Outcome.Skipped => await mine.ExecuteUpdateAsync(set => set
                .SetProperty(m => m.DeliveredAt, now)
                .SetProperty(m => m.SkippedReason, detail)
                .SetProperty(m => m.ClaimToken, (Guid?)null)
                .SetProperty(m => m.ClaimExpiresAt, (DateTimeOffset?)null), ct),
            Outcome.Delivered => await mine.ExecuteUpdateAsync(set => set
                .SetProperty(m => m.DeliveredAt, now)
                .SetProperty(m => m.Attempts, message.Attempts + 1)
                .SetProperty(m => m.LastAttemptAt, now)
                .SetProperty(m => m.LastStatusCode, status)
                .SetProperty(m => m.ClaimToken, (Guid?)null)
                .SetProperty(m => m.ClaimExpiresAt, (DateTimeOffset?)null), ct),
            Outcome.Dead => await mine.ExecuteUpdateAsync(set => set
                .SetProperty(m => m.DeadAt, now)
                .SetProperty(m => m.Attempts, message.Attempts + 1)
                .SetProperty(m => m.LastAttemptAt, now)
                .SetProperty(m => m.LastStatusCode, status)
                .SetProperty(m => m.LastError, detail)
                .SetProperty(m => m.ClaimToken, (Guid?)null)
                .SetProperty(m => m.ClaimExpiresAt, (DateTimeOffset?)null), ct),
            _ => await mine.ExecuteUpdateAsync(set => set
                .SetProperty(m => m.NextAttemptAt, next)
                .SetProperty(m => m.Attempts, message.Attempts + 1)
                .SetProperty(m => m.LastAttemptAt, now)
                .SetProperty(m => m.LastStatusCode, status)
                .SetProperty(m => m.LastError, detail)
                .SetProperty(m => m.ClaimToken, (Guid?)null)
                .SetProperty(m => m.ClaimExpiresAt, (DateTimeOffset?)null), ct),
        };

        if (updated == 0)
        {
            logger.LogWarning("Webhook {MessageId}: the claim expired before the outcome was recorded; another pass owns it now", message.Id);
            return Outcome.Lost;
        }

        return outcome;
    }
}
