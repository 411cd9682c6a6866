using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;

namespace EvidenceBroker.Server.Sla;

/// <summary>
/// Stamps a deadline's marks (the 50 % and 80 % reminders, the breach) once each, in the write that changes the
/// deadline: the audit entry, by the SLA monitor, and the parties' notifications. The sweep stamps the marks as they
/// come; the request's own actions stamp those that came before the sweep did, just before they pause or stop the
/// clock, so that a mark is never lost to the sweep's lag (up to <see cref="SlaOptions.SweepEvery"/>, or longer while
/// the broker or its job storage was down).
/// </summary>
public sealed class DeadlineMarks(AuditTrail audit)
{
    public const string Actor = "sla-monitor";

    /// <summary>The 50 % and 80 % reminders that have come and are not yet stamped.</summary>
    public async Task StampRemindersAsync(BrokerDbContext db, Deadline deadline, EvidenceRequest request, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deadline);
        if (deadline.HasReminders && deadline.Reminder50At is null && now >= deadline.Mark(0.5))
        {
            deadline.Reminder50At = now;
            await RecordAsync(db, deadline, "sla.reminder-50", request, now, ct);
        }

        if (deadline.HasReminders && deadline.Reminder80At is null && now >= deadline.Mark(0.8))
        {
            deadline.Reminder80At = now;
            await RecordAsync(db, deadline, "sla.reminder-80", request, now, ct);
        }
    }

    /// <summary>
    /// The breach of a clock that is missed when it is due (a response, a post-hoc validation, the MLAT planning
    /// figure), if its due time has come and it is not yet stamped. A preservation's end is its expiry, and the ends of
    /// non-disclosure and of the enforcing state's time to object are no one's failure: none is a breach.
    /// </summary>
    public async Task StampBreachAsync(BrokerDbContext db, Deadline deadline, EvidenceRequest request, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deadline);
        if (deadline.BreachedAt is null && now >= deadline.DueAt
            && deadline.Kind is not (DeadlineKind.Preservation or DeadlineKind.NonDisclosureEnd or DeadlineKind.EnforcingStateObjection))
        {
            deadline.BreachedAt = now;
            await RecordAsync(db, deadline, deadline.Kind == DeadlineKind.PostHocValidation ? "sla.validation-overdue" : "sla.breached", request, now, ct);
        }
    }

    /// <summary>An audit entry by the SLA monitor for one of the deadline's marks, and the parties told.</summary>
    public async Task RecordAsync(BrokerDbContext db, Deadline deadline, string action, EvidenceRequest request, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deadline);
        await audit.AppendAsync(db, Actor, AuditTrail.SystemRole, AuditTrail.SystemTenant, new AuditRecord(
            action, "request", deadline.RequestId.ToString(),
            new { deadlineId = deadline.Id, kind = deadline.Kind, deadline.DueAt, deadline.Source }), ct);
        Notify(db, action, deadline, request, now);
    }

    /// <summary>
    /// The agency always hears; the provider only about requests it has received, and only of the clocks it keeps
    /// (<see cref="ProviderView"/>): not the agency's deadline to have an emergency order validated.
    /// </summary>
    public static void Notify(BrokerDbContext db, string topic, Deadline deadline, EvidenceRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deadline);
        ArgumentNullException.ThrowIfNull(request);
        var payload = new { requestId = deadline.RequestId, request.Reference, deadlineId = deadline.Id, kind = deadline.Kind, deadline.DueAt };
        OutboxEntries.Add(db, topic, OutboxEntries.Agency(request.AgencyId), deadline.RequestId, payload, now);
        if (request.ReleasedToProviderAt is not null && ProviderView.Keeps(deadline.Kind))
        {
            OutboxEntries.Add(db, topic, OutboxEntries.Provider(request.ProviderId), deadline.RequestId, payload, now);
        }
    }
}
