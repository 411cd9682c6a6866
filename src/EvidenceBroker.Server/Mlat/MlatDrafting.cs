using System.Globalization;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Mlat;

/// <summary>Turns an MLAT outcome into a pre-filled draft, in the transaction that records the outcome.</summary>
public sealed class MlatDrafting(BrokerDbContext db)
{
    /// <summary>
    /// The planning figure of a request a reviewer sends to MLAT when the pack that decided it cannot be read (every
    /// pack has one: its loader requires it): the repository pack's ten months. The draft and the SLA clock both take
    /// it, so that the backlog's due date is a clock the sweep watches.
    /// </summary>
    public static readonly Deadline DefaultPlanning = new(
        DeadlineKind.MlatPlanning, 10, DeadlineUnit.Months, "10 months", "Broker default: the deciding pack could not be read", BrokerDefault: true);

    /// <summary>Closes the request's draft, if it has one, when the request ends without the MLAT having ended it.</summary>
    public async Task CloseWithRequestAsync(EvidenceRequest request, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.State is RequestState.Withdrawn or RequestState.Closed
            && await db.MlatDrafts.SingleOrDefaultAsync(d => d.RequestId == request.Id, ct) is { } draft)
        {
            draft.CloseWithRequest(now);
        }
    }

    /// <summary>
    /// The state of the MLAT request a request is queued for, which decides whether it may be closed or withdrawn
    /// (<see cref="MlatDraft.Forbids"/>); null when the request is not queued for one.
    /// </summary>
    public static Task<MlatDraftState?> QueuedStateAsync(BrokerDbContext db, EvidenceRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        return request.State == RequestState.QueuedForMlat
            ? db.MlatDrafts.AsNoTracking().Where(d => d.RequestId == request.Id).Select(d => (MlatDraftState?)d.State).SingleOrDefaultAsync(ct)
            : Task.FromResult<MlatDraftState?>(null);
    }

    /// <param name="mlatDeadlines">The pack's MLAT deadlines when the decision's own are not (a reviewer sent it to MLAT).</param>
    public MlatDraft Draft(EvidenceRequest request, Decision decision, DateTimeOffset now, IReadOnlyList<Deadline>? mlatDeadlines = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(decision);
        var content = request.Content;
        var route = decision.MlatRoute;
        var planning = (mlatDeadlines ?? decision.Deadlines).FirstOrDefault(d => d.Kind == DeadlineKind.MlatPlanning);
        var draft = new MlatDraft
        {
            RequestId = request.Id,
            Reference = request.Reference,
            RequestingState = route.RequestingState,
            RequestedState = route.RequestedState,
            RequestingCentralAuthority = route.RequestingCentralAuthority,
            RequestedCentralAuthority = route.RequestedCentralAuthority,
            TreatyBasis = route.TreatyBasis,
            IssuingAuthority = $"{content.IssuingAuthority.Name} ({Wire.Name(content.IssuingAuthority.Type)})"
                               + (content.ValidatedBy is { } v ? $", validated by {v.Name} ({Wire.Name(v.Type)})" : string.Empty),
            Offence = content.Offence.Description
                      + (content.Offence.Code is { } code ? $" [{code}]" : string.Empty)
                      + "; maximum penalty " + content.Offence.MaxPenaltyYears.ToString(CultureInfo.InvariantCulture) + " years"
                      + (content.Offence.ListedOffence ? "; listed offence" : string.Empty),
            Facts = content.Justification,
            Identifiers = string.Join('\n', content.Identifiers.Select(i =>
                $"{Wire.Name(i.Type)}: {i.Value}" + (i.From is not null || i.To is not null ? $" ({Utc(i.From)} to {Utc(i.To)})" : string.Empty))),
            DataSought = string.Join(", ", content.DataCategories.Select(c => Wire.Name(c)))
                         + (content.TimeRange is { } range ? $"; from {Utc(range.From)} to {Utc(range.To)}" : string.Empty),
            WhyMlat = string.Join('\n', decision.Reasons.Where(r => r.Status == RuleStatus.Failed).Select(r => $"{r.Rule}: {r.Message}")),
            DraftedAt = now,
            PlanningDueAt = (planning ?? DefaultPlanning).DueFrom(now),
        };
        db.AddRow(draft);
        return draft;
    }

    /// <summary>ISO 8601 in UTC to the second, whatever the offset it was given in and the server's culture.</summary>
    private static string Utc(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "…";
}
