using System.Text.Json.Serialization;

namespace EvidenceBroker.Server.Sla;

public enum DeadlineKind
{
    /// <summary>The provider must answer (EU 10 days, emergency 8 h, broker defaults elsewhere).</summary>
    [JsonStringEnumMemberName("response")] Response,

    /// <summary>Data kept for 60 days, extendable once by 30 (Art. 11).</summary>
    [JsonStringEnumMemberName("preservation")] Preservation,

    /// <summary>An emergency order issued without prior validation must be validated within 48 h (Art. 4).</summary>
    [JsonStringEnumMemberName("post-hoc-validation")] PostHocValidation,

    /// <summary>When the provider may notify the user.</summary>
    [JsonStringEnumMemberName("non-disclosure-end")] NonDisclosureEnd,

    /// <summary>MLAT planning figure (10 months): ageing, not a legal deadline.</summary>
    [JsonStringEnumMemberName("mlat-planning")] MlatPlanning,

    /// <summary>
    /// A notified EU order (R14): the time the enforcing state's authority has to raise grounds for refusal, from the
    /// provider's receipt (Art. 10(2), 10(4), 12; 10 days, 96 h for an emergency). A standard order's data is to be handed
    /// over at its end, which the provider hears of; an emergency's within its 8 hours, the objection still possible
    /// afterwards. The broker does not hold a production back until then (see the README's open questions). Closing the
    /// request does not end it; withdrawing the order does, as nothing is left to object to.
    /// </summary>
    [JsonStringEnumMemberName("enforcing-state-objection")] EnforcingStateObjection,
}

/// <summary>
/// One clock on a request, watched by the SLA sweep through <see cref="NextCheckAt"/>; every mark (50 %, 80 %,
/// due) is stamped once, which makes the sweep safe to run twice or on two nodes at once.
/// </summary>
public sealed class Deadline
{
    public required Guid Id { get; init; }
    public required Guid RequestId { get; init; }
    public required DeadlineKind Kind { get; init; }
    public required DateTimeOffset StartsAt { get; init; }
    public required DateTimeOffset DueAt { get; set; }

    /// <summary>Where the duration comes from (law or broker default).</summary>
    public required string Source { get; init; }

    /// <summary>Set while a clarification is open and the clock is paused.</summary>
    public DateTimeOffset? PausedAt { get; set; }

    /// <summary>How long the clock stood still in pauses that have ended; <see cref="DueAt"/> moved by as much.</summary>
    public TimeSpan PausedFor { get; set; }

    public DateTimeOffset? Reminder50At { get; set; }
    public DateTimeOffset? Reminder80At { get; set; }
    public DateTimeOffset? BreachedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public bool Extended { get; set; }

    /// <summary>When the sweep must next look; null when nothing is left to watch.</summary>
    public DateTimeOffset? NextCheckAt { get; set; }

    public bool HasReminders => Kind is DeadlineKind.Response or DeadlineKind.Preservation or DeadlineKind.PostHocValidation;

    /// <summary>How long the clock runs, pauses left out.</summary>
    public TimeSpan Length => DueAt - StartsAt - PausedFor;

    /// <summary>
    /// When <paramref name="fraction"/> of the running time has passed. Pauses so far happened before any mark still
    /// to come (a mark already passed has been stamped), so each such mark moves by their whole length.
    /// </summary>
    public DateTimeOffset Mark(double fraction) => StartsAt + PausedFor + (Length * fraction);

    /// <summary>Ends a pause: the due date and the marks still ahead move by its length.</summary>
    public void Resume(DateTimeOffset now)
    {
        if (PausedAt is { } pausedAt)
        {
            DueAt += now - pausedAt;
            PausedFor += now - pausedAt;
            PausedAt = null;
        }

        Plan();
    }

    /// <summary>Recomputes <see cref="NextCheckAt"/> from the marks not yet stamped.</summary>
    public void Plan()
    {
        if (CompletedAt is not null || PausedAt is not null || BreachedAt is not null)
        {
            NextCheckAt = null;
            return;
        }

        NextCheckAt = HasReminders && Reminder50At is null ? Mark(0.5)
            : HasReminders && Reminder80At is null ? Mark(0.8)
            : DueAt;
    }
}
