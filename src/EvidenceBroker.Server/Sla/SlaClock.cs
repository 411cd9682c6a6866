using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PolicyDeadline = EvidenceBroker.Policies.Deadline;
using PolicyDeadlineKind = EvidenceBroker.Policies.DeadlineKind;

namespace EvidenceBroker.Server.Sla;

/// <summary>
/// Keeps a request's clocks in step with its state, inside the transaction that changes the state: start the
/// provider's clock at release, pause it during a clarification, extend a preservation once, stop the clocks when
/// the request is answered, withdrawn or closed (except, once the provider has had the order, an emergency's validation
/// afterwards, the end of non-disclosure, and the enforcing state's time to object unless the order is withdrawn).
/// Durations come from the stored decision (the pack).
/// </summary>
public sealed class SlaClock(BrokerDbContext db, DeadlineMarks marks, IOptions<SlaOptions> options)
{
    /// <summary>Starts, pauses, resumes and stops the request's clocks for the state it has just reached.</summary>
    public async Task SynchroniseAsync(
        EvidenceRequest request, IReadOnlyList<PolicyDeadline> durations, RequestTrigger? trigger, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);

        // A request being filed (no trigger) has no clocks yet, stored or tracked: looking for them would cost every
        // filing a scan of the change tracker for nothing.
        var open = trigger is null ? [] : await OpenClocksAsync(request.Id, ct);

        void Start(DeadlineKind kind, DateTimeOffset from, DateTimeOffset due, string source)
        {
            if (open.Any(d => d.Kind == kind))
            {
                return;
            }

            var deadline = new Deadline { Id = RowIds.Version7(now), RequestId = request.Id, Kind = kind, StartsAt = from, DueAt = due, Source = source };
            deadline.Plan();
            db.AddRow(deadline);
            open.Add(deadline);
        }

        async Task CompleteAsync(Func<Deadline, bool> which)
        {
            foreach (var deadline in open.Where(d => d.CompletedAt is null && which(d)).ToList())
            {
                // An answer given while a question is open (a refusal, say) ends the pause first: the clock stood still
                // until now, and the answer is on time against the due date the pause moved.
                if (deadline.PausedAt is not null)
                {
                    deadline.Resume(now);
                }

                // One given after the due time is late whether or not the sweep has come round to say so.
                await marks.StampBreachAsync(db, deadline, request, now, ct);
                deadline.CompletedAt = now;
                deadline.Plan();
            }
        }

        var content = request.Content;
        if (trigger is null)
        {
            // Filing: clocks that run from the order itself, whatever the route.
            // R4: the decision carries this deadline exactly when the order needs validating afterwards.
            if (Find(durations, PolicyDeadlineKind.PostHocValidation) is { } validation)
            {
                Start(DeadlineKind.PostHocValidation, request.FiledAt, validation.DueFrom(request.FiledAt), validation.Source);
            }
        }

