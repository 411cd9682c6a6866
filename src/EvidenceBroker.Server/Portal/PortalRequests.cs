using System.Text.Json;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Routing;
using Microsoft.EntityFrameworkCore;
using OpenDeadline = EvidenceBroker.Server.Sla.Deadline;
using OpenDeadlineKind = EvidenceBroker.Server.Sla.DeadlineKind;

namespace EvidenceBroker.Server.Portal;

/// <summary>One line of a portal listing, with the deadline that matters for it now.</summary>
public sealed record PortalRow(
    Guid Id, string Reference, RequestState State, Outcome? Outcome, LegalInstrument? Channel, string RequestingCountry,
    string AgencyId, string ProviderId, DateTimeOffset FiledAt, DateTimeOffset UpdatedAt, Urgency Urgency, DateTimeOffset? Due,
    bool ClockPaused)
{
    /// <summary>At risk: less than a fifth of the time left, or under 24 hours.</summary>
    public string Risk(DateTimeOffset now) =>
        Due is not { } due || PortalText.IsFinished(State) ? "none"
        : due < now ? "overdue"
        : due - now < TimeSpan.FromHours(24) || (due - now).Ticks < (due - FiledAt).Ticks / 5 ? "at-risk"
        : "on-time";
}

/// <summary>A request as its page shows it: content, decision with every reason, and the audited timeline.</summary>
public sealed record PortalRequest(
    EvidenceRequest Request, Decision? Decision, IReadOnlyList<AuditEntry> Timeline, RunningClock Clock, string? ProviderName, string? AgencyName);

/// <summary>
/// The clock that runs on a request now, as the SLA sweep keeps it: extensions moved its due date, and while a
/// clarification is open it is paused (no due date then: the time left is frozen until the answer moves it).
/// </summary>
public readonly record struct RunningClock(DateTimeOffset? Due, bool Paused)
{
    public static RunningClock None => default;
}

/// <summary>Filters of the oversight search; all optional. <paramref name="Finished"/>: only finished requests, or only open ones.</summary>
public sealed record PortalSearch(
    string? Country = null, string? ProviderId = null, Outcome? Outcome = null, LegalInstrument? Channel = null,
    string? Rule = null, DateOnly? From = null, DateOnly? To = null, RequestState? State = null, bool? Finished = null);

/// <summary>
/// Read side of the portal. Every query starts from <see cref="RequestVisibility.RequestsVisibleTo"/>, so a page can
/// only ever show what the API would show the same tenant.
/// </summary>
public sealed class PortalRequests(BrokerDbContext db)
{
    public const int PageSize = 50;

