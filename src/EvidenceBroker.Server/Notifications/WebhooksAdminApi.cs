using System.Runtime.CompilerServices;
using System.Security.Claims;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Notifications;

/// <summary>An outbox message as administrators see it; the payload is left out (it is in the request's own record).</summary>
public sealed record OutboxMessageResource(
    Guid Id,
    string Topic,
    string Recipient,
    Guid? RequestId,
    string Status,
    DateTimeOffset CreatedAt,
    int Attempts,
    DateTimeOffset? LastAttemptAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? DeadAt,
    string? SkippedReason)
{
    public static OutboxMessageResource From(OutboxMessage m) => new(
        m.Id, m.Topic, m.Recipient, m.RequestId, StatusOf(m), m.CreatedAt, m.Attempts, m.LastAttemptAt, m.LastStatusCode,
        m.LastError, m.DeliveredAt is null && m.DeadAt is null ? m.NextAttemptAt : null, m.DeliveredAt, m.DeadAt, m.SkippedReason);

    private static string StatusOf(OutboxMessage m) => m switch
    {
        { DeadAt: not null } => "dead",
        { DeliveredAt: not null, SkippedReason: not null } => "skipped",
        { DeliveredAt: not null } => "delivered",
        _ => "pending",
    };
}

/// <summary>Body of PUT .../webhook: the URL to deliver to, or null to stop deliveries.</summary>
public sealed record WebhookEndpointChange(string? Url);

/// <summary>
/// A recipient's webhook settings. <see cref="Secret"/> is present only in the response that created or rotated it:
/// the broker shows a secret once.
/// </summary>
public sealed record WebhookEndpointResource(
    string Recipient, string? Url, bool HasSecret, DateTimeOffset? SecretCreatedAt, string? Secret = null,
    DateTimeOffset? PreviousSecretValidUntil = null);

/// <summary>Administrators: dead letters and their re-queueing, and each agency's and provider's webhook endpoint and secret.</summary>
public static class WebhooksAdminApi
{
    public static IEndpointRouteBuilder MapWebhooksAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/admin").WithTags("Webhooks").RequireAuthorization(BrokerPolicies.Administration);

        admin.MapGet("/webhooks/dead-letters", ListDeadLettersAsync)
            .WithSummary("Outbox messages whose every delivery attempt failed, newest first");
        admin.MapGet("/webhooks/messages/{id:guid}", GetMessageAsync)
            .WithSummary("One outbox message and its delivery state");
        admin.MapPost("/webhooks/dead-letters/{id:guid}/retry", RetryAsync)
            .WithSummary("Re-queue a dead letter for delivery now, with a fresh set of attempts (audited)")
            .ProducesProblem(StatusCodes.Status409Conflict); // not a dead letter

        foreach (var kind in new[] { RecipientKind.Agency, RecipientKind.Provider })
        {
            var path = kind == RecipientKind.Agency ? "/agencies/{id}/webhook" : "/providers/{id}/webhook";
            admin.MapGet(path, (string id, BrokerDbContext db, CancellationToken ct) => GetEndpointAsync(kind, id, db, ct))
                .WithSummary($"The {Name(kind)}'s webhook URL and whether it has a secret (never the secret itself)");
            admin.MapPut(path, (string id, WebhookEndpointChange change, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit,
                        WebhookSecretVault vault, TimeProvider clock, IHostEnvironment environment, IOptions<WebhookOptions> options,
                        HttpContext http, CancellationToken ct, [FromHeader(Name = RequestsApi.IdempotencyHeader)] string? idempotencyKey) =>
                    SetEndpointAsync(kind, id, change, idempotencyKey, user, db, audit, vault, clock, environment, options.Value, http, ct))
                .ProducesProblem(StatusCodes.Status409Conflict) // Idempotency-Key reused for another URL or recipient
                .WithSummary($"Set or clear the {Name(kind)}'s webhook URL (audited)")
                .WithDescription("Absolute http or https URL; https, and a public address, outside Development. The first time a URL is set and the " +
                                 "recipient has no secret yet, one is generated and returned in this response only. Send an Idempotency-Key: " +
                                 "a retry with the same key and URL, after an answer that was lost, gets that secret again; the key with another URL or " +
                                 "recipient is refused (409).");
            admin.MapPost(path + "/rotate-secret", (string id, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit,
                        WebhookSecretVault vault, TimeProvider clock, IOptions<WebhookOptions> options, HttpContext http, CancellationToken ct,
                        [FromHeader(Name = RequestsApi.IdempotencyHeader)] string? idempotencyKey) =>
                    RotateSecretAsync(kind, id, idempotencyKey, user, db, audit, vault, clock, options.Value, http, ct))
                .WithSummary($"Issue a new webhook secret for the {Name(kind)} (audited)")
                .WithDescription("Returns the new secret once. The previous one keeps signing as a second signature for " +
                                 "Webhooks:RotationOverlap (24 h by default) so that the receiver can switch without losing deliveries. " +
                                 "Send an Idempotency-Key: a retry with the same key, after an answer that was lost, gets the same secret " +
                                 "again instead of a third one (which would end the overlap of the secret the receiver still uses).");
        }