        if (request.ReleasedToProviderAt is { } released)
        {
            if (request.State is RequestState.PreservationActive or RequestState.PreservationExtended
                && Find(durations, PolicyDeadlineKind.Preservation) is { } preservation)
            {
                Start(DeadlineKind.Preservation, released, preservation.DueFrom(released), preservation.Source);
            }

            if (request.State is RequestState.RoutedToProvider or RequestState.Acknowledged or RequestState.ClarificationRequested
                && Find(durations, PolicyDeadlineKind.Response) is { } response)
            {
                var from = trigger == RequestTrigger.ConvertToProduction ? now : released;
                Start(DeadlineKind.Response, from, response.DueFrom(from), response.Source);
            }

            // R14: the enforcing state's time to object runs from the provider's receipt, of the order or of the
            // production order a preservation became; started then only, so that it is not started again once ended.
            if ((released == now || trigger == RequestTrigger.ConvertToProduction)
                && Find(durations, PolicyDeadlineKind.EnforcingStateObjection) is { } objection)
            {
                Start(DeadlineKind.EnforcingStateObjection, now, objection.DueFrom(now), objection.Source);
            }

            if (content.NonDisclosureUntil is { } until && !await NonDisclosureEndedAsync(request.Id, trigger, ct))
            {
                var end = new DateTimeOffset(until.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                Start(DeadlineKind.NonDisclosureEnd, released, end < released ? released : end, "Request: nonDisclosureUntil");
            }
        }

        if (request.State == RequestState.QueuedForMlat && Find(durations, PolicyDeadlineKind.MlatPlanning) is { } planning)
        {
            Start(DeadlineKind.MlatPlanning, now, planning.DueFrom(now), planning.Source);
        }

        switch (trigger)
        {
            case RequestTrigger.RequestClarification when options.Value.PauseDuringClarification:
                // A clock already missed stays missed (whether or not the sweep has stamped it yet): a question after
                // the due time does not move it.
                foreach (var deadline in open.Where(d => d.Kind == DeadlineKind.Response && d.PausedAt is null && d.BreachedAt is null && now < d.DueAt))
                {
                    // A reminder whose mark has come goes out now, not after the pause (which would move its mark on).
                    await marks.StampRemindersAsync(db, deadline, request, now, ct);
                    deadline.PausedAt = now;
                    deadline.Plan();
                }

                break;
            case RequestTrigger.AnswerClarification:
                foreach (var deadline in open.Where(d => d.Kind == DeadlineKind.Response && d.PausedAt is not null))
                {
                    deadline.Resume(now);
                }

                break;
            // The pack's extension row decides the length, as it decides R12's text; the loader admits no channel that
            // preserves without one, and RequestActions refuses to extend a preservation whose decision (from a pack
            // stored before that check) carries none. The guard only keeps the clock from inventing a length.
            case RequestTrigger.ExtendPreservation when Find(durations, PolicyDeadlineKind.PreservationExtension) is { } extension:
                foreach (var deadline in open.Where(d => d.Kind == DeadlineKind.Preservation && !d.Extended))
                {
                    deadline.DueAt = extension.DueFrom(deadline.DueAt);
                    deadline.Extended = true;
                    // A reminder is due again only if the longer clock puts its mark still ahead: one already passed
                    // was sent, and sending it again would announce the same fraction twice.
                    deadline.Reminder50At = deadline.Mark(0.5) > now ? null : deadline.Reminder50At;
                    deadline.Reminder80At = deadline.Mark(0.8) > now ? null : deadline.Reminder80At;
                    deadline.Plan();
                }

                break;
            case RequestTrigger.ConvertToProduction:
                await CompleteAsync(d => d.Kind == DeadlineKind.Preservation);
                break;
            case RequestTrigger.ConfirmEmergency:
                // A supervisor's confirmation is not the validation R4 asks for: the post-hoc validation clock runs on
                // until EmergencyValidation records one, or its refusal.
                break;
        }

        switch (request.State)
        {
            case RequestState.Produced or RequestState.PartiallyProduced or RequestState.Refused or RequestState.Objected
                or RequestState.PreservationExpired:
                await CompleteAsync(d => d.Kind is DeadlineKind.Response or DeadlineKind.Preservation);
                break;
            case RequestState.Withdrawn or RequestState.Rejected or RequestState.Closed:
                // Some clocks outlive the request once the provider has had it. The duty to have an emergency order
                // validated afterwards (R4): only a recorded validation, or its recorded refusal, ends that clock, or its
                // breach is recorded. The period in which the provider must not tell the user: withdrawing or closing
                // the request does not free the provider to tell the user early, so that clock ends only on its date.
                // And the enforcing state's time to object (R14, Art. 12): closing a finished order does not cut it
                // short, so it runs to its end, which is announced; a withdrawn order leaves nothing to object to.
                await CompleteAsync(d => request.ReleasedToProviderAt is null || !OutlivesTheRequest(d.Kind, request.State));
                break;
            case RequestState.QueuedForMlat when request.ReleasedToProviderAt is null:
                // An emergency order sent to MLAT instead (by its decision or a reviewer) never reached a provider, so
                // there is nothing to validate afterwards: the treaty's request is another instrument.
                await CompleteAsync(d => d.Kind == DeadlineKind.PostHocValidation);
                break;
        }
    }

