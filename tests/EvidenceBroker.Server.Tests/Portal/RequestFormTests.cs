using System.Net;
using System.Text.RegularExpressions;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>Every error on the officer's form has a place: under its field, or in the box at the top.</summary>
public sealed class RequestFormTests
{
    [Fact]
    public async Task An_identifier_s_error_shows_under_its_own_row_and_the_offence_code_s_under_the_code()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var form = new Dictionary<string, string>
        {
            ["Form.SubmissionKey"] = Guid.NewGuid().ToString("N"), ["Form.ProviderId"] = "northwind-mail", ["Form.Urgency"] = "standard",
            ["Form.Categories"] = "subscriber", ["Form.OffenceDescription"] = "Fraud by false representation", ["Form.OffenceCode"] = new string('c', 70),
            ["Form.MaxPenaltyYears"] = "10", ["Form.AuthorityType"] = "court", ["Form.AuthorityName"] = "Westminster Magistrates' Court",
            ["Form.Justification"] = "The account sent the phishing messages in this case.",
        };
        var content = new List<KeyValuePair<string, string>>(form)
        {
            new("Form.IdentifierTypes", "email"), new("Form.IdentifierValues", ""),
            new("Form.IdentifierTypes", "email"), new("Form.IdentifierValues", new string('x', 600) + "@example.com"),
            new("__RequestVerificationToken", await officer.FormTokenAsync("/portal/officer/new")),
        };

        var page = WebUtility.HtmlDecode((await officer.PostAsync("/portal/officer/new", new FormUrlEncodedContent(content))).Body);

        Assert.Equal("", ErrorUnder(page, "identifiers[0].value"));
        Assert.NotEqual("", ErrorUnder(page, "identifiers[1].value"));
        Assert.Contains("64", ErrorUnder(page, "offence.code"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_field_the_form_cannot_read_does_not_hide_the_errors_of_the_others()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var content = new Dictionary<string, string>
        {
            ["Form.SubmissionKey"] = Guid.NewGuid().ToString("N"), ["Form.ProviderId"] = "northwind-mail", ["Form.Urgency"] = "standard",
            ["Form.Categories"] = "subscriber", ["Form.OffenceDescription"] = "Fraud by false representation",
            ["Form.MaxPenaltyYears"] = "10", ["Form.AuthorityType"] = "", ["Form.AuthorityName"] = "Westminster Magistrates' Court",
            ["Form.Justification"] = "", ["Form.IdentifierTypes"] = "email", ["Form.IdentifierValues"] = "suspect.one@northwind.example",
            ["__RequestVerificationToken"] = await officer.FormTokenAsync("/portal/officer/new"),
        };

        var page = WebUtility.HtmlDecode((await officer.PostAsync("/portal/officer/new", new FormUrlEncodedContent(content))).Body);

        Assert.NotEqual("", ErrorUnder(page, "issuingAuthority.type"));
        Assert.NotEqual("", ErrorUnder(page, "justification")); // before, shown only once the authority was chosen
    }

    [Fact]
    public async Task A_refused_form_marks_each_wrong_field_invalid_and_described_by_its_own_message()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");

        var page = await RefusedAsync(officer, new() { ["Form.AuthorityType"] = "", ["Form.Justification"] = "", ["Form.TimeFrom"] = "2026-03-01" });

        Assert.All(["authtype", "justification", "from", "to"], field => Assert.Equal("true", PortalHtml.Attribute(PortalHtml.Tag(page, field), "aria-invalid")));
        Assert.Contains(PortalHtml.DescribedBy(page, "authtype"), id => Message(page, id) == "Choose who issued the order.");
        Assert.Contains(PortalHtml.DescribedBy(page, "justification"), id => Message(page, id) == "State the facts that link the identifiers to the offence.");
        Assert.Contains(PortalHtml.DescribedBy(page, "to"), id => Message(page, id) == "Give both the first and the last day of the data wanted.");
        Assert.Null(PortalHtml.Attribute(PortalHtml.Tag(page, "offence"), "aria-invalid"));
        Assert.All(PortalHtml.DescribedBy(page, "offence"), id => Assert.Equal("", Message(page, id)));
    }

    [Fact]
    public async Task A_refused_form_opens_on_a_summary_that_takes_the_focus_and_links_to_each_wrong_field()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");

