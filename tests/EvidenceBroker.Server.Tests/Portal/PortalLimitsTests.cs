using System.Net;
using System.Net.Http.Headers;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>What the portal's forms take, and what a person sees beyond it.</summary>
public sealed class PortalLimitsTests
{
    private sealed class SmallStorage : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Storage:MaxProductionBytes", "1000")];
    }

    [Fact]
    public async Task The_form_reader_takes_an_upload_as_large_as_storage_does()
    {
        await using var broker = new BrokerFactory();

        var form = broker.Services.GetRequiredService<IOptions<FormOptions>>().Value;

        Assert.Equal(broker.Services.GetRequiredService<IOptions<StorageOptions>>().Value.MaxProductionBytes, form.MultipartBodyLengthLimit);
    }

    [Fact]
    public async Task An_upload_beyond_the_limit_gets_a_page_saying_so()
    {
        await using var broker = new SmallStorage();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync("northwind-legal", id, "acknowledge");
        using var legal = await PortalBrowser.SignedInAsync(broker, "legal@northwind.example");
        var package = new ByteArrayContent(new byte[5000]);
        package.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(await legal.FormTokenAsync($"/portal/requests/detail/{id}")), "__RequestVerificationToken" },
            { package, "package", "records.zip" },
        };

        using var response = await legal.Client.PostAsync($"/portal/requests/detail/{id}?handler=Produce", form);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("The request body is too large.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_post_to_the_request_page_s_other_forms_is_held_to_a_form_s_size_not_an_upload_s()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var oversight = await PortalBrowser.SignedInAsync(broker, "auditor@oversight.example");
        var fields = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await oversight.FormTokenAsync($"/portal/requests/detail/{id}"),
            ["trigger"] = "acknowledge",
            ["text"] = new string('x', 300 * 1024),
        };

        using var response = await oversight.Client.PostAsync($"/portal/requests/detail/{id}?handler=Action", new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task An_upload_post_from_someone_who_may_not_upload_is_held_to_a_form_s_size()
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var oversight = await PortalBrowser.SignedInAsync(broker, "auditor@oversight.example");
        var package = new ByteArrayContent(new byte[300 * 1024]);
        package.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(await oversight.FormTokenAsync($"/portal/requests/detail/{id}")), "__RequestVerificationToken" },
            { package, "package", "records.zip" },
        };

        using var response = await oversight.Client.PostAsync($"/portal/requests/detail/{id}?handler=Produce", form);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_long_request_in_cyrillic_is_not_refused_as_too_large()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var justification = string.Concat(Enumerable.Repeat("Подозреваемый использовал этот адрес. ", 340)); // 69 KB form-encoded

        var preview = await officer.PostFormAsync("/portal/officer/new?handler=Preview", new()
        {
            ["Form.ProviderId"] = "northwind-mail", ["Form.Urgency"] = "standard", ["Form.Justification"] = justification,
        });

        Assert.Equal(HttpStatusCode.OK, preview.Status);
    }

    [Theory]
    [InlineData("POST", "/portal/requests/detail/{id}?handler=nope", HttpStatusCode.MethodNotAllowed)]
    [InlineData("TRACE", "/portal/requests/detail/{id}", HttpStatusCode.MethodNotAllowed)]
    [InlineData("TRACE", "/portal/oversight/audit", HttpStatusCode.MethodNotAllowed)]
    public async Task A_request_no_handler_of_the_page_takes_is_refused_before_the_page_renders(string method, string path, HttpStatusCode expected)
    {
        await using var broker = new BrokerFactory();
        var id = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        using var reader = await PortalBrowser.SignedInAsync(broker, path.Contains("oversight", StringComparison.Ordinal) ? "auditor@oversight.example" : "officer@met.example");
        var url = path.Replace("{id}", id.ToString(), StringComparison.Ordinal);
        using var message = new HttpRequestMessage(new HttpMethod(method), url);
        if (method == "POST")
        {
            message.Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = await reader.FormTokenAsync($"/portal/requests/detail/{id}"),
            });
        }

        using var response = await reader.Client.SendAsync(message);

        Assert.Equal(expected, response.StatusCode);
    }

    private sealed class OneFilingAtATime : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("RateLimits:IntakeBurst", "2"), new("RateLimits:IntakePerClientPerPeriod", "1"), new("RateLimits:IntakePeriod", "1.00:00:00")];
    }

    [Fact]
    public async Task Filing_through_the_form_is_held_to_the_same_limit_as_filing_through_the_api()
    {
        await using var broker = new OneFilingAtATime();
        using var officer = await PortalBrowser.SignedInAsync(broker, "officer@met.example");
        var token = await officer.FormTokenAsync("/portal/officer/new");
        for (var i = 0; i < 3; i++) // the live preview while the officer types files nothing, and is not counted
        {
            using var previewed = await officer.Client.PostAsync("/portal/officer/new?handler=Preview", new FormUrlEncodedContent(
                new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["Form.ProviderId"] = "northwind-mail" }));
            Assert.Equal(HttpStatusCode.OK, previewed.StatusCode);
        }

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            var form = new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token,
                ["Form.SubmissionKey"] = Guid.NewGuid().ToString("N"), ["Form.ProviderId"] = "northwind-mail", ["Form.Urgency"] = "standard",
                ["Form.Categories"] = "subscriber", ["Form.OffenceDescription"] = "Fraud by false representation", ["Form.MaxPenaltyYears"] = "10",
                ["Form.AuthorityType"] = "court", ["Form.AuthorityName"] = "Westminster Magistrates' Court",
                ["Form.Justification"] = "The account sent the phishing messages in this case, on 14 occasions between February and May.",
                ["Form.IdentifierTypes"] = "email", ["Form.IdentifierValues"] = "suspect.one@northwind.example",
            };
            using var response = await officer.Client.PostAsync("/portal/officer/new", new FormUrlEncodedContent(form));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses); // filed, shown; then refused
        Assert.Equal(2, await broker.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Requests)));
    }
}
