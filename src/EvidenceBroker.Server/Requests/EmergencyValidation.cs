using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Mlat;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Sla;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Requests;

/// <summary>
/// R4 and R11: an emergency order issued without a judge's (or, where it suffices, a prosecutor's) validation is
/// validated within 48 hours, or it is withdrawn and what it obtained is not used (Reg. 2023/1543 Art. 4(5)). The filing
/// agency records which of the two happened; either ends the validation clock. Neither is the provider's to record.
/// </summary>
public sealed class EmergencyValidation(BrokerDbContext db, AuditTrail audit, SlaClock sla, MlatDrafting mlat, TimeProvider clock)
{
    public const string ValidatedAction = "request.validated";
    public const string RefusedAction = "request.validation-refused";

    /// <summary>Who validated the order afterwards. Ends the clock; not a change of state.</summary>
    public async Task<ActionResult> RecordAsync(Caller caller, Guid requestId, Authority validatedBy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(validatedBy);
        if (validatedBy.Type is not (AuthorityType.Judge or AuthorityType.Court or AuthorityType.InvestigatingJudge or AuthorityType.Prosecutor)
            || !RequestContentValidator.IsValidAuthority(validatedBy))
        {
            return Invalid("validatedBy", "A judge, investigating judge, court or prosecutor, named in at most 200 characters without control characters.");
        }

        return await ConcludeAsync(caller, requestId, "validatedBy", Check, WriteAsync, ct);

        ActionResult? Check(EvidenceRequest request) =>
            validatedBy.Type == AuthorityType.Prosecutor && !ProsecutorMayValidate(request.Content)
                ? Invalid("validatedBy", "An order for traffic or content data is validated by a judge, investigating judge or court (R4).")
                : null;

        async Task WriteAsync(EvidenceRequest request, DateTimeOffset now)
        {
            db.RequestNotes.Add(RequestNote.Written(caller, request.Id, RequestNote.ValidationKind, $"{Wire.Name(validatedBy.Type)}: {validatedBy.Name}", now));
            await audit.AppendAsync(db, caller, new AuditRecord(ValidatedAction, "request", request.Id.ToString(), new { validatedBy }), ct);
            if (request.ReleasedToProviderAt is not null)
            {
                OutboxEntries.Add(db, ValidatedAction, OutboxEntries.Provider(request.ProviderId), request.Id,
                    new { requestId = request.Id, request.Reference, validatedBy }, now);
            }
        }
    }

    /// <summary>
    /// Validation was refused (or will not be sought): the order is withdrawn at once, if it still stands, and what was
    /// produced under it is no longer released to anyone (<see cref="RefusedAsync"/>). The provider is told, whatever
    /// state the request is in, once it has had the order.
    /// </summary>
    public async Task<ActionResult> RecordRefusalAsync(Caller caller, Guid requestId, string? text, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Invalid("text", "Say who refused the validation, and when.");
        }

        if (RequestActions.TextProblem(text) is { } problem)
        {
            return Invalid("text", problem);
        }

        return await ConcludeAsync(caller, requestId, "text", _ => null, async (request, now) =>
        {
            var before = request.State;
            if (request.CanFire(RequestTrigger.Withdraw))
            {
                request.Fire(RequestTrigger.Withdraw, now);
                var decision = await db.Decisions.AsNoTracking().SingleAsync(d => d.RequestId == request.Id, ct);
                await sla.SynchroniseAsync(request, DecisionJsonReader.Deadlines(decision.DecisionJson), RequestTrigger.Withdraw, now, ct);
                await mlat.CloseWithRequestAsync(request, now, ct);
            }

            db.RequestNotes.Add(RequestNote.Written(caller, request.Id, RequestNote.ValidationRefusedKind, text.Trim(), now));
            var produced = await db.Productions.AsNoTracking().Where(p => p.RequestId == request.Id).Select(p => p.Id).ToListAsync(ct);
            await audit.AppendAsync(db, caller, new AuditRecord(
                RefusedAction, "request", request.Id.ToString(), new { text = text.Trim(), productionsWithheld = produced },
                Wire.Name(before), Wire.Name(request.State)), ct);

            var payload = new { requestId = request.Id, request.Reference, from = before, state = request.State, productionsWithheld = produced };
            OutboxEntries.Add(db, RefusedAction, OutboxEntries.Agency(request.AgencyId), request.Id, payload, now);
            if (request.ReleasedToProviderAt is not null)
            {
                OutboxEntries.Add(db, RefusedAction, OutboxEntries.Provider(request.ProviderId), request.Id, payload, now);
            }
        }, ct);
    }

    /// <summary>Whether the request's emergency order was refused validation: nothing produced under it is released.</summary>
    public static Task<bool> RefusedAsync(BrokerDbContext db, Guid requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.RequestNotes.AnyAsync(n => n.RequestId == requestId && n.Kind == RequestNote.ValidationRefusedKind, ct);
    }

    /// <summary>Whether the request waits for its emergency order to be validated (for the portal's forms).</summary>
    public static Task<bool> PendingAsync(BrokerDbContext db, Guid requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Deadlines.AnyAsync(d => d.RequestId == requestId && d.Kind == DeadlineKind.PostHocValidation && d.CompletedAt == null, ct);
    }

    /// <summary>Who records what became of an emergency order's validation.</summary>
    public static ActionRole Concluder { get; } = ActionRole.Officer.With("Only the filing agency records what became of its order's validation.");

    /// <summary>
    /// The filing agency's conclusion of an open validation, in the writers' turn: <paramref name="check"/> may still
    /// refuse it; otherwise the clock ends and <paramref name="record"/> writes the rest.
    /// </summary>
    private async Task<ActionResult> ConcludeAsync(
        Caller caller, Guid requestId, string field, Func<EvidenceRequest, ActionResult?> check,
        Func<EvidenceRequest, DateTimeOffset, Task> record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        // Both before the writers' turn, which every node waits for: a guessed id, or a caller who sees the request but
        // may not conclude its validation (its provider, oversight), must not hold it up.
        if (!await db.SeesRequestAsync(caller, requestId, ct))
        {
            return new ActionResult.NotFound();
        }

        if (Concluder.RefusalOf(caller) is { } notTheirs)
        {
            return new ActionResult.Forbidden(notTheirs);
        }

        EvidenceRequest? request;
        await using (var transaction = await db.BeginWriteAsync(ct))
        {
            request = await db.RequestsVisibleTo(caller).SingleOrDefaultAsync(r => r.Id == requestId, ct);
            if (request is null)
            {
                return new ActionResult.NotFound();
            }

            if (check(request) is { } refused)
            {
                return refused;
            }

            var now = clock.GetUtcNow();
            if (await sla.CompleteValidationAsync(request, now, ct) is null)
            {
                return Invalid(field, "This request has no open post-hoc validation.");
            }

            await record(request, now);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        return new ActionResult.Done(RequestResource.From(request));
    }

    /// <summary>R4: a prosecutor suffices for subscriber and identification data, and for preservation of any category.</summary>
    private static bool ProsecutorMayValidate(RequestContent content) =>
        content.Urgency == Urgency.Preservation || content.DataCategories.All(c => c is DataCategory.Subscriber or DataCategory.Identification);

    private static ActionResult.Invalid Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}
