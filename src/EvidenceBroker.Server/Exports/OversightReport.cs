using System.Globalization;
using System.Text.Json;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Exports.Pdf;
using EvidenceBroker.Server.Mlat;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Routing;
using EvidenceBroker.Server.Sla;
using Microsoft.EntityFrameworkCore;
using SkiaSharp;

namespace EvidenceBroker.Server.Exports;

/// <summary>The period (filing dates, inclusive) and filters of an oversight report.</summary>
public sealed record OversightReportParameters(
    DateOnly From,
    DateOnly To,
    string? RequestingCountry = null,
    string? ProviderId = null,
    LegalInstrument? Channel = null,
    Outcome? Outcome = null);

/// <summary>Counts of one group (a country, a provider, a channel, an outcome).</summary>
public sealed record GroupTotals(string Key, long Requests, long Direct, long Mlat, long HumanReview, long Rejected);

/// <summary>
/// Released requests by their response clock: answered in time or late, still open (in time, overdue), or ended without
/// an answer (withdrawn, closed, converted). Preservation orders have no answer due and are in none of these.
/// </summary>
public sealed record SlaFigures(
    long Released, long Met, long Missed, long OpenInTime, long Overdue, long EndedUnanswered,
    TimeSpan? MedianToDecision, TimeSpan? MedianToRelease, TimeSpan? MedianToResponse);

public sealed record AgeingBucket(string Label, long Requests);

public sealed record OversightReportData(
    OversightReportParameters Parameters,
    long Total,
    IReadOnlyList<GroupTotals> ByCountry,
    IReadOnlyList<GroupTotals> ByProvider,
    IReadOnlyList<GroupTotals> ByChannel,
    IReadOnlyList<GroupTotals> ByOutcome,
    SlaFigures Sla,
    IReadOnlyList<AgeingBucket> MlatBacklog,
    DateTimeOffset GeneratedAt);

/// <summary>
/// Reads only the columns the report needs, once, without tracking. Deadline figures come from each request's stored
/// response clock, as it ran (paused for clarification, extended, stopped), and answers from the audit trail.
/// </summary>
public static class OversightReportQuery
{
    private sealed record Row(
        Guid Id, string Country, string Provider, LegalInstrument? Channel, Outcome? Outcome,
        DateTimeOffset FiledAt, DateTimeOffset? ReleasedAt, DateTimeOffset? DecidedAt);

    private sealed record Clock(Guid RequestId, DateTimeOffset DueAt, DateTimeOffset? PausedAt, DateTimeOffset? BreachedAt, DateTimeOffset? CompletedAt);

