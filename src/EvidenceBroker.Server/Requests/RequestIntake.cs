using System.Security.Cryptography;
using System.Text.Json;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Mlat;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Routing;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Requests;

/// <summary>What filing a request came to.</summary>
public abstract record IntakeResult
{
    private IntakeResult()
    {
    }

    public sealed record Filed(RequestResource Request, bool Replayed) : IntakeResult;

    /// <summary>Bad fields, each with its reasons; <paramref name="Status"/> is 400, or 403 for another tenant's agency.</summary>
    public sealed record Invalid(IDictionary<string, string[]> Errors, int Status = StatusCodes.Status400BadRequest) : IntakeResult;

    /// <summary>The key was used before, for another body; the request it filed, when the caller may see it.</summary>
    public sealed record KeyReused(Guid? ExistingRequestId) : IntakeResult;
}

/// <summary>
/// Files a request: validate, decide, then write the request, its decision, its audit entries, its outbox
/// messages and its idempotency key in one transaction — so an acknowledged request is never half-written.
/// </summary>
public sealed class RequestIntake(
    BrokerDbContext db,
    IRequestDecider decider,
    IPolicyCatalogue catalogue,
    AuditTrail audit,
    SlaClock sla,
    MlatDrafting mlat,
    IValidator<RequestContent> validator,
    ProviderJurisdictions providers,
    IRequestReferences references,
    TimeProvider clock)
{
    /// <summary>A unique key refused the filing this many times: something else than a retry or a random clash.</summary>
    private const int MaxAttempts = 4;

    public async Task<IntakeResult> FileAsync(Caller caller, RequestContent content, string? idempotencyKey, CancellationToken ct)
    {
        // Every rule is synchronous; FluentValidation's asynchronous path would only wrap each one in a task.
        var shape = validator.Validate(content);
        if (!shape.IsValid)
        {
            return new IntakeResult.Invalid(shape.Errors.ToProblemErrors());
        }

        if (caller.Tenant.Kind != TenantKind.Agency || content.AgencyId != caller.Tenant.Id)
        {
            return new IntakeResult.Invalid(
                new Dictionary<string, string[]> { ["agencyId"] = [$"You can file only for your own agency ({caller.Tenant.Id})."] },
                StatusCodes.Status403Forbidden);
        }

        if (content.RequestingCountry != caller.Tenant.Country)
        {
            return Invalid("requestingCountry", $"Your agency files for {caller.Tenant.Country}.");
        }

        // Refusals that depend on the pack in force and the providers registered now: a retry of a filing that was
        // accepted before they changed (its answer lost) is answered as the replay it is, not refused.
        var bodyHash = HashOf(content);
        async Task<IntakeResult> RefuseUnlessFiledAsync(string field, string message) =>
            idempotencyKey is not null && await EarlierFilingAsync(caller, idempotencyKey, bodyHash, ct) is { } earlier
                ? earlier
                : Invalid(field, message);

        if (!await catalogue.KnowsCountryAsync(db, content.RequestingCountry, ct))
        {
            return await RefuseUnlessFiledAsync("requestingCountry", "The policy pack has no entry for this country.");
        }

        if (await providers.FindAsync(db, content.ProviderId, ct) is not { } providerJurisdiction)
        {
            return await RefuseUnlessFiledAsync("providerId", "No provider with this id is registered.");
        }

        if (CrossBorder.Refusal(content.RequestingCountry, providerJurisdiction) is { } domestic)
        {
            return await RefuseUnlessFiledAsync("providerId", domestic);
        }

        var now = clock.GetUtcNow();
        var decision = await decider.DecideAsync(content, providerJurisdiction, DateOnly.FromDateTime(now.UtcDateTime), ct);

        // Everything that does not depend on other writers is built before the writer's turn, which writers take one
        // at a time. Inside it the filing is inserted straight away: the unique keys on the Idempotency-Key and the
        // reference refuse a key used before and a random reference already taken. Only then, in a second turn, is it
        // worth asking which: an earlier filing with the key is answered as a replay, a taken reference is drawn anew.
        // The decision was made on the policy as this node last saw it; the write batch applies the filing only if
        // that is still the policy in force, and otherwise the second turn decides again.
        var checkFirst = false; // a unique key refused an attempt: ask which before inserting again
        var submit = true; // hand the filing to the write batch, until an attempt needs the writers' turn itself
        using var rowsOnly = db.QueueNewRows(); // every row of a filing is new: none needs EF Core's change tracking
        for (var attempt = 1; ; attempt++)
        {
            var filing = await PrepareAsync(caller, content, providerJurisdiction, decision, bodyHash, idempotencyKey, now, ct);
            db.BindQueuedRows(); // the rows are complete: their parameters are made now, outside the writers' turn
            if (submit && audit.Chained(db, caller, filing.Filed, filing.Decided) is { } chained)
            {
                // A first attempt only inserts: the write batch applies it whole, chaining its audit entries there.
                try
                {
                    if (await db.TrySubmitQueuedRowsAsync(chained, decision.StillInForce))
                    {
                        return new IntakeResult.Filed(RequestResource.From(filing.Request), Replayed: false);
                    }
                }
                catch (DbUpdateException e) when (attempt < MaxAttempts && db.IsUniqueViolation(e))
                {
                    db.DiscardChanges(); // the change left no trace; try again, checking first
                    checkFirst = true;
                    submit = false;
                    continue;
                }
                catch (StaleChangeException)
                {
                    db.DiscardChanges(); // the policy changed before the change's turn, which left no trace
                    submit = false;
                    continue;
                }
            }

            // A later attempt reads first, so it takes the writers' turn itself (as would a row only SaveChanges can
            // write). There no writer can change the policy: a decision made on another is made again on this one.
            await using var transaction = await db.BeginWriteAsync(ct);
            if (await decider.RevisedAsync(decision, content, providerJurisdiction, ct) is { } revised)
            {
                db.DiscardChanges();
                decision = revised;
                filing = await PrepareAsync(caller, content, providerJurisdiction, decision, bodyHash, idempotencyKey, now, ct);
            }

            if (checkFirst)
            {
                if (idempotencyKey is not null && await EarlierFilingAsync(caller, idempotencyKey, bodyHash, ct) is { } earlier)
                {
                    // A retry, or a concurrent call with the same key that had its turn first. That one may still be in
                    // the write batch this turn joined, read before it is durable: answer once the batch has committed
                    // (this turn wrote nothing), so that no one hears 201 for a filing its batch then failed to save.
                    await transaction.CommitAsync(ct);
                    return earlier;
                }

                if (await db.Requests.AnyAsync(r => r.Reference == filing.Request.Reference, ct))
                {
                    db.DiscardChanges();
                    continue;
                }
            }

            await audit.AppendAsync(db, caller, filing.Filed, ct);
            await audit.AppendAsync(db, caller, filing.Decided, ct);
            // Should a row need SaveChanges after all, there are no changes to detect and nothing to accept after.
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            try
            {
                await db.InsertAddedAsync(ct);
            }
            catch (DbUpdateException e) when (attempt < MaxAttempts && db.IsUniqueViolation(e))
            {
                db.DiscardChanges(); // disposing the change rolls its inserts back; try again, checking first
                checkFirst = true;
                continue;
            }
            finally
            {
                db.ChangeTracker.AutoDetectChangesEnabled = true;
            }

            await transaction.CommitAsync(ct);
            return new IntakeResult.Filed(RequestResource.From(filing.Request), Replayed: false);
        }
    }

    /// <summary>The request an Idempotency-Key was first used for, or a refusal if it came with another body.</summary>
    private async Task<IntakeResult?> EarlierFilingAsync(Caller caller, string idempotencyKey, string bodyHash, CancellationToken ct)
    {
        var earlier = await db.IdempotencyRecords.AsNoTracking()
            .SingleOrDefaultAsync(k => k.ClientId == caller.Subject && k.Key == idempotencyKey, ct);
        if (earlier is null)
        {
            return null;
        }

        // Keys are kept per subject; read the request through the filing boundary all the same (the caller's own agency),
        // so that a subject shared by two tenants (an API client registered under a portal user's id) could never replay
        // the other's. Not through what the caller may read: a token holding only requests.write reads nothing, and
        // its true retry must still get its request back rather than a "use a new key" that files it twice.
        var existing = caller.Tenant.Kind != TenantKind.Agency ? null : await db.Requests.AsNoTracking()
            .SingleOrDefaultAsync(r => r.Id == earlier.RequestId && r.AgencyId == caller.Tenant.Id, ct);
        if (existing is null || earlier.BodyHash != bodyHash)
        {
            return new IntakeResult.KeyReused(existing?.Id);
        }

        return new IntakeResult.Filed(RequestResource.From(existing), Replayed: true);
    }

    /// <summary>The new request and the rows that go with it, added to the context; the audit records to append.</summary>
    private async Task<PreparedFiling> PrepareAsync(
        Caller caller, RequestContent content, string providerJurisdiction, RoutingDecision decision, string bodyHash,
        string? idempotencyKey, DateTimeOffset now, CancellationToken ct)
    {
        var request = new EvidenceRequest(RowIds.Version7(now), references.Next(now), content, providerJurisdiction, caller.Subject, now);
        db.AddRow(request);
        var filed = audit.Prepare(new AuditRecord(
            "request.filed", "request", request.Id.ToString(),
            new { request.Reference, request.AgencyId, request.ProviderId, bodyHash },
            StateAfter: Wire.Name(RequestState.Filed)));

        request.ApplyDecision(decision.Outcome, decision.Channel, decision.PolicyVersion, now);
        db.AddRow(new StoredDecision
        {
            RequestId = request.Id,
            Outcome = decision.Outcome,
            Channel = decision.Channel,
            PolicyVersion = decision.PolicyVersion,
            EvaluatedOn = decision.EvaluatedOn,
            DecidedAt = now,
            InputJson = decision.InputJson,
            DecisionJson = decision.DecisionJson,
        });
        var decided = audit.Prepare(new AuditRecord(
            "request.decided", "request", request.Id.ToString(),
            new { outcome = decision.Outcome, channel = decision.Channel, decisionHash = AuditHashing.Sha256Hex(decision.DecisionJson) },
            StateBefore: Wire.Name(RequestState.Filed), StateAfter: Wire.Name(request.State), PolicyVersion: decision.PolicyVersion));

        if (decision.Outcome == Outcome.Mlat)
        {
            mlat.Draft(request, decision.Decision, now);
        }

        await sla.SynchroniseAsync(request, decision.Decision.Deadlines, trigger: null, now, ct);
        Announce(request, now);
        if (idempotencyKey is not null)
        {
            db.AddRow(new IdempotencyRecord
            {
                ClientId = caller.Subject, Key = idempotencyKey, BodyHash = bodyHash, RequestId = request.Id, CreatedAt = now,
            });
        }

        return new PreparedFiling(request, filed, decided);
    }

    private sealed record PreparedFiling(EvidenceRequest Request, PreparedAuditRecord Filed, PreparedAuditRecord Decided);

    /// <summary>The agency always hears the decision; the provider hears only of requests released to it.</summary>
    private void Announce(EvidenceRequest request, DateTimeOffset now)
    {
        var payload = new { requestId = request.Id, request.Reference, state = request.State, request.Outcome, request.Channel };
        OutboxEntries.Add(db, "request.decided", OutboxEntries.Agency(request.AgencyId), request.Id, payload, now);
        if (request.ReleasedToProviderAt is not null)
        {
            OutboxEntries.Add(db, "request.routed", OutboxEntries.Provider(request.ProviderId), request.Id, payload, now);
        }
    }

    public static string HashOf(RequestContent content) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(content, PublicModelJson.Options)));

    private static IntakeResult.Invalid Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}
