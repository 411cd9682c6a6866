using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Exports;

/// <summary>How a provider answered a request: when it first answered, and its last answer.</summary>
public sealed record ProviderAnswer(DateTimeOffset FirstAt, RequestState Last);

/// <summary>
/// Providers' answers (a production, a partial production, a refusal, an objection) and the route to MLAT, read from the
/// audit trail, not from a request's state or first outcome now: a request answered and then closed by its officer, or
/// produced after an objection, still counts as answered, and when; one a reviewer sent to MLAT went by MLAT.
/// </summary>
public static class ProviderAnswers
{
    public static readonly RequestState[] Answering = [RequestState.Produced, RequestState.PartiallyProduced, RequestState.Refused, RequestState.Objected];

    private static readonly string[] AnsweringNames = [.. Answering.Select(s => Wire.Name(s))];

    /// <summary>The answers to requests filed from <paramref name="filedFrom"/> on (an answer comes after its filing).</summary>
    public static async Task<Dictionary<Guid, ProviderAnswer>> LoadAsync(BrokerDbContext db, DateTimeOffset filedFrom, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var entries = await db.AuditEntries.AsNoTracking()
            .Where(e => e.SubjectType == "request" && e.At >= filedFrom && AnsweringNames.Contains(e.StateAfter!))
            .OrderBy(e => e.Sequence)
            .Select(e => new { e.SubjectId, e.At, e.StateAfter })
            .ToListAsync(ct);
        var answers = new Dictionary<Guid, ProviderAnswer>();
        foreach (var entry in entries)
        {
            if (!Guid.TryParse(entry.SubjectId, out var id) || !Wire.TryParse<RequestState>(entry.StateAfter, out var state))
            {
                continue;
            }

            answers[id] = answers.TryGetValue(id, out var earlier) ? earlier with { Last = state } : new ProviderAnswer(entry.At, state);
        }

        return answers;
    }

    /// <summary>
    /// The requests filed from <paramref name="filedFrom"/> on that went to MLAT, whether the engine sent them or a
    /// reviewer did (the engine's outcome then stays "human review").
    /// </summary>
    public static async Task<HashSet<Guid>> SentToMlatAsync(BrokerDbContext db, DateTimeOffset filedFrom, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var queuedForMlat = Wire.Name(RequestState.QueuedForMlat);
        return Ids(await db.AuditEntries.AsNoTracking()
            .Where(e => e.SubjectType == "request" && e.At >= filedFrom && e.StateAfter == queuedForMlat)
            .Select(e => e.SubjectId).ToListAsync(ct));
    }

    /// <summary>
    /// The requests filed from <paramref name="filedFrom"/> on whose preservation the agency turned into a production
    /// order: they were filed as preservations (the content keeps saying so) and became production orders.
    /// </summary>
    public static async Task<HashSet<Guid>> ConvertedToProductionAsync(BrokerDbContext db, DateTimeOffset filedFrom, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var converted = RequestActions.AuditActionOf(RequestTrigger.ConvertToProduction);
        return Ids(await db.AuditEntries.AsNoTracking()
            .Where(e => e.SubjectType == "request" && e.At >= filedFrom && e.Action == converted)
            .Select(e => e.SubjectId).ToListAsync(ct));
    }

    private static HashSet<Guid> Ids(List<string> subjects) => [.. subjects.Select(id => Guid.TryParse(id, out var parsed) ? parsed : Guid.Empty)];
}
