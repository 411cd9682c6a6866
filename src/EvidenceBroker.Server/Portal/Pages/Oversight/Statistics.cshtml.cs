using System.Globalization;
using System.Text;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Exports;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Sla;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Portal.Pages.Oversight;

public sealed record Bar(string Label, int Count, int Percent, string Tone);

/// <summary>
/// Outcomes and SLA compliance, as bars with their numbers written out, and the same figures as a CSV report
/// per requesting country: the broker's decisions on every request filed, those it rejected included. Not what providers
/// received, which the transparency report counts (only requests released to a provider or sent to it by MLAT).
/// </summary>
public sealed class StatisticsModel(PortalRequests requests, BrokerDbContext db, TimeProvider clock) : PageModel
{
    /// <summary>Running clocks are read for at most this many open requests, the oldest (likeliest overdue); the page says when there are more.</summary>
    public const int OpenClocksRead = 10_000;

    private sealed record Count(string Country, Outcome? Outcome, Urgency Urgency, int Requests);

    public List<Bar> Outcomes { get; private set; } = [];
    public List<Bar> Sla { get; private set; } = [];
    public List<Bar> Countries { get; private set; } = [];
    public int Total { get; private set; }

    public bool MoreOpen { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var counts = await CountsAsync(ct);
        var now = clock.GetUtcNow();
        Total = counts.Sum(c => c.Requests);
        Outcomes = [.. Enum.GetValues<Outcome>().Select(o => MakeBar(PortalText.Outcome(o), counts.Where(c => c.Outcome == o).Sum(c => c.Requests), Total, Errors.Wire.Name(o)))];

        // Only requests whose clock is running count here; finished ones have no countdown.
        var open = await requests.ListAsync(Caller.From(User)!, new PortalSearch(Finished: false), ct, take: OpenClocksRead + 1, oldestFirst: true);
        MoreOpen = open.Count > OpenClocksRead;
        var withDue = open.Take(OpenClocksRead).Where(r => r.Due is not null).ToList();
        var standings = withDue.Select(r => r.Clock.StandingAt(now)).ToList();
        var overdue = standings.Count(s => s == ClockStanding.Overdue);
        var atRisk = standings.Count(s => s == ClockStanding.AtRisk);
        var onTime = withDue.Count - overdue - atRisk;
        Sla =
        [
            MakeBar("On time", onTime, withDue.Count, "good"),
            MakeBar("At risk", atRisk, withDue.Count, "wait"),
            MakeBar("Overdue", overdue, withDue.Count, "bad"),
        ];
        Countries = [.. counts.GroupBy(c => c.Country).Select(g => (g.Key, Requests: g.Sum(c => c.Requests))).OrderByDescending(g => g.Requests).Take(12)
            .Select(g => MakeBar(g.Key, g.Requests, Total, "info"))];
    }

    /// <summary>The figures as CSV; its download is recorded with its hash, as every report's is.</summary>
    public async Task<IActionResult> OnGetReportAsync([FromServices] DocumentDownloads downloads, CancellationToken ct)
    {
        if (this.RefuseHead() is { } head)
        {
            return head;
        }

        var counts = await CountsAsync(ct);
        var csv = new StringBuilder("requesting_country,requests,direct,mlat,human_review,rejected,emergency,preservation\n");
        foreach (var g in counts.GroupBy(c => c.Country).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            int Of(Func<Count, bool> which) => g.Where(which).Sum(c => c.Requests);
            csv.Append(CultureInfo.InvariantCulture, $"{g.Key},{Of(_ => true)},{Of(c => c.Outcome == Outcome.Direct)},{Of(c => c.Outcome == Outcome.Mlat)},")
                .Append(CultureInfo.InvariantCulture, $"{Of(c => c.Outcome == Outcome.HumanReview)},{Of(c => c.Outcome == Outcome.Rejected)},")
                .Append(CultureInfo.InvariantCulture, $"{Of(c => c.Urgency == Urgency.Emergency)},{Of(c => c.Urgency == Urgency.Preservation)}\n");
        }

        const string name = "evidence-broker-report.csv";
        var bytes = Encoding.UTF8.GetBytes(csv.ToString());
        await downloads.RecordAsync(Caller.From(User)!, DocumentDownloads.Export, "statistics", name, bytes, ct);
        return File(bytes, "text/csv", name);
    }

    /// <summary>Every visible request counted, none left out, by the database.</summary>
    private async Task<List<Count>> CountsAsync(CancellationToken ct) =>
        await db.RequestsVisibleTo(Caller.From(User)!)
            .GroupBy(r => new { r.RequestingCountry, r.Outcome, r.Urgency })
            .Select(g => new Count(g.Key.RequestingCountry, g.Key.Outcome, g.Key.Urgency, g.Count()))
            .ToListAsync(ct);

    private static Bar MakeBar(string label, int count, int total, string tone) =>
        new(label, count, total == 0 ? 0 : (int)Math.Round(count * 20.0 / total) * 5, tone);
}
