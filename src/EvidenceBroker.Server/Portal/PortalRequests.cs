using System.Text.Json;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Mlat;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Sla;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Portal;

/// <summary>One line of a portal listing, with the clock that runs on it now.</summary>
public sealed record PortalRow(
    Guid Id, string Reference, RequestState State, Outcome? Outcome, LegalInstrument? Channel, string RequestingCountry,
    string AgencyId, string ProviderId, DateTimeOffset FiledAt, DateTimeOffset UpdatedAt, Urgency Urgency, RunningClock Clock)
{
    public DateTimeOffset? Due => Clock.Due;

    public bool ClockPaused => Clock.Paused;

    /// <summary>Where its clock stands, as the page's styles name it ("none", "on-time", "at-risk", "overdue").</summary>
    public string Risk(DateTimeOffset now) => Clock.StandingAt(now) switch
    {
        ClockStanding.OnTime => "on-time",
        ClockStanding.AtRisk => "at-risk",
        ClockStanding.Overdue => "overdue",
        _ => "none",
    };
}

/// <summary>A request as its page shows it: content, decision with every reason, and the audited timeline.</summary>
public sealed record PortalRequest(
    EvidenceRequest Request, Decision? Decision, IReadOnlyList<AuditEntry> Timeline, RunningClock Clock, string? ProviderName, string? AgencyName);

/// <summary>Filters of the oversight search; all optional. <paramref name="Finished"/>: only finished requests, or only open ones.</summary>
public sealed record PortalSearch(
    string? Country = null, string? ProviderId = null, Outcome? Outcome = null, LegalInstrument? Channel = null,
    string? Rule = null, DateOnly? From = null, DateOnly? To = null, RequestState? State = null, bool? Finished = null, bool InMlatBacklog = false);

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
        if (search.Outcome is { } outcome) { query = query.WhoseRouteWas(db, outcome); }
        if (search.Channel is { } channel) { query = query.Where(r => r.Channel == channel); }
        if (search.State is { } state) { query = query.Where(r => r.State == state); }
        if (search.Finished is { } finished) { query = query.Where(r => RequestLifecycle.Finished.Contains(r.State) == finished); }
        if (search.InMlatBacklog) { query = query.Where(r => MlatBacklog.Open(db).Any(d => d.RequestId == r.Id)); }
        if (search.From is { } from)
        {
            var start = WholeDays.Start(from);
            query = query.Where(r => r.FiledAt >= start);
        }

        if (search.To is { } to && WholeDays.End(to) is { } end)
        {
            query = query.Where(r => r.FiledAt < end);
        }

        if (search.Rule is { Length: > 0 } failedRule)
        {
            return await WithFailedRuleAsync(query, failedRule, take, oldestFirst, skip, ct);
        }

        // SQLite cannot order by DateTimeOffset; the id is a version-7 GUID, ordered by time of filing.
        var ordered = oldestFirst ? query.OrderBy(r => r.Id) : query.OrderByDescending(r => r.Id);
        return await RowsAsync(await ordered.Skip(skip).Take(take).Select(Listed).ToListAsync(ct), ct);
    }

    /// <summary>One page of a provider's open requests, in <see cref="ProviderInbox"/>'s order, as its API lists them.</summary>
    public async Task<List<PortalRow>> OpenByDeadlineAsync(Caller caller, int skip, int take, CancellationToken ct)
    {
        var page = await ProviderInbox.Open(db, caller).NearestDeadlineFirst()
            .Skip(skip).Take(take)
            .Select(x => x.Request).Select(Listed)
            .ToListAsync(ct);
        return await RowsAsync(page, ct);
    }

    /// <summary>How many of the caller's requests are in <paramref name="state"/>, counted in the database.</summary>
    public Task<int> CountInStateAsync(Caller caller, RequestState state, CancellationToken ct) =>
        db.RequestsVisibleTo(caller).CountAsync(r => r.State == state, ct);

    /// <summary>How many of a provider's requests are open, at risk and overdue now, counted over every open one.</summary>
    public Task<InboxCounts> OpenCountsAsync(Caller caller, DateTimeOffset now, CancellationToken ct) =>
        ProviderInbox.CountsAsync(db, caller, now, ct);

    /// <summary>
    /// Requests whose decision failed <paramref name="rule"/>: matched in the database over every decision (a filter
    /// after reading would see only the rows read), then confirmed on each decision read, since the pattern also
    /// matches a rule named inside another text.
    /// </summary>
    private async Task<List<PortalRow>> WithFailedRuleAsync(
        IQueryable<EvidenceRequest> query, string rule, int take, bool oldestFirst, int skip, CancellationToken ct)
    {
        if (FailedRulePattern(rule) is not { } pattern)
        {
            return [];
        }

        var joined = from r in query
                     join d in db.Decisions.AsNoTracking() on r.Id equals d.RequestId
                     where EF.Functions.Like(d.DecisionJson, pattern)
                     select new { r.Id, d.DecisionJson };
        var ordered = oldestFirst ? joined.OrderBy(x => x.Id) : joined.OrderByDescending(x => x.Id);
        var failed = new List<Guid>(take);
        foreach (var match in await ordered.Skip(skip).Take(take).ToListAsync(ct))
        {
            if (Parse(match.DecisionJson)?.Reasons.Any(x => x.Rule.Equals(rule, StringComparison.OrdinalIgnoreCase) && x.Status == RuleStatus.Failed) == true)
            {
                failed.Add(match.Id);
            }
        }

        var listed = await query.Where(r => failed.Contains(r.Id)).Select(Listed).ToListAsync(ct);
        return await RowsAsync([.. failed.Join(listed, id => id, r => r.Id, (_, r) => r)], ct);
    }

    /// <summary>What a listing shows of a request: its columns, never its content.</summary>
    private sealed record ListedRequest(
        Guid Id, string Reference, RequestState State, Outcome? Outcome, LegalInstrument? Channel, string RequestingCountry,
        string AgencyId, string ProviderId, DateTimeOffset FiledAt, DateTimeOffset UpdatedAt, Urgency Urgency, DateTimeOffset? ReleasedToProviderAt);

    private static readonly System.Linq.Expressions.Expression<Func<EvidenceRequest, ListedRequest>> Listed = r => new ListedRequest(
        r.Id, r.Reference, r.State, r.Outcome, r.Channel, r.RequestingCountry, r.AgencyId, r.ProviderId, r.FiledAt, r.UpdatedAt, r.Urgency,
        r.ReleasedToProviderAt);

    private async Task<List<PortalRow>> RowsAsync(List<ListedRequest> listed, CancellationToken ct)
    {
        var ids = listed.Select(r => r.Id).ToList();
        var clocks = (await db.Deadlines.AsNoTracking().Where(d => ids.Contains(d.RequestId) && d.CompletedAt == null).ToListAsync(ct))
            .ToLookup(d => d.RequestId);
        var result = new List<PortalRow>(listed.Count);
        foreach (var r in listed)
        {
            result.Add(new PortalRow(r.Id, r.Reference, r.State, r.Outcome, r.Channel, r.RequestingCountry, r.AgencyId, r.ProviderId,
                r.FiledAt, r.UpdatedAt, r.Urgency, RunningClock.On(r.State, r.ReleasedToProviderAt, clocks[r.Id])));
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
            RunningClock.On(request.State, request.ReleasedToProviderAt, open), provider, agency);
    }

    public static Decision? Parse(string? json) =>
        DecisionJsonReader.ReadOrNull(json);
}