    /// <summary>
    /// R12: when the request's preservation period ended, if it has, whether or not the sweep has stamped it yet (it
    /// runs only every so often, and not while the broker is down).
    /// </summary>
    public Task<DateTimeOffset?> PreservationEndedAsync(Guid requestId, DateTimeOffset now, CancellationToken ct) =>
        db.Deadlines.AsNoTracking()
            .Where(d => d.RequestId == requestId && d.Kind == DeadlineKind.Preservation && d.CompletedAt == null && d.DueAt <= now)
            .Select(d => (DateTimeOffset?)d.DueAt).FirstOrDefaultAsync(ct);

    /// <summary>
    /// Ends the post-hoc validation clock once an emergency order has been validated, or refused validation; one
    /// recorded after the 48 hours is overdue whether or not the sweep has come round to say so.
    /// </summary>
    public Task<Deadline?> CompleteValidationAsync(EvidenceRequest request, DateTimeOffset now, CancellationToken ct) =>
        CompleteOneAsync(request, DeadlineKind.PostHocValidation, now, ct);

    /// <summary>
    /// Ends the MLAT planning clock once the treaty request was executed or refused; one closed after the planning
    /// figure was missed is stamped a breach whether or not the sweep has come round to say so.
    /// </summary>
    public Task<Deadline?> CompleteMlatPlanningAsync(EvidenceRequest request, DateTimeOffset now, CancellationToken ct) =>
        CompleteOneAsync(request, DeadlineKind.MlatPlanning, now, ct);

    private async Task<Deadline?> CompleteOneAsync(EvidenceRequest request, DeadlineKind kind, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deadline = await db.Deadlines.SingleOrDefaultAsync(d => d.RequestId == request.Id && d.Kind == kind && d.CompletedAt == null, ct);
        if (deadline is not null)
        {
            await marks.StampBreachAsync(db, deadline, request, now, ct);
            deadline.CompletedAt = now;
            deadline.Plan();
        }

        return deadline;
    }

    /// <summary>
    /// Whether the period of non-disclosure has ended already: it ends once, and a later action must not start its
    /// clock again. A request being filed (no trigger) has no clock yet.
    /// </summary>
    private async Task<bool> NonDisclosureEndedAsync(Guid requestId, RequestTrigger? trigger, CancellationToken ct) =>
        trigger is not null
        && await db.Deadlines.AnyAsync(d => d.RequestId == requestId && d.Kind == DeadlineKind.NonDisclosureEnd && d.CompletedAt != null, ct);

    private async Task<List<Deadline>> OpenClocksAsync(Guid requestId, CancellationToken ct)
    {
        var stored = await db.Deadlines.Where(d => d.RequestId == requestId && d.CompletedAt == null).ToListAsync(ct);
        return [.. stored.Concat(db.Deadlines.Local.Where(d => d.RequestId == requestId && d.CompletedAt == null)).Distinct()];
    }

    /// <summary>Whether a released request's clock of <paramref name="kind"/> runs on after the request reaches <paramref name="state"/>.</summary>
    private static bool OutlivesTheRequest(DeadlineKind kind, RequestState state) =>
        kind is DeadlineKind.NonDisclosureEnd or DeadlineKind.PostHocValidation
        || (kind == DeadlineKind.EnforcingStateObjection && state == RequestState.Closed);

    private static PolicyDeadline? Find(IReadOnlyList<PolicyDeadline> durations, PolicyDeadlineKind kind) =>
        durations.FirstOrDefault(d => d.Kind == kind);
}
