using EvidenceBroker.Domain.Lifecycle;

namespace EvidenceBroker.Server.Sla;

/// <summary>Where a request's running clock stands at a moment.</summary>
public enum ClockStanding
{
    /// <summary>No clock runs: the request is finished, waits on the broker's side, or its clock is paused.</summary>
    None,
    OnTime,

    /// <summary>Four fifths of the running time have passed: the sweep sends its last reminder then.</summary>
    AtRisk,
    Overdue,
}

/// <summary>
/// The clock that runs on a request now, as the SLA sweep keeps it: extensions moved its due date, and while a
/// clarification is open it is paused (no due date then: the time left is frozen until the answer moves it). The API's
/// inbox, the portal's lists and counts and the oversight statistics page say "at risk" and "overdue" by this one rule
/// (the oversight report's PDF counts response clocks met and missed, with the same due time).
/// </summary>
public readonly record struct RunningClock(DateTimeOffset? Due, DateTimeOffset? AtRiskFrom, bool Paused)
{
    /// <summary>The share of a clock's running time after which it is at risk: the mark of the sweep's 80 % reminder.</summary>
    public const double AtRiskFraction = 0.8;

    public static RunningClock None => default;

    public static RunningClock Of(Deadline? running) => running switch
    {
        null => None,
        { PausedAt: not null } => new RunningClock(null, null, Paused: true),
        _ => new RunningClock(running.DueAt, running.Mark(AtRiskFraction), Paused: false),
    };

    /// <summary>
    /// The clock that runs on a request in <paramref name="state"/>, from its open (not completed) deadlines: the
    /// provider's answer (or the preservation period, in preservation) once released, the MLAT planning figure while
    /// queued. None for requests that are finished or waiting on the broker's side.
    /// </summary>
    public static Deadline? RunningDeadline(RequestState state, DateTimeOffset? releasedToProviderAt, IEnumerable<Deadline> open)
    {
        if (RequestLifecycle.IsFinished(state))
        {
            return null;
        }

        DeadlineKind kind;
        if (state == RequestState.QueuedForMlat)
        {
            kind = DeadlineKind.MlatPlanning;
        }
        else if (releasedToProviderAt is null)
        {
            return null;
        }
        else
        {
            kind = ProviderClockIn(state);
        }

        return open.Where(d => d.Kind == kind).MinBy(d => d.DueAt);
    }

    /// <inheritdoc cref="RunningDeadline"/>
    public static RunningClock On(RequestState state, DateTimeOffset? releasedToProviderAt, IEnumerable<Deadline> open) =>
        Of(RunningDeadline(state, releasedToProviderAt, open));

    /// <summary>
    /// The clock a provider answers to in <paramref name="state"/>, once the request is released to it; the provider
    /// inbox's query says the same in SQL.
    /// </summary>
    public static DeadlineKind ProviderClockIn(RequestState state) =>
        state is RequestState.PreservationActive or RequestState.PreservationExtended ? DeadlineKind.Preservation : DeadlineKind.Response;

    public ClockStanding StandingAt(DateTimeOffset now) =>
        Due is not { } due ? ClockStanding.None
        : now >= due ? ClockStanding.Overdue
        : now >= AtRiskFrom ? ClockStanding.AtRisk
        : ClockStanding.OnTime;
}