        var page = await RefusedAsync(officer, new() { ["Form.Justification"] = "", ["Form.Flags"] = "<script>alert(1)</script>" });

        var summary = PortalHtml.Tag(page, "err-summary");
        Assert.True(page.IndexOf(summary, StringComparison.Ordinal) < page.IndexOf(PortalHtml.Tag(page, "provider"), StringComparison.Ordinal), "the summary comes first");
        Assert.Equal("alert", PortalHtml.Attribute(summary, "role"));
        Assert.Equal("-1", PortalHtml.Attribute(summary, "tabindex"));
        Assert.NotNull(PortalHtml.Attribute(summary, "autofocus"));
        Assert.Contains("<a href=\"#justification\">State the facts that link the identifiers to the offence.</a>", page, StringComparison.Ordinal);
        // A flag the form has no field for is listed without a link, what was typed in it encoded.
        Assert.Contains("<li>&#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27; is not one of the choices.</li>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
    }

    /// <summary>Files a form that is otherwise complete with <paramref name="changes"/>, expecting it back refused.</summary>
    private static async Task<string> RefusedAsync(PortalBrowser officer, Dictionary<string, string> changes)
    {
        var form = new Dictionary<string, string>
        {
            ["Form.SubmissionKey"] = Guid.NewGuid().ToString("N"), ["Form.ProviderId"] = "northwind-mail", ["Form.Urgency"] = "standard",
            ["Form.Categories"] = "subscriber", ["Form.OffenceDescription"] = "Fraud by false representation",
            ["Form.MaxPenaltyYears"] = "10", ["Form.AuthorityType"] = "court", ["Form.AuthorityName"] = "Westminster Magistrates' Court",
            ["Form.Justification"] = "The account sent the phishing messages in this case.",
            ["Form.IdentifierTypes"] = "email", ["Form.IdentifierValues"] = "suspect.one@northwind.example",
        };
        foreach (var (field, value) in changes)
        {
            form[field] = value;
        }

        var (status, path, page) = await officer.PostFormAsync("/portal/officer/new", form);
        Assert.True(status == HttpStatusCode.OK && path == "/portal/officer/new", $"{status} at {path}: the form was not refused.");
        return page;
    }

    private static string Message(string page, string id) => WebUtility.HtmlDecode(PortalHtml.RawText(page, id));

    /// <summary>
    /// The penalty decides R3, the serious-crime threshold: "1,5" was read as 15 years (a thousands separator is
    /// allowed anywhere by the number style the form used), which sent a request straight to the provider that
    /// belonged to MLAT. The form takes digits with at most one point, as the API takes a JSON number.
    /// </summary>
    [Theory]
    [InlineData("1,5", true)]
    [InlineData("1,000", true)]
    [InlineData("+7", true)]
    [InlineData("-2", true)]
    [InlineData("1.5", false)]
    [InlineData(" 10 ", false)]
    public async Task The_maximum_penalty_is_read_only_as_digits_with_a_point(string typed, bool refused)
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var content = new Dictionary<string, string>
        {
            ["Form.SubmissionKey"] = Guid.NewGuid().ToString("N"), ["Form.ProviderId"] = "northwind-mail", ["Form.Urgency"] = "standard",
            ["Form.Categories"] = "content", ["Form.OffenceDescription"] = "Fraud by false representation",
            ["Form.MaxPenaltyYears"] = typed, ["Form.AuthorityType"] = "court", ["Form.AuthorityName"] = "Westminster Magistrates' Court",
            ["Form.Justification"] = "", ["Form.IdentifierTypes"] = "email", ["Form.IdentifierValues"] = "suspect.one@northwind.example",
            ["__RequestVerificationToken"] = await officer.FormTokenAsync("/portal/officer/new"),
        };

        // The empty justification keeps the form from filing, so that the penalty's own error, or its absence, shows.
        var page = WebUtility.HtmlDecode((await officer.PostAsync("/portal/officer/new", new FormUrlEncodedContent(content))).Body);

        Assert.NotEqual("", ErrorUnder(page, "justification"));
        Assert.Equal(refused, ErrorUnder(page, "offence.maxPenaltyYears") != "");
    }

    private static string ErrorUnder(string page, string field) =>
        Regex.Match(page, $"data-error-for=\"{Regex.Escape(field)}\">(?<text>[^<]*)<").Groups["text"].Value;
}
