using System.Net;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Portal;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>
/// A list page refuses a value in its address that it cannot apply, at the value's field and in the API's words, and
/// lists nothing: the list without that filter would look like the answer to the search.
/// </summary>
public sealed class RefusedFilterTests(RefusedFilterTests.ListedRequests listed) : IClassFixture<RefusedFilterTests.ListedRequests>
{
    public static TheoryData<string, string, string> UnreadableDecisionFilters() => new()
    {
        { "outcome=Eligble", "outcome", Wire.OneOf<Outcome>() },
        { "channel=nonsense", "channel", Wire.OneOf<LegalInstrument>() },
        { "country=gb", "country", CountryCode.Rule },
        { "country=zz", "country", CountryCode.Rule },
        { "provider=no-such-provider", "provider", "No provider with this id." },
        { "rule=R99", "rule", RuleIds.Unknown("R99") },
        { "rule=R1%25", "rule", RuleIds.Unknown("R1%") },
        { "from=2026-13-40", "from", QueryFilters.DateRule },
        { "from=2026-11-30&to=2026-11-01", "to", PeriodRule.ToBeforeFrom },
    };

    [Theory]
    [MemberData(nameof(UnreadableDecisionFilters))]
    public async Task The_decision_search_refuses_a_filter_it_cannot_apply_at_its_field_and_lists_no_decision(string query, string field, string message)
    {
        var filed = listed.References;
        var auditor = await listed.SignedInAsync("auditor@oversight.example");

        var (status, page) = await GetAsync(auditor, $"/portal/oversight?{query}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(message, WebUtility.HtmlDecode(PortalHtml.RawText(page, $"err-{field}")));
        Assert.Equal("true", PortalHtml.Attribute(PortalHtml.Tag(page, field), "aria-invalid"));
        Assert.StartsWith("Error: ", PortalHtml.Title(page), StringComparison.Ordinal);
        Assert.All(filed, reference => Assert.DoesNotContain(reference, page, StringComparison.Ordinal));
    }

    /// <summary>Holds the refusals above to the filters: the same decisions are listed when every filter can be applied, or is left empty.</summary>
    [Fact]
    public async Task The_decision_search_lists_the_decisions_when_every_filter_can_be_applied()
    {
        var filed = listed.References;
        var auditor = await listed.SignedInAsync("auditor@oversight.example");

        var (status, page) = await GetAsync(auditor, "/portal/oversight?country=GB&provider=northwind-mail&outcome=&channel=&rule=&from=2000-01-01&to=");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("There is a problem", page, StringComparison.Ordinal);
        Assert.All(filed, reference => Assert.Contains(reference, page, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("state=nonsense", "state")]
    [InlineData("state=With%20the%20provider", "state")]
    public async Task My_requests_refuse_a_status_that_is_no_wire_name_at_its_field_and_list_no_request(string query, string field)
    {
        var filed = listed.References;
        var officer = await listed.SignedInAsync("officer@met.example");

        var (status, page) = await GetAsync(officer, $"/portal/officer?{query}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Wire.OneOf<RequestState>(), WebUtility.HtmlDecode(PortalHtml.RawText(page, $"err-{field}")));
        Assert.All(filed, reference => Assert.DoesNotContain(reference, page, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("officer@met.example", "/portal/officer", "p=abc")]
    [InlineData("officer@met.example", "/portal/officer", "p=0")]
    [InlineData("legal@northwind.example", "/portal/provider", "p=-1")]
    [InlineData("legal@northwind.example", "/portal/provider", "p=1.5")]
    [InlineData("supervisor@met.example", "/portal/supervisor", "p=two")]
    [InlineData("supervisor@met.example", "/portal/supervisor", "p=99999999999")]
    public async Task A_list_refuses_a_page_number_it_cannot_read_and_lists_nothing(string email, string path, string query)
    {
        var filed = listed.References;
        var user = await listed.SignedInAsync(email);

        var (status, page) = await GetAsync(user, $"{path}?{query}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"The page number in the address (p): {ResultPages.PageRule}", WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        Assert.StartsWith("Error: ", PortalHtml.Title(page), StringComparison.Ordinal);
        Assert.All(filed, reference => Assert.DoesNotContain(reference, page, StringComparison.Ordinal));
    }

    /// <summary>As the API answers 400 "Give this value once": binding would read the first value and list it as the answer to both.</summary>
    [Theory]
    [InlineData("officer@met.example", "/portal/officer", "state=awaiting-supervisor&state=filed", "state")]
    [InlineData("auditor@oversight.example", "/portal/oversight", "country=GB&country=DE", "country")]
    [InlineData("auditor@oversight.example", "/portal/oversight", "provider=northwind-mail&provider=rheinhost", "provider")]
    public async Task A_list_refuses_a_filter_given_twice_at_its_field_and_lists_nothing(string email, string path, string query, string field)
    {
        var filed = listed.References;
        var user = await listed.SignedInAsync(email);

        var (status, page) = await GetAsync(user, $"{path}?{query}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(QueryFilters.RepeatedRule, WebUtility.HtmlDecode(PortalHtml.RawText(page, $"err-{field}")));
        Assert.StartsWith("Error: ", PortalHtml.Title(page), StringComparison.Ordinal);
        Assert.All(filed, reference => Assert.DoesNotContain(reference, page, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("officer@met.example", "/portal/officer")]
    [InlineData("legal@northwind.example", "/portal/provider")]
    [InlineData("supervisor@met.example", "/portal/supervisor")]
    public async Task A_list_refuses_a_page_number_given_twice_and_lists_nothing(string email, string path)
    {
        var filed = listed.References;
        var user = await listed.SignedInAsync(email);

        var (status, page) = await GetAsync(user, $"{path}?p=1&p=2");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"The page number in the address (p): {QueryFilters.RepeatedRule}", WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        Assert.StartsWith("Error: ", PortalHtml.Title(page), StringComparison.Ordinal);
        Assert.All(filed, reference => Assert.DoesNotContain(reference, page, StringComparison.Ordinal));
    }

    /// <summary>
    /// A page past a list's last is readable but holds nothing: it says so, rather than "no requests yet" (there are
    /// some) or the first page shown as if it were the page asked for.
    /// </summary>
    [Theory]
    [InlineData("officer@met.example", "/portal/officer", 2)]
    [InlineData("legal@northwind.example", "/portal/provider", 1000)]
    [InlineData("supervisor@met.example", "/portal/supervisor", 3)]
    public async Task A_page_past_the_end_of_a_list_says_nothing_is_on_it_and_links_to_the_first(string email, string path, int number)
    {
        var filed = listed.References;
        var user = await listed.SignedInAsync(email);

        var (status, page) = await GetAsync(user, $"{path}?p={number}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"There is nothing on page {number}: ", WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{path}\">Go to the first page</a>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("No requests yet", page, StringComparison.Ordinal);
        Assert.All(filed, reference => Assert.DoesNotContain(reference, page, StringComparison.Ordinal));
    }

    private static async Task<(HttpStatusCode Status, string Page)> GetAsync(PortalBrowser user, string path)
    {
        using var response = await user.Client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Two requests of the Met's to Northwind that the lists above show unfiltered, one gone to the provider (the
    /// officer's, the provider's and oversight's lists) and an emergency waiting for the Met's supervisor (the officer's,
    /// the supervisor's and oversight's); and each user signed in once, since the broker takes only a few sign-ins of
    /// one account in a while.
    /// </summary>
    public sealed class ListedRequests : IAsyncLifetime
    {
        private readonly Dictionary<string, PortalBrowser> signedIn = new(StringComparer.Ordinal);

        public BrokerFactory Broker { get; } = new();

        public List<string> References { get; } = [];

        public async Task InitializeAsync()
        {
            var direct = await Broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
            var emergency = await Broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
            References.Add(await Broker.ReferenceAsync("met-case-system", direct));
            References.Add(await Broker.ReferenceAsync("met-case-system", emergency));
            Assert.Equal(RequestState.AwaitingSupervisor, await Broker.WithDbAsync(db => db.Requests.Where(r => r.Id == emergency).Select(r => r.State).SingleAsync()));
        }

        /// <summary>The user's browser, signed in at its first use; the class's tests run one at a time.</summary>
        public async Task<PortalBrowser> SignedInAsync(string email)
        {
            if (!signedIn.TryGetValue(email, out var browser))
            {
                browser = await PortalBrowser.SignedInAsync(Broker, email);
                signedIn[email] = browser;
            }

            return browser;
        }

        public async Task DisposeAsync()
        {
            foreach (var browser in signedIn.Values)
            {
                browser.Dispose();
            }

            await Broker.DisposeAsync();
        }
    }
}
