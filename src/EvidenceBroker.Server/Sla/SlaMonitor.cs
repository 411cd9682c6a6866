using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Errors;
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
public sealed class SlaMonitor(BrokerDbContext db, AuditTrail audit, DeadlineMarks marks, TimeProvider clock)
{
    public const string Actor = DeadlineMarks.Actor;
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
            await marks.StampRemindersAsync(db, deadline, request, now, ct);
            if (now >= deadline.DueAt)
            {
                switch (deadline.Kind)
                {
                    case DeadlineKind.Preservation when request.CanFire(RequestTrigger.ExpirePreservation):
                        var before = request.State;
                        request.Fire(RequestTrigger.ExpirePreservation, now);
                        deadline.CompletedAt = now;
                        await audit.AppendAsync(db, Actor, AuditTrail.SystemRole, AuditTrail.SystemTenant, new AuditRecord(
                            "request.expire-preservation", "request", request.Id.ToString(), new { deadlineId = deadline.Id, deadline.DueAt },
                            Wire.Name(before), Wire.Name(request.State)), ct);
                        DeadlineMarks.Notify(db, "request.preservation-expired", deadline, request, now);
                        break;
                    case DeadlineKind.NonDisclosureEnd:
                        deadline.CompletedAt = now;
                        await marks.RecordAsync(db, deadline, "request.non-disclosure-ended", request, now, ct);
                        break;
                    case DeadlineKind.EnforcingStateObjection:
                        deadline.CompletedAt = now;
                        await marks.RecordAsync(db, deadline, "request.objection-period-ended", request, now, ct);
                        break;
                    case DeadlineKind.Preservation:
                        // The request has left the states a preservation expires from (every way out ends this clock, so
                        // this is a guard): its period is over, and nothing is missed.
                        deadline.CompletedAt = now;
                        break;
                    default:
                        await marks.StampBreachAsync(db, deadline, request, now, ct);
                        break;
                }
            }

            deadline.Plan();
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
    }
}