    public static async Task<OversightReportData> BuildAsync(
        BrokerDbContext db, OversightReportParameters parameters, DateTimeOffset now, ReportProgress? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(parameters);
        var from = WholeDays.Start(parameters.From);
        var requests = db.Requests.AsNoTracking().Where(r => r.FiledAt >= from);
        if (WholeDays.End(parameters.To) is { } to) { requests = requests.Where(r => r.FiledAt < to); }
        if (parameters.RequestingCountry is { } country) { requests = requests.Where(r => r.RequestingCountry == country); }
        if (parameters.ProviderId is { } provider) { requests = requests.Where(r => r.ProviderId == provider); }
        if (parameters.Channel is { } channel) { requests = requests.Where(r => r.Channel == channel); }

        await progress.ReportAsync(10, "reading requests");
        var rows = await (
                from r in requests
                join d in db.Decisions on r.Id equals d.RequestId into decisions
                from d in decisions.DefaultIfEmpty()
                select new Row(r.Id, r.RequestingCountry, r.ProviderId, r.Channel, r.Outcome, r.FiledAt, r.ReleasedToProviderAt,
                    d == null ? null : d.DecidedAt))
            .ToListAsync(ct);

        await progress.ReportAsync(45, "reading deadlines and answers");
        var clocks = (await (
                from r in requests
                join d in db.Deadlines on r.Id equals d.RequestId
                where d.Kind == DeadlineKind.Response
                select new Clock(d.RequestId, d.DueAt, d.PausedAt, d.BreachedAt, d.CompletedAt))
            .ToListAsync(ct))
            .GroupBy(c => c.RequestId)
            .ToDictionary(g => g.Key, g => g.OrderBy(c => c.DueAt).Last());
        var answers = await ProviderAnswers.LoadAsync(db, from, ct);

        // The MLAT backlog is the treaty requests still open (drafted, or sent and not yet executed or refused), aged from
        // their drafting, as /api/v1/mlat/backlog counts them: the request stays queued for MLAT after its MLAT ends.
        var openMlat = await (
                from r in requests
                join m in MlatBacklog.Open(db) on r.Id equals m.RequestId
                select new { m.RequestId, m.DraftedAt })
            .ToDictionaryAsync(m => m.RequestId, m => m.DraftedAt, ct);

        // Outcomes as the requests went: one a reviewer sent to MLAT counts as MLAT, as in the MLAT backlog below; and
        // the outcome filter selects by that route, so the filter and the tables it heads say the same thing.
        var toMlat = await ProviderAnswers.SentToMlatAsync(db, from, ct);
        rows = [.. rows.Select(r => toMlat.Contains(r.Id) ? r with { Outcome = Outcome.Mlat } : r)];
        if (parameters.Outcome is { } outcome)
        {
            rows = [.. rows.Where(r => r.Outcome == outcome)];
        }

        await progress.ReportAsync(70, "aggregating");
        long met = 0, missed = 0, openInTime = 0, overdue = 0, ended = 0, released = 0;
        var toDecision = new List<TimeSpan>();
        var toRelease = new List<TimeSpan>();
        var toResponse = new List<TimeSpan>();
        var ageing = new long[5];
        foreach (var row in rows)
        {
            if (row.DecidedAt is { } decidedAt) { toDecision.Add(decidedAt - row.FiledAt); }
            if (openMlat.TryGetValue(row.Id, out var draftedAt)) { ageing[AgeBucket(now - draftedAt)]++; }
            if (row.ReleasedAt is not { } releasedAt) { continue; }

            released++;
            toRelease.Add(releasedAt - row.FiledAt);
            var answer = answers.GetValueOrDefault(row.Id);
            if (answer is not null) { toResponse.Add(answer.FirstAt - releasedAt); }
            if (!clocks.TryGetValue(row.Id, out var clock)) { continue; }

            // Late if the sweep saw the clock run out, or the answer came after its due time before the sweep looked.
            if (answer is not null) { if (clock.BreachedAt is null && answer.FirstAt <= clock.DueAt) { met++; } else { missed++; } }
            else if (clock.CompletedAt is not null) { ended++; }
            else if (clock.BreachedAt is not null || (clock.PausedAt is null && now >= clock.DueAt)) { overdue++; }
            else { openInTime++; }
        }

        var data = new OversightReportData(
            parameters,
            rows.Count,
            Group(rows, r => r.Country),
            Group(rows, r => r.Provider),
            Group(rows, r => Formatting.Name(r.Channel, "none")),
            Group(rows, r => Formatting.Name(r.Outcome, "undecided")),
            new SlaFigures(released, met, missed, openInTime, overdue, ended, Formatting.Median(toDecision), Formatting.Median(toRelease), Formatting.Median(toResponse)),
            [new("< 30 days", ageing[0]), new("30–89 days", ageing[1]), new("90–179 days", ageing[2]), new("180–364 days", ageing[3]), new("≥ 365 days", ageing[4])],
            now);
        await progress.ReportAsync(80, "rendering");
        return data;
    }

    private static int AgeBucket(TimeSpan age) => age.TotalDays switch
    {
        < 30 => 0,
        < 90 => 1,
        < 180 => 2,
        < 365 => 3,
        _ => 4,
    };

    private static List<GroupTotals> Group(List<Row> rows, Func<Row, string> key) =>
    [
        .. rows.GroupBy(key, StringComparer.Ordinal)
            .Select(g => new GroupTotals(g.Key, g.LongCount(), g.LongCount(r => r.Outcome == Outcome.Direct), g.LongCount(r => r.Outcome == Outcome.Mlat),
                g.LongCount(r => r.Outcome == Outcome.HumanReview), g.LongCount(r => r.Outcome == Outcome.Rejected)))
            .OrderByDescending(g => g.Requests).ThenBy(g => g.Key, StringComparer.Ordinal),
    ];
}

