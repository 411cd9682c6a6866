using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Exports.Pdf;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Exports;

/// <summary>A half-year, written 2026-H2.</summary>
public readonly record struct HalfYear(int Year, int Half)
{
    /// <summary>The last year a report may cover: far beyond any filing, and short of the calendar's end.</summary>
    public const int LastYear = 2199;

    [JsonIgnore]
    public DateTimeOffset Start => new(Year, Half == 1 ? 1 : 7, 1, 0, 0, 0, TimeSpan.Zero);
    [JsonIgnore]
    public DateTimeOffset End => Half == 1 ? new(Year, 7, 1, 0, 0, 0, TimeSpan.Zero) : new(Year + 1, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year}-H{Half}");

    public static bool TryParse(string? text, out HalfYear period)
    {
        period = default;
        if (text is not { Length: 7 } || text[4] != '-' || text[5] is not ('H' or 'h') || text[6] is not ('1' or '2')
            || !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year is < 2000 or > LastYear)
        {
            return false;
        }

        period = new HalfYear(year, text[6] - '0');
        return true;
    }
}

public enum TransparencyFormat
{
    Pdf,
    Csv,
}

public sealed record TransparencyReportParameters(HalfYear Period, string? RequestingCountry, TransparencyFormat Format);

/// <summary>
/// One line in the shape providers publish (Google, Microsoft): requests, accounts specified, legal process by
/// type including emergency and preservation, the share with some data produced, and what was disclosed.
/// </summary>
public sealed record TransparencyRow(
    string Country,
    string Provider,
    long Requests,
    long Accounts,
    long Production,
    long Emergency,
    long Preservation,
    long Mlat,
    long SomeDataProduced,
    long Content,
    long NonContent,
    long NoData,
    long Rejected)
{
    public string SomeDataShare => Formatting.Percent(SomeDataProduced, Requests);
}

public sealed record TransparencyReportData(TransparencyReportParameters Parameters, IReadOnlyList<TransparencyRow> Rows, TransparencyRow Total, DateTimeOffset GeneratedAt);

public static class TransparencyReportQuery
{
    public static async Task<TransparencyReportData> BuildAsync(BrokerDbContext db, TransparencyReportParameters parameters, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(parameters);
        var start = parameters.Period.Start;
        var end = parameters.Period.End;
        var query = db.Requests.AsNoTracking().Where(r => r.FiledAt >= start && r.FiledAt < end);
        if (parameters.RequestingCountry is { } country)
        {
            query = query.Where(r => r.RequestingCountry == country);
        }

        // What the provider answered, not what became of the request afterwards: produced and then closed is produced.
        // And the route it took: a request a reviewer sent to MLAT went by MLAT, whatever the engine first said.
        var answers = await ProviderAnswers.LoadAsync(db, start, ct);
        var toMlat = await ProviderAnswers.SentToMlatAsync(db, start, ct);
        // A preservation the agency turned into a production order counts as the production order it became.
        var converted = await ProviderAnswers.ConvertedToProductionAsync(db, start, ct);

        // What the provider received, as its own view of requests has it (released to it), and what went to it by
        // treaty instead, under "via MLAT". A request rejected, withdrawn or still held before its release never reached
        // it, and a provider's report does not count it. (No request goes to MLAT after its release: the two are apart.)
        var released = await query.Where(RequestVisibility.ReleasedToProvider).Select(r => r.Id).ToHashSetAsync(ct);

        // Streamed: each request's content (up to a hundred identifiers and a long justification) is read, reduced to
        // what the report counts and let go, so that a half-year's requests are never all in memory at once.
        var requests = new List<(string RequestingCountry, string ProviderId, ReportItem Item)>();
        await foreach (var r in query.Select(r => new { r.Id, r.RequestingCountry, r.ProviderId, r.State, r.Outcome, r.Content }).AsAsyncEnumerable().WithCancellation(ct))
        {
            if (!released.Contains(r.Id) && !toMlat.Contains(r.Id))
            {
                continue;
            }

            requests.Add((r.RequestingCountry, r.ProviderId, new ReportItem(
                answers.TryGetValue(r.Id, out var answer) ? answer.Last : r.State, toMlat.Contains(r.Id) ? Outcome.Mlat : r.Outcome,
                converted.Contains(r.Id) ? Urgency.Standard : r.Content.Urgency,
                r.Content.Identifiers.Select(x => (x.Type, x.Value)).Distinct().Count(),
                r.Content.DataCategories.Contains(DataCategory.Content))));
        }

        var rows = requests
            .GroupBy(r => (r.RequestingCountry, r.ProviderId))
            .Select(g => Row(g.Key.RequestingCountry, g.Key.ProviderId, [.. g.Select(r => r.Item)]))
            .OrderBy(r => r.Country, StringComparer.Ordinal).ThenBy(r => r.Provider, StringComparer.Ordinal)
            .ToList();
        var total = Row(parameters.RequestingCountry ?? "all", "all providers", [.. requests.Select(r => r.Item)]);
        return new TransparencyReportData(parameters, rows, total, now);
    }

    /// <summary>
    /// One request as the report counts it: the provider's answer, its route, the legal process it became, the accounts
    /// it named and whether it sought content.
    /// </summary>
    private sealed record ReportItem(RequestState State, Outcome? Outcome, Urgency Process, int Accounts, bool SoughtContent);