    /// <summary>
    /// The newest <paramref name="take"/> requests matching <paramref name="search"/> (or the oldest, with
    /// <paramref name="oldestFirst"/>), after the first <paramref name="skip"/>.
    /// </summary>
    public async Task<List<PortalRow>> ListAsync(
        Caller caller, PortalSearch search, CancellationToken ct, int take = PageSize, bool oldestFirst = false, int skip = 0)
    {
        var query = db.RequestsVisibleTo(caller).AsNoTracking();
        if (search.Country is { Length: > 0 } country) { query = query.Where(r => r.RequestingCountry == country); }
        if (search.ProviderId is { Length: > 0 } provider) { query = query.Where(r => r.ProviderId == provider); }
        if (search.Outcome is { } outcome) { query = query.Where(r => r.Outcome == outcome); }
        if (search.Channel is { } channel) { query = query.Where(r => r.Channel == channel); }
        if (search.State is { } state) { query = query.Where(r => r.State == state); }
        if (search.Finished is { } finished) { query = query.Where(r => PortalText.Finished.Contains(r.State) == finished); }
        if (search.From is { } from)
        {
            var start = WholeDays.Start(from);
            query = query.Where(r => r.FiledAt >= start);
        }

        if (search.To is { } to && WholeDays.End(to) is { } end)
        {
            query = query.Where(r => r.FiledAt < end);
        }

        var joined = from r in query
                     join d in db.Decisions.AsNoTracking() on r.Id equals d.RequestId into ds
                     from d in ds.DefaultIfEmpty()
                     select new { Request = r, DecisionJson = d == null ? null : d.DecisionJson };

        if (search.Rule is { Length: > 0 } failedRule)
        {
            // In the database, over every decision: a filter after reading would see only the rows read.
            if (FailedRulePattern(failedRule) is not { } pattern)
            {
                return [];
            }

            joined = joined.Where(x => x.DecisionJson != null && EF.Functions.Like(x.DecisionJson, pattern));
        }

        // SQLite cannot order by DateTimeOffset; the id is a version-7 GUID, ordered by time of filing.
        var ordered = oldestFirst ? joined.OrderBy(x => x.Request.Id) : joined.OrderByDescending(x => x.Request.Id);
        var rows = await ordered.Skip(skip).Take(take).ToListAsync(ct);
        var ids = rows.Select(x => x.Request.Id).ToList();
        var clocks = (await db.Deadlines.AsNoTracking().Where(d => ids.Contains(d.RequestId) && d.CompletedAt == null).ToListAsync(ct))
            .ToLookup(d => d.RequestId);
        var result = new List<PortalRow>(rows.Count);
        foreach (var row in rows)
        {
            var decision = Parse(row.DecisionJson);
            if (search.Rule is { Length: > 0 } rule
                && decision?.Reasons.Any(x => x.Rule.Equals(rule, StringComparison.OrdinalIgnoreCase) && x.Status == RuleStatus.Failed) != true)
            {
                continue;
            }

            var r = row.Request;
            var clock = ClockOf(r, clocks[r.Id]);
            result.Add(new PortalRow(r.Id, r.Reference, r.State, r.Outcome, r.Channel, r.RequestingCountry, r.AgencyId, r.ProviderId,
                r.FiledAt, r.UpdatedAt, r.Content.Urgency, clock.Due, clock.Paused));
            if (result.Count == take)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>
    /// How a failed rule reads in a stored decision (<see cref="DecisionJson.Compact"/> writes a reason's rule, then its
    /// status), as a LIKE pattern; null for text that is no rule's id, which no decision fails.
    /// </summary>
    private static string? FailedRulePattern(string rule) =>
        rule.Length <= 10 && rule.All(char.IsAsciiLetterOrDigit)
            ? $"%\"rule\":\"{rule.ToUpperInvariant()}\",\"status\":\"{Wire.Name(RuleStatus.Failed)}\"%"
            : null;

    public async Task<PortalRequest?> FindAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var request = await db.RequestsVisibleTo(caller).AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (request is null)
        {
            return null;
        }

        var decision = Parse(await db.Decisions.AsNoTracking().Where(d => d.RequestId == id).Select(d => d.DecisionJson).SingleOrDefaultAsync(ct));
        var key = id.ToString();
        var timeline = await db.AuditEntries.AsNoTracking()
            .Where(e => e.SubjectType == "request" && e.SubjectId == key)
            .OrderBy(e => e.Sequence).ToListAsync(ct);
        var provider = await db.Providers.AsNoTracking().Where(p => p.Id == request.ProviderId).Select(p => p.Name).SingleOrDefaultAsync(ct);
        var agency = await db.Agencies.AsNoTracking().Where(a => a.Id == request.AgencyId).Select(a => a.Name).SingleOrDefaultAsync(ct);
        var open = await db.Deadlines.AsNoTracking().Where(d => d.RequestId == id && d.CompletedAt == null).ToListAsync(ct);
        return new PortalRequest(request, decision, ProviderView.IsFor(caller) ? ProviderView.Events(timeline) : timeline,
            ClockOf(request, open), provider, agency);
    }

    public static Decision? Parse(string? json) =>
        DecisionJsonReader.ReadOrNull(json);

    /// <summary>
    /// The clock that runs now, from the request's open (not completed) deadlines: the provider's answer (or the preservation period)
    /// once released, the MLAT planning figure while queued. None for requests that are finished or waiting on the
    /// broker's side.
    /// </summary>
    public static RunningClock ClockOf(EvidenceRequest request, IEnumerable<OpenDeadline> open)
    {
        if (PortalText.IsFinished(request.State))
        {
            return RunningClock.None;
        }

        OpenDeadlineKind kind;
        if (request.State == RequestState.QueuedForMlat)
        {
            kind = OpenDeadlineKind.MlatPlanning;
        }
        else if (request.ReleasedToProviderAt is null)
        {
            return RunningClock.None;
        }
        else
        {
            kind = request.State is RequestState.PreservationActive or RequestState.PreservationExtended
                ? OpenDeadlineKind.Preservation
                : OpenDeadlineKind.Response;
        }

        return open.Where(d => d.Kind == kind).MinBy(d => d.DueAt) switch
        {
            null => RunningClock.None,
            { PausedAt: not null } => new RunningClock(null, Paused: true),
            var running => new RunningClock(running.DueAt, Paused: false),
        };
    }
}
