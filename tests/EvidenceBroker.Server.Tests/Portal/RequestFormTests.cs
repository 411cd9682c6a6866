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

    private static string ErrorUnder(string page, string field) =>
        Regex.Match(page, $"data-error-for=\"{Regex.Escape(field)}\">(?<text>[^<]*)<").Groups["text"].Value;
}
