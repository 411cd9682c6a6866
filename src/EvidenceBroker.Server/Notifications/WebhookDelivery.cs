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
/// one lane or node can win), sends each signed, and records the outcome only if
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

    /// <summary>
    /// Runs one pass: delivers what is due now, then returns. The worker calls this on a timer; tests call it directly.
    /// <see cref="WebhookOptions.Parallelism"/> lanes each claim one message at a time, the oldest due whose recipient
    /// has fewer than <see cref="WebhookOptions.PerRecipientParallelism"/> deliveries in flight, so a receiver that
    /// hangs holds up its own messages and not everyone's (an 8-hour emergency's "routed" to a provider among them). A
    /// lane that finds nothing it may take looks again every poll interval while another lane is still delivering, so
    /// a message that falls due during a long pass is not kept waiting for its end.
    /// </summary>
    public async Task<WebhookPassResult> RunOnceAsync(CancellationToken ct)
    {
        var tally = new int[Enum.GetValues<Outcome>().Length];
        var started = 0;
        var busy = 0; // lanes claiming or delivering: while any is, an idle lane waits instead of ending the pass
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // a delivery, or the pass, ended
        void Ended() => Interlocked.Exchange(ref ended, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        using var claiming = new SemaphoreSlim(1);
        var lanes = Enumerable.Range(0, settings.Parallelism).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref started) < settings.MaxMessagesPerPass)
            {
                Interlocked.Increment(ref busy);
                (OutboxMessage Message, Guid Claim)? next;
                try
                {
                    next = await ClaimOneAtATimeAsync(claiming, ct);
                }
                catch
                {
                    // The database did not answer, say. The lane ends, counted idle, so the others end when they run out
                    // of work instead of waiting for it; the pass then fails and the worker logs why.
                    Interlocked.Decrement(ref busy);
                    Ended();
                    throw;
                }

                if (next is not { } claimed)
                {
                    // Taken before this lane counts itself idle, so another lane's end after that is not missed; and
                    // only another lane's end wakes it, never its own.
                    var nextEnd = Volatile.Read(ref ended).Task;
                    if (Interlocked.Decrement(ref busy) == 0)
                    {
                        Ended(); // the last one: the lanes still waiting look once more and end too
                        return;
                    }

                    await Task.WhenAny(nextEnd, Task.Delay(settings.PollInterval, ct));
                    ct.ThrowIfCancellationRequested();
                    continue;
                }

                Interlocked.Increment(ref started);
                try
                {
                    var outcome = await DeliverAsync(claimed.Message, claimed.Claim, ct);
                    Interlocked.Increment(ref tally[(int)outcome]);
                }
                finally
                {
                    Interlocked.Decrement(ref busy);
                    Ended();
                }
            }
        }, ct));
        await Task.WhenAll(lanes);
        return new WebhookPassResult(tally[(int)Outcome.Delivered], tally[(int)Outcome.Failed], tally[(int)Outcome.Dead], tally[(int)Outcome.Skipped]);
    }

    /// <summary>One claim at a time on this node, so each sees the ones before it.</summary>
    private async Task<(OutboxMessage Message, Guid Claim)?> ClaimOneAtATimeAsync(SemaphoreSlim claiming, CancellationToken ct)
    {
        await claiming.WaitAsync(ct);
        try
        {
            return await ClaimAsync(ct);
        }
        finally
        {
            claiming.Release();
        }
    }

    /// <summary>
    /// How many deliveries to one recipient may be in flight: the configured share, but always at least one lane fewer
    /// than there are, so a receiver that hangs never holds them all.
    /// </summary>
    private int PerRecipientShare => settings.Parallelism == 1 ? 1 : Math.Min(settings.PerRecipientParallelism, settings.Parallelism - 1);

    private enum Outcome
    {
        Lost,
        Delivered,
        Failed,
        Dead,
        Skipped,
    }

    /// <summary>
    /// Claims the oldest due message whose recipient is not already at its share of deliveries in flight. On
    /// PostgreSQL with FOR UPDATE SKIP LOCKED, so lanes and nodes never wait for, or fight over, one row. On SQLite (one
    /// node) the claim repeats the conditions, so of two lanes that picked the same message only the first to write
    /// holds it; the other picks again.
    /// </summary>
    private async Task<(OutboxMessage Message, Guid Claim)?> ClaimAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var now = clock.GetUtcNow();
            var until = now + settings.Lease;
            var claim = Guid.NewGuid();
            var busy = (await db.Outbox.AsNoTracking()
                .Where(m => m.ClaimToken != null && m.ClaimExpiresAt > now && m.DeliveredAt == null && m.DeadAt == null)
                .GroupBy(m => m.Recipient).Where(g => g.Count() >= PerRecipientShare).Select(g => g.Key)
                .ToListAsync(ct)).ToArray();
            if (db is PostgresBrokerDbContext)
            {
                await db.Database.ExecuteSqlAsync($"""
                    UPDATE outbox SET "ClaimToken" = {claim}, "ClaimExpiresAt" = {until}
                    WHERE "Id" = (
                        SELECT "Id" FROM outbox
                        WHERE "DeliveredAt" IS NULL AND "DeadAt" IS NULL AND "NextAttemptAt" <= {now}
                          AND ("ClaimExpiresAt" IS NULL OR "ClaimExpiresAt" <= {now})
                          AND NOT ("Recipient" = ANY({busy}))
                        ORDER BY "NextAttemptAt", "Id"
                        LIMIT 1
                        FOR UPDATE SKIP LOCKED)
                    """, ct);
                var claimed = await db.Outbox.AsNoTracking().SingleOrDefaultAsync(m => m.ClaimToken == claim, ct);
                return claimed is null ? null : (claimed, claim);
            }

            var candidate = await Due(db.Outbox, now).Where(m => !busy.Contains(m.Recipient))
                .OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id).Select(m => (Guid?)m.Id).FirstOrDefaultAsync(ct);
            if (candidate is not { } id)
            {
                return null;
            }

            if (await Due(db.Outbox, now).Where(m => m.Id == id)
                    .ExecuteUpdateAsync(set => set.SetProperty(m => m.ClaimToken, claim).SetProperty(m => m.ClaimExpiresAt, until), ct) == 1)
            {
                return (await db.Outbox.AsNoTracking().SingleAsync(m => m.Id == id, ct), claim);
            }
        }

        return null; // every pick was taken by another lane first: this lane looks again while others deliver
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
