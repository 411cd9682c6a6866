using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Sla;

/// <summary>
/// The sweep that watches every deadline: a recurring job that finds the deadlines whose next mark has come (one
/// indexed query), stamps the 50 % and 80 % reminders and the breach (or, for a preservation, the expiry) once
/// each, records them in the audit trail and tells the parties. Deadlines live only in the database, so there
/// is nothing to rebuild after a restart or a crash, and nothing is scheduled while a request is filed. Each
/// deadline is re-read inside its own write, so two nodes sweeping at once, or a sweep run twice, stamp nothing twice.
/// </summary>
public sealed class SlaMonitor(BrokerDbContext db, AuditTrail audit, TimeProvider clock)
{
    public const string Actor = "sla-monitor";
    private const string ActorRole = AuditTrail.SystemRole;
    private const string ActorTenant = AuditTrail.SystemTenant;
    private const int Batch = 500;

    /// <summary>Stamps every mark that has come due, in batches until none is left; returns how many deadlines it checked.</summary>
    [AutomaticRetry(Attempts = 5)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var checkedCount = 0;
        while (true)
        {
            var now = clock.GetUtcNow();
            var due = await db.Deadlines.AsNoTracking().Where(d => d.NextCheckAt != null && d.NextCheckAt <= now)
                .OrderBy(d => d.NextCheckAt).Select(d => d.Id).Take(Batch).ToListAsync(ct);
            foreach (var id in due)
            {
                await CheckAsync(id, ct);
                db.ChangeTracker.Clear();
            }

            checkedCount += due.Count;
            if (due.Count < Batch)
            {
                return checkedCount;
            }
        }
    }

    private async Task CheckAsync(Guid deadlineId, CancellationToken ct)
    {
        await using (var transaction = await db.BeginWriteAsync(ct))
        {
            var now = clock.GetUtcNow();
            var deadline = await db.Deadlines.SingleOrDefaultAsync(d => d.Id == deadlineId, ct);
            if (deadline?.NextCheckAt is null || deadline.NextCheckAt > now)
            {
                return; // another sweep got here first
            }

            var request = await db.Requests.SingleAsync(r => r.Id == deadline.RequestId, ct);
            if (deadline.HasReminders && deadline.Reminder50At is null && now >= deadline.Mark(0.5))
            {
                deadline.Reminder50At = now;
                await RecordAsync(deadline, "sla.reminder-50", request, ct);
            }

            if (deadline.HasReminders && deadline.Reminder80At is null && now >= deadline.Mark(0.8))
            {
                deadline.Reminder80At = now;
                await RecordAsync(deadline, "sla.reminder-80", request, ct);
            }

            if (now >= deadline.DueAt)
            {
                switch (deadline.Kind)
                {
                    case DeadlineKind.Preservation when request.CanFire(RequestTrigger.ExpirePreservation):
                        var before = request.State;
                        request.Fire(RequestTrigger.ExpirePreservation, now);
                        deadline.CompletedAt = now;
                        await audit.AppendAsync(db, Actor, ActorRole, ActorTenant, new AuditRecord(
                            "request.expire-preservation", "request", request.Id.ToString(), new { deadlineId = deadline.Id, deadline.DueAt },
                            Wire.Name(before), Wire.Name(request.State)), ct);
                        Notify("request.preservation-expired", deadline, request, now);
                        break;
                    case DeadlineKind.NonDisclosureEnd:
                        deadline.CompletedAt = now;
                        await RecordAsync(deadline, "request.non-disclosure-ended", request, ct);
                        break;
                    default:
                        deadline.BreachedAt = now;
                        await RecordAsync(deadline, deadline.Kind == DeadlineKind.PostHocValidation ? "sla.validation-overdue" : "sla.breached",
                            request, ct);
                        break;
                }
            }

            deadline.Plan();
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
    }

    private async Task RecordAsync(Deadline deadline, string action, Domain.Requests.EvidenceRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await audit.AppendAsync(db, Actor, ActorRole, ActorTenant, new AuditRecord(
            action, "request", deadline.RequestId.ToString(),
            new { deadlineId = deadline.Id, kind = deadline.Kind, deadline.DueAt, deadline.Source }), ct);
        Notify(action, deadline, request, now);
    }

    /// <summary>
    /// The agency always hears; the provider only about requests it has received, and only of the clocks it keeps
    /// (<see cref="ProviderView"/>): not the agency's deadline to have an emergency order validated.
    /// </summary>
    private void Notify(string topic, Deadline deadline, Domain.Requests.EvidenceRequest request, DateTimeOffset now)
    {
        var payload = new { requestId = deadline.RequestId, request.Reference, deadlineId = deadline.Id, kind = deadline.Kind, deadline.DueAt };
        OutboxEntries.Add(db, topic, OutboxEntries.Agency(request.AgencyId), deadline.RequestId, payload, now);
        if (request.ReleasedToProviderAt is not null && ProviderView.Keeps(deadline.Kind))
        {
            OutboxEntries.Add(db, topic, OutboxEntries.Provider(request.ProviderId), deadline.RequestId, payload, now);
        }
    }
}