        return app;
    }

    private enum RecipientKind
    {
        Agency,
        Provider,
    }

    private static string Name(RecipientKind kind) => kind == RecipientKind.Agency ? "agency" : "provider";

    private static string RecipientOf(RecipientKind kind, string id) =>
        kind == RecipientKind.Agency ? WebhookRecipients.Agency(id) : WebhookRecipients.Provider(id);

    private const string SetUrlOperation = "set-url";
    private const string RotateOperation = "rotate-secret";

    private static async Task<Results<Ok<ResultPage<OutboxMessageResource>>, ValidationProblem>> ListDeadLettersAsync(
        BrokerDbContext db, CancellationToken ct, string? recipient = null, int page = 1, int pageSize = 20)
    {
        var errors = new Dictionary<string, string[]>();
        ResultPages.Check(page, pageSize, errors);
        if (recipient is not null && !WebhookRecipients.IsWellFormed(recipient))
        {
            errors["recipient"] = ["agency:ID or provider:ID, the id in lower-case letters, digits and hyphens."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var query = db.Outbox.AsNoTracking().Where(m => m.DeadAt != null);
        if (recipient is not null)
        {
            query = query.Where(m => m.Recipient == recipient);
        }

        var total = await query.CountAsync(ct);

        // Ordered by id (UUIDv7, time-ordered) rather than DeadAt: SQLite stores instants in a form that sorts only
        // within one offset, and ids order the same way as creation.
        var items = await query.OrderByDescending(m => m.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return TypedResults.Ok(new ResultPage<OutboxMessageResource>([.. items.Select(OutboxMessageResource.From)], page, pageSize, total));
    }

    private static async Task<Results<Ok<OutboxMessageResource>, NotFoundProblem>> GetMessageAsync(
        Guid id, BrokerDbContext db, CancellationToken ct)
    {
        var message = await db.Outbox.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id, ct);
        return message is null ? new NotFoundProblem(NoMessage(id)) : TypedResults.Ok(OutboxMessageResource.From(message));
    }

    private static async Task<Results<Accepted<OutboxMessageResource>, NotFoundProblem, ProblemHttpResult>> RetryAsync(
        Guid id, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit, TimeProvider clock, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        await using var tx = await db.BeginWriteAsync(ct);
        var message = await db.Outbox.SingleOrDefaultAsync(m => m.Id == id, ct);
        if (message is null)
        {
            return new NotFoundProblem(NoMessage(id));
        }

        if (message.DeadAt is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "This message is not a dead letter.",
                detail: "Only messages whose every attempt failed can be re-queued; this one is pending or delivered.",
                // Not "status": a problem's status is its HTTP status, and a second member of that name made the answer
                // one that readers take in different ways (the first, the last, or neither).
                extensions: new Dictionary<string, object?> { ["messageStatus"] = OutboxMessageResource.From(message).Status });
        }

        var now = clock.GetUtcNow();
        var before = new { message.Attempts, message.DeadAt, message.LastError, message.LastStatusCode };
        message.DeadAt = null;
        message.Attempts = 0;
        message.RequeuedAt = now;
        message.NextAttemptAt = now;
        message.ClaimToken = null;
        message.ClaimExpiresAt = null;

        // The message keeps its id, so a receiver that did process an earlier attempt still recognises it.
        await audit.AppendAsync(db, caller, new AuditRecord(
            "webhook.requeued", "outbox-message", message.Id.ToString(),
            new { message.Topic, message.Recipient, message.RequestId, previous = before },
            StateBefore: "dead", StateAfter: "pending"), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Accepted($"/api/v1/admin/webhooks/messages/{message.Id}", OutboxMessageResource.From(message));
    }

    private static async Task<Results<Ok<WebhookEndpointResource>, NotFoundProblem>> GetEndpointAsync(
        RecipientKind kind, string id, BrokerDbContext db, CancellationToken ct)
    {
        var url = await UrlOfAsync(kind, id, db, ct);
        if (url is null)
        {
            return new NotFoundProblem(NoRecipient(kind, id));
        }

        var recipient = RecipientOf(kind, id);
        var secret = await db.WebhookSecrets.AsNoTracking().SingleOrDefaultAsync(s => s.Recipient == recipient, ct);
        return TypedResults.Ok(new WebhookEndpointResource(recipient, url.Value, secret is not null, secret?.CreatedAt));
    }

    private static async Task<Results<Ok<WebhookEndpointResource>, ValidationProblem, NotFoundProblem, ProblemHttpResult>> SetEndpointAsync(
        RecipientKind kind, string id, WebhookEndpointChange change, string? idempotencyKey, ClaimsPrincipal user, BrokerDbContext db,
        AuditTrail audit, WebhookSecretVault vault, TimeProvider clock, IHostEnvironment environment, WebhookOptions options, HttpContext http,
        CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        if (RequestsApi.IdempotencyKeyProblem(idempotencyKey) is { } badKey)
        {
            return badKey;
        }

        var url = string.IsNullOrWhiteSpace(change.Url) ? null : change.Url.Trim();
        if (url is not null && WebhookRecipients.CheckUrl(url, environment.IsDevelopment(), options.AllowsPrivateAddresses(environment)) is { } problem)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["url"] = [problem] });
        }

        var now = clock.GetUtcNow();
        var recipient = RecipientOf(kind, id);
        await using var tx = await db.BeginWriteAsync(ct);
        if (idempotencyKey is not null)
        {
            // The key names one change, as a filing's does: resent with another URL or for another recipient it is
            // refused, not applied as if it were new. Kept with the filings' keys, forgotten after as long.
            var fingerprint = AuditHashing.Sha256Hex($"{SetUrlOperation}\n{recipient}\n{url}");
            var earlier = await db.IdempotencyRecords.AsNoTracking()
                .SingleOrDefaultAsync(k => k.ClientId == caller.Subject && k.Key == idempotencyKey, ct);
            if (earlier is not null && earlier.BodyHash != fingerprint)
            {
                // Nothing written; what was read may be a change of the write batch this turn joined.
                await tx.CommitAsync(ct);
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "This Idempotency-Key was already used with a different body.",
                    detail: "Use a new key for a new change, or resend the original URL unchanged.");
            }

            if (earlier is null)
            {
                db.IdempotencyRecords.Add(new IdempotencyRecord
                {
                    ClientId = caller.Subject, Key = idempotencyKey, BodyHash = fingerprint, RequestId = Guid.Empty, CreatedAt = now,
                });
            }
        }

        string? before;
        if (kind == RecipientKind.Agency)
        {
            var agency = await db.Agencies.SingleOrDefaultAsync(a => a.Id == id, ct);
            if (agency is null)
            {
                return new NotFoundProblem(NoRecipient(kind, id));
            }

            before = agency.WebhookUrl;
            agency.WebhookUrl = url;
        }
        else
        {
            var provider = await db.Providers.SingleOrDefaultAsync(p => p.Id == id, ct);
            if (provider is null)
            {
                return new NotFoundProblem(NoRecipient(kind, id));
            }

            before = provider.WebhookUrl;
            provider.WebhookUrl = url;
        }

        // Registering an endpoint is when the receiver needs its secret, so that is when one is generated.
        var secret = await db.WebhookSecrets.SingleOrDefaultAsync(s => s.Recipient == recipient, ct);
        string? issued = null;
        if (secret is null && url is not null)
        {
            issued = WebhookSecret.Generate();
            secret = new WebhookSecret { Recipient = recipient, Secret = vault.Seal(issued), CreatedAt = now, RotationKey = WebhookSecret.ReplayKey(SetUrlOperation, caller.Subject, idempotencyKey) };
            db.WebhookSecrets.Add(secret);
        }

        if (before == url && issued is null)
        {
            // A repeated PUT (a retry) changes nothing, so nothing is recorded. If it is the PUT that issued the secret
            // in force, under the same key, its answer was lost: the secret is given again.
            var replayed = url is not null && secret is not null && secret.IssuedBy(WebhookSecret.ReplayKey(SetUrlOperation, caller.Subject, idempotencyKey), now);
            if (replayed)
            {
                http.Response.Headers["Idempotent-Replayed"] = "true";
            }

            // Nothing changed (but a new key remembered), and what was read may be a change of the write batch this turn
            // joined: answered once it has committed, so that no one is given a secret its batch then failed to save.
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return TypedResults.Ok(new WebhookEndpointResource(recipient, url, secret is not null, secret?.CreatedAt,
                replayed ? vault.Open(secret!.Secret) : null));
        }

        await audit.AppendAsync(db, caller, new AuditRecord(
            "webhook.endpoint-changed", Name(kind), id,
            new
            {
                recipient,
                before = before is null ? null : WebhookRecipients.Redacted(before),
                after = url is null ? null : WebhookRecipients.Redacted(url),
                secretIssued = issued is not null,
            }), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new WebhookEndpointResource(recipient, url, secret is not null, secret?.CreatedAt, issued));
    }

    private static async Task<Results<Ok<WebhookEndpointResource>, NotFoundProblem, ProblemHttpResult, ValidationProblem>> RotateSecretAsync(
        RecipientKind kind, string id, string? idempotencyKey, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit, WebhookSecretVault vault,
        TimeProvider clock, WebhookOptions options, HttpContext http, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        if (RequestsApi.IdempotencyKeyProblem(idempotencyKey) is { } badKey)
        {
            return badKey;
        }

        var now = clock.GetUtcNow();
        var recipient = RecipientOf(kind, id);
        await using var tx = await db.BeginWriteAsync(ct);
        var url = await UrlOfAsync(kind, id, db, ct);
        if (url is null)
        {
            return new NotFoundProblem(NoRecipient(kind, id));
        }

        var secret = await db.WebhookSecrets.SingleOrDefaultAsync(s => s.Recipient == recipient, ct);
        var replayKey = WebhookSecret.ReplayKey(RotateOperation, caller.Subject, idempotencyKey);
        if (secret is not null && secret.IssuedBy(replayKey, now))
        {
            // This rotation again: its answer was lost. The same secret, nothing changed or recorded, given once the
            // write batch this turn joined (which may hold the rotation itself) has committed.
            await tx.CommitAsync(ct);
            http.Response.Headers["Idempotent-Replayed"] = "true";
            return TypedResults.Ok(new WebhookEndpointResource(recipient, url.Value, true, secret.CreatedAt, vault.Open(secret.Secret), secret.PreviousValidUntil));
        }

        var issued = WebhookSecret.Generate();
        if (secret is null)
        {
            secret = new WebhookSecret { Recipient = recipient, Secret = vault.Seal(issued), CreatedAt = now };
            db.WebhookSecrets.Add(secret);
        }
        else
        {
            // A secret that can no longer be opened signs nothing: kept as the previous one, it would fail every
            // delivery of the overlap. Rotating is how a recipient recovers from it.
            var previousOpens = vault.TryOpen(secret.Secret, out _);
            secret.PreviousSecret = previousOpens ? secret.Secret : null;
            secret.PreviousValidUntil = previousOpens ? now + options.RotationOverlap : null;
            secret.Secret = vault.Seal(issued);
            secret.CreatedAt = now;
        }

        secret.RotationKey = replayKey;

        await audit.AppendAsync(db, caller, new AuditRecord(
            "webhook.secret-rotated", Name(kind), id, new { recipient, previousValidUntil = secret.PreviousValidUntil }), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new WebhookEndpointResource(recipient, url.Value, true, now, issued, secret.PreviousValidUntil));
    }

    /// <summary>Null when there is no such recipient; otherwise its URL, which may itself be null.</summary>
    private static async Task<StrongBox<string?>?> UrlOfAsync(RecipientKind kind, string id, BrokerDbContext db, CancellationToken ct)
    {
        if (kind == RecipientKind.Agency)
        {
            var agency = await db.Agencies.AsNoTracking().Where(a => a.Id == id).Select(a => new { a.WebhookUrl }).SingleOrDefaultAsync(ct);
            return agency is null ? null : new StrongBox<string?>(agency.WebhookUrl);
        }

        var provider = await db.Providers.AsNoTracking().Where(p => p.Id == id).Select(p => new { p.WebhookUrl }).SingleOrDefaultAsync(ct);
        return provider is null ? null : new StrongBox<string?>(provider.WebhookUrl);
    }

    private static ProblemDetails NoMessage(Guid id) => new()
    {
        Status = StatusCodes.Status404NotFound, Title = "No such outbox message.", Detail = $"There is no outbox message {id}.",
    };

    private static ProblemDetails NoRecipient(RecipientKind kind, string id) => new()
    {
        Status = StatusCodes.Status404NotFound, Title = $"No such {Name(kind)}.", Detail = $"There is no {Name(kind)} '{id}'.",
    };
}