    private static TransparencyRow Row(string country, string provider, List<ReportItem> items)
    {
        long content = 0, nonContent = 0, noData = 0, rejected = 0;
        foreach (var item in items)
        {
            switch (item.State)
            {
                case RequestState.Produced or RequestState.PartiallyProduced:
                    if (item.SoughtContent) { content++; } else { nonContent++; }
                    break;
                case RequestState.Rejected or RequestState.Refused or RequestState.Objected:
                    rejected++;
                    break;
                default:
                    noData++;
                    break;
            }
        }

        return new TransparencyRow(
            country, provider, items.Count,
            items.Sum(i => (long)i.Accounts),
            Direct(Urgency.Standard),
            Direct(Urgency.Emergency),
            Direct(Urgency.Preservation),
            items.LongCount(i => i.Outcome == Outcome.Mlat),
            content + nonContent, content, nonContent, noData, rejected);

        // Each request counts under one legal process, so the four add up to the requests: a request that went by MLAT
        // reached the provider (if at all) as a treaty request, whatever its urgency was at filing.
        long Direct(Urgency urgency) => items.LongCount(i => i.Process == urgency && i.Outcome != Outcome.Mlat);
    }
}

public static class TransparencyReportDocument
{
    public static readonly string[] CsvHeader =
    [
        "period", "requesting_country", "provider", "requests", "accounts_specified", "production_orders", "emergency", "preservation", "mlat",
        "some_data_produced", "some_data_produced_pct", "content_disclosed", "non_content_only", "no_data", "rejected",
    ];

    public static byte[] RenderCsv(TransparencyReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var csv = new StringBuilder();
        csv.AppendJoin(',', CsvHeader).Append("\r\n");
        foreach (var row in data.Rows.Append(data.Total))
        {
            var share = row.Requests == 0 ? string.Empty : (100.0 * row.SomeDataProduced / row.Requests).ToString("0.0", CultureInfo.InvariantCulture);
            csv.AppendJoin(',', new[]
            {
                data.Parameters.Period.ToString(), Csv(row.Country), Csv(row.Provider), N(row.Requests), N(row.Accounts), N(row.Production),
                N(row.Emergency), N(row.Preservation), N(row.Mlat), N(row.SomeDataProduced), share, N(row.Content), N(row.NonContent),
                N(row.NoData), N(row.Rejected),
            }).Append("\r\n");
        }

        // A byte-order mark so spreadsheet programs read the UTF-8 names right.
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }

    public static byte[] RenderPdf(TransparencyReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var period = data.Parameters.Period.ToString();
        var scope = data.Parameters.RequestingCountry is { } country ? $"requests from {country}" : "requests from every country";
        using var pdf = new PdfLayout();
        pdf.Title($"Transparency report {period}", $"{scope} · {Formatting.Time(data.Parameters.Period.Start)} – {Formatting.Time(data.Parameters.Period.End)} (exclusive) · generated {Formatting.Time(data.GeneratedAt)}");
        var t = data.Total;
        pdf.Heading("Summary");
        pdf.Fields(
        [
            ("Requests", Formatting.Count(t.Requests)),
            ("Accounts specified", Formatting.Count(t.Accounts)),
            ("Some data produced", $"{Formatting.Count(t.SomeDataProduced)} ({t.SomeDataShare})"),
            ("Content disclosed", Formatting.Count(t.Content)),
            ("Non-content only", Formatting.Count(t.NonContent)),
            ("No data (pending or none found)", Formatting.Count(t.NoData)),
            ("Rejected, refused or objected", Formatting.Count(t.Rejected)),
        ]);
        pdf.BarChart("Legal process",
        [
            new("production orders", t.Production, Formatting.Count(t.Production)),
            new("emergency", t.Emergency, Formatting.Count(t.Emergency)),
            new("preservation", t.Preservation, Formatting.Count(t.Preservation)),
            new("via MLAT", t.Mlat, Formatting.Count(t.Mlat)),
        ]);
        pdf.Heading("By requesting country and provider");
        pdf.Table(
            [new("Country", 0.8f), new("Provider", 1.8f), new("Requests", 0.9f, PdfAlign.Right), new("Accounts", 0.9f, PdfAlign.Right),
             new("Emerg.", 0.75f, PdfAlign.Right), new("Preserv.", 0.8f, PdfAlign.Right), new("Some data", 0.95f, PdfAlign.Right),
             new("Content", 0.8f, PdfAlign.Right), new("Non-content", 1.15f, PdfAlign.Right), new("None", 0.7f, PdfAlign.Right),
             new("Rejected", 0.85f, PdfAlign.Right)],
            data.Rows.Append(t).Select(r => (IReadOnlyList<string>)
            [
                r.Country, r.Provider, Formatting.Count(r.Requests), Formatting.Count(r.Accounts), Formatting.Count(r.Emergency),
                Formatting.Count(r.Preservation), r.SomeDataShare, Formatting.Count(r.Content), Formatting.Count(r.NonContent),
                Formatting.Count(r.NoData), Formatting.Count(r.Rejected),
            ]));
        pdf.Paragraph("Counted by filing date: the requests each provider received (released to it) and those sent to it by MLAT; " +
                      "a request rejected, withdrawn or still awaiting a supervisor or a review before its release is not counted. " +
                      "Each request counts under one legal process: one that went by MLAT counts there only, whatever its urgency. " +
                      "\"Some data\" is the share of requests the provider answered with a full or partial production; " +
                      "content means the request sought content, non-content only subscriber, identification or traffic data.",
            PdfStyle.Small);
        return pdf.Render(new PdfInfo($"Transparency report {period}", "Transparency report", "Evidence Broker", "transparency; statistics",
            $"Transparency report {period} · {scope} · generated {Formatting.Time(data.GeneratedAt)}", data.GeneratedAt));
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// One text cell: quoted when it holds a separator, a quote or a line break, and kept from being read as a formula by a
    /// spreadsheet (a leading = + - @, tab or carriage return gets an apostrophe first, as OWASP advises). Today's cells
    /// are country codes and provider ids, which cannot start so; the guard keeps it that way whatever a field may hold.
    /// </summary>
    internal static string Csv(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