public static class OversightReportDocument
{
    public static byte[] Render(OversightReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var p = data.Parameters;
        var period = $"{Formatting.Date(p.From)} – {Formatting.Date(p.To)}";
        var filters = string.Join(", ", new[]
        {
            p.RequestingCountry is null ? null : $"country {p.RequestingCountry}",
            p.ProviderId is null ? null : $"provider {p.ProviderId}",
            p.Channel is null ? null : $"channel {Formatting.Name(p.Channel.Value)}",
            p.Outcome is null ? null : $"outcome {Formatting.Name(p.Outcome.Value)}",
        }.Where(f => f is not null));
        using var pdf = new PdfLayout();
        pdf.Title("Oversight report", $"Requests filed {period}" + (filters.Length > 0 ? $" · {filters}" : " · all countries, providers, channels and outcomes") +
                                      $" · generated {Formatting.Time(data.GeneratedAt)}");

        pdf.Heading("1. Totals");
        var byOutcome = data.ByOutcome.ToDictionary(g => g.Key, g => g.Requests, StringComparer.Ordinal);
        long Of(string outcome) => byOutcome.GetValueOrDefault(outcome);
        pdf.Fields(
        [
            ("Requests filed", Formatting.Count(data.Total)),
            ("Direct", $"{Formatting.Count(Of("direct"))} ({Formatting.Percent(Of("direct"), data.Total)})"),
            ("MLAT", $"{Formatting.Count(Of("mlat"))} ({Formatting.Percent(Of("mlat"), data.Total)})"),
            ("Human review", $"{Formatting.Count(Of("human-review"))} ({Formatting.Percent(Of("human-review"), data.Total)})"),
            ("Rejected", $"{Formatting.Count(Of("rejected"))} ({Formatting.Percent(Of("rejected"), data.Total)})"),
        ]);
        pdf.BarChart("Requests by outcome", Bars(data.ByOutcome, data.Total), new SKColor(0x2E, 0x7D, 0x5B));

        Section(pdf, "2. By requesting country", "Country", data.ByCountry, data.Total);
        Section(pdf, "3. By provider", "Provider", data.ByProvider, data.Total);
        Section(pdf, "4. By channel", "Channel", data.ByChannel, data.Total);

        pdf.Heading("5. Deadlines (SLA)");
        var sla = data.Sla;
        var closed = sla.Met + sla.Missed;
        pdf.Fields(
        [
            ("Released to providers", Formatting.Count(sla.Released)),
            ("Answered within deadline", $"{Formatting.Count(sla.Met)} of {Formatting.Count(closed)} answered ({Formatting.Percent(sla.Met, closed)})"),
            ("Answered late", Formatting.Count(sla.Missed)),
            ("Open, within deadline", Formatting.Count(sla.OpenInTime)),
            ("Open, overdue", Formatting.Count(sla.Overdue)),
            ("Ended without an answer", Formatting.Count(sla.EndedUnanswered)),
            ("Median filed → decided", Formatting.Duration(sla.MedianToDecision)),
            ("Median filed → released", Formatting.Duration(sla.MedianToRelease)),
            ("Median released → answer", Formatting.Duration(sla.MedianToResponse)),
        ]);
        pdf.BarChart("Released requests by deadline status",
        [
            new("answered in time", sla.Met, Formatting.Count(sla.Met)),
            new("answered late", sla.Missed, Formatting.Count(sla.Missed)),
            new("open, in time", sla.OpenInTime, Formatting.Count(sla.OpenInTime)),
            new("open, overdue", sla.Overdue, Formatting.Count(sla.Overdue)),
            new("ended, no answer", sla.EndedUnanswered, Formatting.Count(sla.EndedUnanswered)),
        ], new SKColor(0xB0, 0x6A, 0x12));
        pdf.Paragraph("Each request's response deadline as it ran: from the release to the provider, paused while a question for the " +
                      "agency was open, and extended where the rules allow. An answer is the provider's first production, partial " +
                      "production, refusal or objection, whatever happened to the request afterwards. A request withdrawn, closed or " +
                      "converted before any answer ended without one. Preservation orders have no answer due and are counted only as released.",
                      PdfStyle.Small);

        pdf.Heading("6. MLAT backlog ageing");
        var backlog = data.MlatBacklog.Sum(b => b.Requests);
        pdf.Paragraph($"{Formatting.Count(backlog)} requests of this period have an MLAT request still open (drafted, or sent and not yet " +
                      $"executed or refused), by the time since it was drafted, on {Formatting.Time(data.GeneratedAt)}.");
        pdf.BarChart("Open MLAT requests, by time since drafted", [.. data.MlatBacklog.Select(b => new PdfBar(b.Label, b.Requests, Formatting.Count(b.Requests)))],
            new SKColor(0x8E, 0x3B, 0x46));

        return pdf.Render(new PdfInfo("Oversight report " + period, "Oversight report", "Evidence Broker", "oversight; statistics; SLA; MLAT",
            $"Oversight report {period} · generated {Formatting.Time(data.GeneratedAt)}", data.GeneratedAt));
    }

    private static List<PdfBar> Bars(IReadOnlyList<GroupTotals> groups, long total) =>
        [.. groups.Take(12).Select(g => new PdfBar(g.Key, g.Requests, $"{Formatting.Count(g.Requests)} · {Formatting.Percent(g.Requests, total)}"))];

    private static void Section(PdfLayout pdf, string title, string what, IReadOnlyList<GroupTotals> groups, long total)
    {
        pdf.Heading(title);
        pdf.BarChart($"Requests by {what.ToLowerInvariant()} (largest 12)", Bars(groups, total));
        pdf.Table(
            [new(what, 2f), new("Requests", 1f, PdfAlign.Right), new("Share", 0.9f, PdfAlign.Right), new("Direct", 0.9f, PdfAlign.Right),
             new("MLAT", 0.9f, PdfAlign.Right), new("Review", 0.9f, PdfAlign.Right), new("Rejected", 0.9f, PdfAlign.Right)],
            groups.Select(g => (IReadOnlyList<string>)
            [
                g.Key, Formatting.Count(g.Requests), Formatting.Percent(g.Requests, total), Formatting.Percent(g.Direct, g.Requests),
                Formatting.Percent(g.Mlat, g.Requests), Formatting.Percent(g.HumanReview, g.Requests), Formatting.Percent(g.Rejected, g.Requests),
            ]));
    }
}
