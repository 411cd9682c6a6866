using System.Text.Json;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Mlat;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Routing;
using Microsoft.EntityFrameworkCore;
using PolicyDeadline = EvidenceBroker.Policies.Deadline;

namespace EvidenceBroker.Server.Requests;

/// <summary>What a person adds to an action: a question, an answer, grounds, a reason.</summary>
public sealed record ActionInput(string? Text = null, IReadOnlyList<RefusalGround>? Grounds = null);

/// <summary>
/// Every change of a request after filing goes through here, from the API and the portal alike: check who may
/// take the action, fire the lifecycle trigger, record what the person said, move the clocks, write the audit
/// entry and the notifications — all in one transaction.
/// </summary>
public sealed class RequestActions(
    BrokerDbContext db, AuditTrail audit, PolicyDecider decider, SlaClock sla, MlatDrafting mlat, TimeProvider clock, ILogger<RequestActions> logger)
{
    public const int MaxTextLength = RequestContentValidator.MaxTextLength;

    /// <summary>
    /// Any action but a production, which is recorded only with its package (<see cref="RequestProductions"/>): fired bare, it
    /// would mark a request produced with nothing to download.
    /// </summary>
    public Task<ActionResult> ApplyAsync(Caller caller, Guid requestId, RequestTrigger trigger, ActionInput input, CancellationToken ct) =>
        trigger is RequestTrigger.Produce or RequestTrigger.ProducePartially
            ? Task.FromResult<ActionResult>(new ActionResult.Invalid(new Dictionary<string, string[]>
            {
                ["package"] = ["A production is recorded by uploading its package."],
            }))
            : ApplyAsync(caller, requestId, trigger, input, alsoRecord: null, ct);

    /// <summary>
    /// A production, recorded with its package by <see cref="RequestProductions"/>: the same pipeline as any action, and
    /// <paramref name="record"/> adds the production's row in its transaction and says what the audit entry holds of it.
    /// </summary>
    internal Task<ActionResult> RecordProductionAsync(
        Caller caller, Guid requestId, RequestTrigger trigger, Func<DateTimeOffset, EvidenceRequest, object> record, CancellationToken ct) =>
        ApplyAsync(caller, requestId, trigger, new ActionInput(), record, ct);

    private async Task<ActionResult> ApplyAsync(
        Caller caller, Guid requestId, RequestTrigger trigger, ActionInput input, Func<DateTimeOffset, EvidenceRequest, object>? alsoRecord,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(input);
        if (Validate(trigger, input) is { } errors)
        {
            return new ActionResult.Invalid(errors);
        }

        if (!await db.SeesRequestAsync(caller, requestId, ct)) // before the writers' turn: a guessed id must not hold it up
        {
            return new ActionResult.NotFound();
        }

        var mayRedecide = trigger is RequestTrigger.ConfirmEmergency or RequestTrigger.ApproveDirect && await PrepareRedecisionAsync(caller, requestId, trigger, ct);
        var mlatPlanning = trigger == RequestTrigger.SendToMlat ? await MlatPlanningAsync(caller, requestId, ct) : [];

        EvidenceRequest request;
        await using (var transaction = await db.BeginWriteAsync(ct))
        {
            var found = await db.RequestsVisibleTo(caller).SingleOrDefaultAsync(r => r.Id == requestId, ct);
            if (found is null)
            {
                return new ActionResult.NotFound();
            }

            request = found;
            if (WhoMay(caller, request, trigger) is { } refusal)
            {
                return new ActionResult.Forbidden(refusal);
            }

            // Checked once, here: nothing below changes the request's state before it moves.
            if (!request.CanFire(trigger))
            {
                // What this caller may do instead, less what the request's MLAT request forbids now, as the MLAT 409 says.
                throw NotNow(caller, request, trigger, await MlatDrafting.QueuedStateAsync(db, request, ct));
            }

            if (trigger is RequestTrigger.Close or RequestTrigger.Withdraw
                && await MlatDrafting.QueuedStateAsync(db, request, ct) is { } mlatState && MlatDraft.Forbids(trigger, mlatState) is { } waits)
            {
                return new ActionResult.WaitsOnMlat(request.State, mlatState, waits,
                    AllowedTo(caller, request, mlatState));
            }

            var now = clock.GetUtcNow();
            var before = request.State;
            var decision = await db.Decisions.AsNoTracking().SingleAsync(d => d.RequestId == request.Id, ct);
            // Decided again in the turn, where no suspension can be switched on unseen (the pack is loaded by now).
            var confirmed = mayRedecide && trigger == RequestTrigger.ConfirmEmergency ? await decider.WithEmergencyConfirmedAsync(decision, ct) : null;

            if (trigger == RequestTrigger.ApproveDirect
                && await db.CountrySuspensions.AsNoTracking().SingleOrDefaultAsync(s => s.Country == request.Content.RequestingCountry, ct) is { } suspension)
            {
                return SuspendedSinceFiling(suspension);
            }

            // A confirmed emergency the engine then sent to MLAT (its country was suspended at the confirmation, say)
            // waits for a reviewer with an MLAT decision, which sets no response deadline. Released directly, it is
            // decided again as it stands now: it takes that decision's channel and clocks, or it cannot be released.
            var approved = trigger == RequestTrigger.ApproveDirect && NeedsRedecisionToRelease(request)
                ? await RedecidedInTheTurnAsync(decision, mayRedecide, ct)
                : null;
            if (approved is not null && approved.Decision.Outcome is not (Outcome.Direct or Outcome.HumanReview))
            {
                return NotReleasable(approved.Decision);
            }

            if (trigger is RequestTrigger.ExtendPreservation or RequestTrigger.ConvertToProduction
                && await sla.PreservationEndedAsync(request.Id, now, ct) is { } ended)
            {
                return PreservationEnded(ended);
            }

            if (trigger == RequestTrigger.ExtendPreservation
                && !DecisionJsonReader.Deadlines(decision.DecisionJson).Any(d => d.Kind == Policies.DeadlineKind.PreservationExtension))
            {
                return NoExtension(decision.PolicyVersion);
            }

            var revised = confirmed ?? approved;
            if (trigger == RequestTrigger.ConvertToProduction)
            {
                revised = await decider.AsProductionAsync(request, DateOnly.FromDateTime(now.UtcDateTime), ct);
                if (revised.Decision.Outcome != Outcome.Direct)
                {
                    // The engine's refusal is a decision too: recorded, though the request stays as it was.
                    await audit.AppendAsync(db, caller, new AuditRecord(
                        ConversionRefused, "request", request.Id.ToString(),
                        new { outcome = Wire.Name(revised.Decision.Outcome), deciding = revised.Decision.Deciding, text = input.Text },
                        PolicyVersion: revised.Decision.PolicyVersion), ct);
                    await db.SaveChangesAsync(ct);
                    await transaction.CommitAsync(ct);
                    return NotAProduction(revised.Decision);
                }
            }

            var askedAfterAcknowledging = trigger == RequestTrigger.AnswerClarification && await AskedAfterAcknowledgingAsync(request.Id, ct);
            Move(caller, request, trigger, confirmed, askedAfterAcknowledging, now);

            if (revised is not null)
            {
                await revised.ReplaceAsync(db, request, ct);
            }

            await RecordWhatWasSaidAsync(caller, request, trigger, input, now, ct);
            var extra = alsoRecord?.Invoke(now, request);

            IReadOnlyList<Policies.Deadline> durations = revised?.Decision.Deadlines ?? DecisionJsonReader.Deadlines(decision.DecisionJson);
            if (trigger == RequestTrigger.SendToMlat)
            {
                mlat.Draft(request, DecisionJsonReader.Read(decision.DecisionJson), now, mlatPlanning);
                durations = [.. durations, .. mlatPlanning];
            }

            await mlat.CloseWithRequestAsync(request, now, ct);

            await sla.SynchroniseAsync(request, durations, trigger, now, ct);
            object payload = revised is null
                ? new { text = input.Text, grounds = input.Grounds, production = extra }
                : new { text = input.Text, decision = revised.AuditRecordReplacing(decision) };
            await audit.AppendAsync(db, caller, new AuditRecord(
                AuditActionOf(trigger), "request", request.Id.ToString(), payload, Wire.Name(before), Wire.Name(request.State),
                PolicyVersion: revised?.Decision.PolicyVersion), ct);
            Announce(request, trigger, before, now);

            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        return new ActionResult.Done(RequestResource.From(request));
    }

    /// <summary>
    /// A confirmed emergency is decided again, inside the write, by the pack that decided it, which this node may have
    /// to load: loaded here, before the write, as the stored decision it starts from never changes. So is one a
    /// reviewer releases whose decision is not the engine's call for review (<see cref="NeedsRedecisionToRelease"/>).
    /// False for a caller who may not take the action on the request; the checks are made again inside the write.
    /// </summary>
    private async Task<bool> PrepareRedecisionAsync(Caller caller, Guid requestId, RequestTrigger trigger, CancellationToken ct)
    {
        if (await db.RequestsVisibleTo(caller).AsNoTracking().SingleOrDefaultAsync(r => r.Id == requestId, ct) is not { } waiting
            || WhoMay(caller, waiting, trigger) is not null || !waiting.CanFire(trigger)
            || (trigger == RequestTrigger.ApproveDirect && !NeedsRedecisionToRelease(waiting))
            || await db.Decisions.AsNoTracking().Where(d => d.RequestId == requestId).Select(d => d.PolicyVersion).SingleOrDefaultAsync(ct) is not { } version)
        {
            return false;
        }

        await decider.LoadAsync(version, ct);
        return true;
    }

    /// <summary>
    /// The confirmed emergency decided again as it stands. Its pack was loaded before the turn when the request already
    /// needed it then; a supervisor who confirmed it meanwhile leaves it to be loaded here, in the turn (rare).
    /// </summary>
    private async Task<RevisedDecision> RedecidedInTheTurnAsync(StoredDecision decision, bool packLoaded, CancellationToken ct)
    {
        if (!packLoaded)
        {
            await decider.LoadAsync(decision.PolicyVersion, ct);
        }

        return await decider.WithEmergencyConfirmedAsync(decision, ct);
    }

    /// <summary>
    /// An emergency waiting for a reviewer with a decision other than "human review": confirmed by its supervisor and
    /// then decided for MLAT. Its decision has no channel or response deadline for a release to take.
    /// </summary>
    private static bool NeedsRedecisionToRelease(EvidenceRequest request) =>
        request.Content.Urgency == Urgency.Emergency && request.Outcome is not Outcome.HumanReview;

    /// <summary>
    /// The MLAT planning figure for a request a reviewer sends to MLAT: the engine decided "human review", whose
    /// deadlines are the channel's, so the figure comes from the pack it was decided under, read before the write (a
    /// pack not yet loaded is compiled outside the writers' turn). A pack that cannot be loaded gives the draft and its
    /// clock <see cref="MlatDrafting.DefaultPlanning"/> rather than refusing the reviewer's decision.
    /// </summary>
    private async Task<IReadOnlyList<Policies.Deadline>> MlatPlanningAsync(Caller caller, Guid requestId, CancellationToken ct)
    {
        var version = await db.RequestsVisibleTo(caller).AsNoTracking().Where(r => r.Id == requestId)
            .Join(db.Decisions.AsNoTracking(), r => r.Id, d => d.RequestId, (_, d) => d.PolicyVersion).SingleOrDefaultAsync(ct);
        if (version is null)
        {
            return [];
        }

        try
        {
            return await decider.MlatDeadlinesAsync(version, ct);
        }
        catch (InvalidOperationException e)
        {
            logger.LogWarning(e, "Request {RequestId}: policy pack {Version} could not be loaded; its MLAT draft takes the default planning figure", requestId, version);
            return [MlatDrafting.DefaultPlanning];
        }
    }

    /// <summary>
    /// Whether the open question was asked once the provider had acknowledged the request, read from the audit entry
    /// that recorded the question (the state it left). An entry that names no state is taken as asked after
    /// acknowledging, as every answer was before the two were told apart.
    /// </summary>
    private async Task<bool> AskedAfterAcknowledgingAsync(Guid requestId, CancellationToken ct)
    {
        var asked = AuditActionOf(RequestTrigger.RequestClarification);
        var subject = requestId.ToString();
        var before = await db.AuditEntries.AsNoTracking()
            .Where(e => e.SubjectType == "request" && e.SubjectId == subject && e.Action == asked)
            .OrderByDescending(e => e.Sequence).Select(e => e.StateBefore).FirstOrDefaultAsync(ct);
        return before != Wire.Name(RequestState.RoutedToProvider);
    }

    /// <summary>
    /// Fires the trigger, which the caller has found the request can take; a confirmed emergency goes where its decision
    /// with the confirmation sends it.
    /// </summary>
    private static void Move(
        Caller caller, EvidenceRequest request, RequestTrigger trigger, RevisedDecision? confirmed, bool askedAfterAcknowledging, DateTimeOffset now)
    {
        if (trigger == RequestTrigger.AnswerClarification)
        {
            request.AnswerClarification(askedAfterAcknowledging, now);
            return;
        }

        if (trigger != RequestTrigger.ConfirmEmergency)
        {
            request.Fire(trigger, now);
            return;
        }

        // Not decided again before the write: the request no longer waits for a supervisor (another one confirmed it).
        var decision = confirmed ?? throw NotNow(caller, request, trigger);
        request.ConfirmEmergency(reviewStillNeeded: decision.Decision.Outcome != Outcome.Direct, now);
    }

    /// <summary>
    /// C11: a reviewer may not release to the provider a request whose country the operator suspended after it was
    /// filed; it can still go by MLAT or be rejected.
    /// </summary>
    private static ActionResult.NotPermittedByPolicy SuspendedSinceFiling(CountrySuspension suspension) => new(
        "The requesting country is suspended.",
        $"{suspension.Country} was suspended on {suspension.SuspendedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC: {suspension.Reason} " +
        "No request of a suspended country goes directly to a provider; send this one to MLAT or reject it.",
        ["C11"]);

    /// <summary>
    /// R12 (Art. 11): a preservation is extended, or made a production order, within its period. Once the period has
    /// ended the provider may have deleted the data; the sweep will record the expiry.
    /// </summary>
    private static ActionResult.NotPermittedByPolicy PreservationEnded(DateTimeOffset endedAt) => new(
        "The preservation period has ended.",
        $"It ended on {endedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC. A preservation can be extended, or made a production order, only " +
        "while it runs; the provider may no longer hold the data. File a new order.",
        ["R12"]);

    /// <summary>
    /// A preservation decided under a pack stored before the loader required an extension row for every channel that
    /// preserves: its decision states no extension, so none is granted rather than one of a length nobody set.
    /// </summary>
    private static ActionResult.NotPermittedByPolicy NoExtension(string policyVersion) => new(
        "This preservation cannot be extended.",
        $"Policy {policyVersion}, under which it was decided, sets no extension for its channel. File a new preservation order before this one ends.",
        ["R12"]);

    /// <summary>The audit action of a preservation the engine would not let become a production.</summary>
    public const string ConversionRefused = "request.conversion-refused";

    private static ActionResult.NotPermittedByPolicy NotReleasable(Decision now) =>
        Refused(now, "This request cannot go directly to the provider.", "Decided again now", "Send it to MLAT or reject it.");

    private static ActionResult.NotPermittedByPolicy NotAProduction(Decision production) =>
        Refused(production, "This preservation order cannot become a production order.", "As a production order",
            "File a production order instead, citing this preservation.");

    /// <summary>The engine's refusal of an action, with the deciding rules' reasons between how it was decided and what to do.</summary>
    private static ActionResult.NotPermittedByPolicy Refused(Decision decision, string title, string decidedHow, string whatToDo)
    {
        var reasons = decision.Reasons.Where(r => decision.Deciding.Contains(r.Rule)).Select(r => $"{r.Rule}: {r.Message}");
        return new ActionResult.NotPermittedByPolicy(
            title,
            $"{decidedHow}, it would be decided '{Wire.Name(decision.Outcome)}' under policy {decision.PolicyVersion}. " +
            $"{string.Join(" ", reasons)} {whatToDo}",
            decision.Deciding);
    }

    /// <summary>Which role takes which action; null when the caller may.</summary>
    public static string? WhoMay(Caller caller, EvidenceRequest request, RequestTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        // A reviewer's decision on a request no longer waiting for one is a conflict of states (409), not a question
        // of who may act: the role is the reviewer's in every state.
        if (RoleOf(trigger) is not { } role)
        {
            return "The broker takes this step itself.";
        }

        if (role.RefusalOf(caller) is { } refusal)
        {
            return refusal;
        }

        return trigger is RequestTrigger.ConfirmEmergency or RequestTrigger.RefuseEmergency && caller.Subject == request.FiledBy
            ? "The officer who filed an emergency request cannot confirm it: a second person must."
            : null;
    }

    /// <summary>
    /// The actions <paramref name="caller"/> may take on <paramref name="request"/> in its state now: those of the
    /// caller's role, never another role's nor the broker's own steps (a preservation's expiry), and, for a request
    /// queued for an MLAT request in <paramref name="mlatState"/>, none that state forbids (<see cref="MlatDraft.Forbids"/>).
    /// </summary>
    public static IReadOnlyList<RequestTrigger> AllowedTo(Caller caller, EvidenceRequest request, MlatDraftState? mlatState = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return [.. request.PermittedTriggers.Where(t => WhoMay(caller, request, t) is null
            && (mlatState is not { } mlat || MlatDraft.Forbids(t, mlat) is null))];
    }

    /// <summary>The audit trail's name for an action taken on a request ("request.convert-to-production"), which readers of the trail look for.</summary>
    public static string AuditActionOf(RequestTrigger trigger) => $"request.{Wire.Name(trigger)}";

    /// <summary>
    /// The 409 for an action the request's state does not allow, offering what this caller may do instead (and, for a
    /// request queued for an MLAT request in <paramref name="mlatState"/>, what that state allows).
    /// </summary>
    internal static InvalidTransitionException NotNow(
        Caller caller, EvidenceRequest request, RequestTrigger trigger, MlatDraftState? mlatState = null) =>
        new(request.State, trigger, AllowedTo(caller, request, mlatState));

    /// <summary>The role that takes an action (the endpoints tell the OpenAPI document too); null for the broker's own steps.</summary>
    public static ActionRole? RoleOf(RequestTrigger trigger) => trigger switch
    {
        RequestTrigger.Acknowledge or RequestTrigger.RequestClarification or RequestTrigger.Produce
            or RequestTrigger.ProducePartially or RequestTrigger.Refuse or RequestTrigger.RaiseObjection => ActionRole.ProviderLegal,
        RequestTrigger.Withdraw or RequestTrigger.AnswerClarification or RequestTrigger.ExtendPreservation
            or RequestTrigger.ConvertToProduction or RequestTrigger.Close => ActionRole.Officer,
        RequestTrigger.ConfirmEmergency or RequestTrigger.RefuseEmergency => ActionRole.Supervisor,
        RequestTrigger.ApproveDirect or RequestTrigger.SendToMlat or RequestTrigger.Reject => ActionRole.Reviewer,
        _ => null,
    };

    /// <summary>What is wrong with an action's free text (a reason, a note), or null: the free-text rule at the actions' one length.</summary>
    public static string? TextProblem(string? text) => FreeText.Problem(text, MaxTextLength);

    private static Dictionary<string, string[]>? Validate(RequestTrigger trigger, ActionInput input)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var needsText = trigger is RequestTrigger.RequestClarification or RequestTrigger.AnswerClarification or RequestTrigger.Refuse
            or RequestTrigger.RaiseObjection or RequestTrigger.Withdraw or RequestTrigger.RefuseEmergency or RequestTrigger.ApproveDirect
            or RequestTrigger.SendToMlat or RequestTrigger.Reject;
        if (needsText && string.IsNullOrWhiteSpace(input.Text))
        {
            errors["text"] = [trigger switch
            {
                RequestTrigger.RequestClarification => "Ask the question.",
                RequestTrigger.AnswerClarification => "Give the answer.",
                _ => "State the reason.",
            }];
        }

        if (TextProblem(input.Text) is { } problem)
        {
            errors["text"] = [problem];
        }

        if (trigger is RequestTrigger.Refuse or RequestTrigger.RaiseObjection)
        {
            if (input.Grounds is not { Count: > 0 } grounds)
            {
                errors["grounds"] = ["Give at least one ground."];
            }
            else if (grounds.Distinct().Count() != grounds.Count || grounds.Any(g => !Enum.IsDefined(g)))
            {
                errors["grounds"] = ["Each ground once, from the list of grounds."];
            }
        }
        else if (input.Grounds is { Count: > 0 })
        {
            errors["grounds"] = ["Only a refusal or an objection has grounds."];
        }

        return errors.Count == 0 ? null : errors;
    }

    private async Task RecordWhatWasSaidAsync(Caller caller, EvidenceRequest request, RequestTrigger trigger, ActionInput input, DateTimeOffset now, CancellationToken ct)
    {
        switch (trigger)
        {
            case RequestTrigger.RequestClarification:
                db.Clarifications.Add(new Clarification
                {
                    Id = RowIds.Version7(now), RequestId = request.Id, AskedBy = caller.DisplayName, Question = input.Text!, AskedAt = now,
                });
                break;
            case RequestTrigger.AnswerClarification:
                var open = await db.Clarifications.Where(c => c.RequestId == request.Id && c.AnsweredAt == null)
                    .OrderByDescending(c => c.AskedAt).FirstAsync(ct);
                open.Answer = input.Text;
                open.AnsweredBy = caller.DisplayName;
                open.AnsweredAt = now;
                break;
            case RequestTrigger.Refuse:
            case RequestTrigger.RaiseObjection:
                AddNote(caller, request.Id, trigger == RequestTrigger.Refuse ? RequestNote.RefusalKind : RequestNote.ObjectionKind,
                    string.Join(',', input.Grounds!.Select(g => Wire.Name(g))), input.Text!, now);
                break;
            case RequestTrigger.ApproveDirect or RequestTrigger.SendToMlat or RequestTrigger.Reject:
                AddNote(caller, request.Id, RequestNote.ReviewKind, Wire.Name(trigger), input.Text!, now);
                break;
            case RequestTrigger.Withdraw or RequestTrigger.ConfirmEmergency or RequestTrigger.RefuseEmergency when input.Text is not null:
                AddNote(caller, request.Id, Wire.Name(trigger), null, input.Text, now);
                break;
        }
    }

    private void AddNote(Caller caller, Guid requestId, string kind, string? grounds, string text, DateTimeOffset now) =>
        db.RequestNotes.Add(RequestNote.Written(caller, requestId, kind, text, now, grounds));

    /// <summary>
    /// Tell the other side. The provider hears nothing of a request it has not received; an action that releases the
    /// request to it (a confirmed emergency, a reviewer's approval) also sends the provider <c>request.routed</c>, as
    /// a request released at filing does.
    /// </summary>
    private void Announce(EvidenceRequest request, RequestTrigger trigger, RequestState before, DateTimeOffset now)
    {
        var payload = new { requestId = request.Id, request.Reference, action = trigger, from = before, state = request.State };
        var topic = $"request.{Wire.Name(trigger)}";
        OutboxEntries.Add(db, topic, OutboxEntries.Agency(request.AgencyId), request.Id, payload, now);
        if (request.ReleasedToProviderAt is not null)
        {
            OutboxEntries.Add(db, topic, OutboxEntries.Provider(request.ProviderId), request.Id, payload, now);
        }

        if (request.ReleasedToProviderAt == now && before is RequestState.AwaitingSupervisor or RequestState.AwaitingHumanReview)
        {
            OutboxEntries.Add(db, "request.routed", OutboxEntries.Provider(request.ProviderId), request.Id,
                new { requestId = request.Id, request.Reference, state = request.State, request.Outcome, request.Channel }, now);
        }
    }
}
