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

    public sealed record KeyReused(Guid ExistingRequestId) : IntakeResult;
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
    TimeProvider clock)
{
    public async Task<IntakeResult> FileAsync(Caller caller, RequestContent content, string? idempotencyKey, CancellationToken ct)
    {
        var shape = await validator.ValidateAsync(content, ct);
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

        if (!catalogue.KnowsCountry(content.RequestingCountry))
        {
            return Invalid("requestingCountry", "The policy pack has no entry for this country.");
        }

        var provider = await db.Providers.AsNoTracking().SingleOrDefaultAsync(p => p.Id == content.ProviderId, ct);
        if (provider is null)
        {
            return Invalid("providerId", "No provider with this id is registered.");
        }

        var bodyHash = HashOf(content);
        var now = clock.GetUtcNow();
        var decision = await decider.DecideAsync(content, provider.Jurisdiction, DateOnly.FromDateTime(now.UtcDateTime), ct);

        await using var transaction = await db.BeginWriteAsync(ct);
        if (idempotencyKey is not null)
        {
            var earlier = await db.IdempotencyRecords.AsNoTracking()
                .SingleOrDefaultAsync(k => k.ClientId == caller.Subject && k.Key == idempotencyKey, ct);
            if (earlier is not null)
            {
                if (earlier.BodyHash != bodyHash)
                {
                    return new IntakeResult.KeyReused(earlier.RequestId);
                }

                var existing = await db.Requests.AsNoTracking().SingleAsync(r => r.Id == earlier.RequestId, ct);
                return new IntakeResult.Filed(RequestResource.From(existing), Replayed: true);
            }
        }

        var request = new EvidenceRequest(
            Guid.CreateVersion7(now), await UnusedReferenceAsync(now, ct), content, provider.Jurisdiction, caller.Subject, now);
        db.Requests.Add(request);
        await audit.AppendAsync(db, caller, new AuditRecord(
            "request.filed", "request", request.Id.ToString(),
            new { request.Reference, request.AgencyId, request.ProviderId, bodyHash },
            StateAfter: Wire.Name(RequestState.Filed)), ct);

        request.ApplyDecision(decision.Outcome, decision.Channel, decision.PolicyVersion, now);
        db.Decisions.Add(new StoredDecision
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
        await audit.AppendAsync(db, caller, new AuditRecord(
            "request.decided", "request", request.Id.ToString(),
            new { outcome = decision.Outcome, channel = decision.Channel, decisionHash = AuditHashing.Sha256Hex(decision.DecisionJson) },
            StateBefore: Wire.Name(RequestState.Filed), StateAfter: Wire.Name(request.State), PolicyVersion: decision.PolicyVersion), ct);

        if (decision.Outcome == Outcome.Mlat)
        {
            mlat.Draft(request, decision.Decision, now);
        }

        await sla.SynchroniseAsync(request, decision.Decision.Deadlines, trigger: null, now, ct);
        Announce(request, now);
        if (idempotencyKey is not null)
        {
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                ClientId = caller.Subject, Key = idempotencyKey, BodyHash = bodyHash, RequestId = request.Id, CreatedAt = now,
            });
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new IntakeResult.Filed(RequestResource.From(request), Replayed: false);
    }

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

    /// <summary>
    /// A reference no other request has. Random codes collide by the birthday bound long before they run out, so the
    /// candidate is checked inside the write transaction, where writers are serialised and the check cannot race.
    /// </summary>
    private async Task<string> UnusedReferenceAsync(DateTimeOffset now, CancellationToken ct)
    {
        while (true)
        {
            var candidate = NewReference(now);
            if (!await db.Requests.AnyAsync(r => r.Reference == candidate, ct))
            {
                return candidate;
            }
        }
    }

    /// <summary>EB-2026-7Q4K9XM2: short enough to read out on the phone; no 0/O or 1/I to confuse.</summary>
    private static string NewReference(DateTimeOffset now)
    {
        const string alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
        Span<char> code = stackalloc char[8];
        for (var i = 0; i < code.Length; i++)
        {
            code[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        return $"EB-{now.Year}-{code}";
    }

    private static IntakeResult.Invalid Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}
