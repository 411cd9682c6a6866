using System.Globalization;
using System.Text;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EvidenceBroker.Server.Portal.Pages.Oversight;

public sealed record Bar(string Label, int Count, int Percent, string Tone);

/// <summary>
/// Outcomes and SLA compliance, as bars with their numbers written out, and the same figures as a CSV report
/// per requesting country (the counts transparency reports publish).
/// </summary>
public sealed class StatisticsModel(PortalRequests requests, TimeProvider clock) : PageModel
{
    public List<Bar> Outcomes { get; private set; } = [];
    public List<Bar> Sla { get; private set; } = [];
    public List<Bar> Countries { get; private set; } = [];
    public int Total { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var rows = await LoadAsync(ct);
        var now = clock.GetUtcNow();
        Total = rows.Count;
        Outcomes = [.. Enum.GetValues<Outcome>().Select(o => MakeBar(PortalText.Outcome(o), rows.Count(r => r.Outcome == o), Total, Errors.Wire.Name(o)))];

        // Only requests whose clock is running count here; finished ones have no countdown.
        var withDue = rows.Where(r => r.Due is not null).ToList();
        var overdue = withDue.Count(r => r.Due < now);
        var atRisk = withDue.Count(r => r.Risk(now) == "at-risk");
        var onTime = withDue.Count - overdue - atRisk;
        Sla =
        [
            MakeBar("On time", onTime, withDue.Count, "good"),
            MakeBar("At risk", atRisk, withDue.Count, "wait"),
            MakeBar("Overdue", overdue, withDue.Count, "bad"),
        ];
        Countries = [.. rows.GroupBy(r => r.RequestingCountry).OrderByDescending(g => g.Count()).Take(12)
            .Select(g => MakeBar(g.Key, g.Count(), Total, "info"))];
    }

    public async Task<IActionResult> OnGetReportAsync(CancellationToken ct)
    {
        var rows = await LoadAsync(ct);
        var csv = new StringBuilder("requesting_country,requests,direct,mlat,human_review,rejected,emergency,preservation\n");
        foreach (var g in rows.GroupBy(r => r.RequestingCountry).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            csv.Append(CultureInfo.InvariantCulture, $"{g.Key},{g.Count()},{g.Count(r => r.Outcome == Outcome.Direct)},{g.Count(r => r.Outcome == Outcome.Mlat)},")
                .Append(CultureInfo.InvariantCulture, $"{g.Count(r => r.Outcome == Outcome.HumanReview)},{g.Count(r => r.Outcome == Outcome.Rejected)},")
                .Append(CultureInfo.InvariantCulture, $"{g.Count(r => r.Urgency == Urgency.Emergency)},{g.Count(r => r.Urgency == Urgency.Preservation)}\n");
        }

        return File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv", "evidence-broker-report.csv");
    }

    private Task<List<PortalRow>> LoadAsync(CancellationToken ct) =>
        requests.ListAsync(Caller.From(User)!, new PortalSearch(), ct, take: 10_000);

    private static Bar MakeBar(string label, int count, int total, string tone) =>
        new(label, count, total == 0 ? 0 : (int)Math.Round(count * 20.0 / total) * 5, tone);
}
