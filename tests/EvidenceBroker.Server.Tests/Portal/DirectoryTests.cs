using System.Net;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The administrator's directory page: registering agencies and providers.</summary>
public sealed class DirectoryTests
{
    [Theory]
    [InlineData("Agency", "agency.registered")]
    [InlineData("Provider", "provider.registered")]
    public async Task A_double_click_on_register_registers_once_and_the_other_click_hears_the_id_is_taken(string handler, string action)
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var pages = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => admin.PostFormAsync(
            $"/portal/admin?handler={handler}", new() { ["Id"] = "es-gc", ["Country"] = "ES", ["Name"] = "Guardia Civil" })));

        Assert.All(pages, page => Assert.True(page.Status == HttpStatusCode.OK, $"{page.Status}: {broker.ServerErrors}"));
        Assert.Equal(3, pages.Count(page => page.Body.Contains("This id is taken.", StringComparison.Ordinal)));
        Assert.Single(await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.Action == action && e.SubjectId == "es-gc").ToListAsync()));
    }

    [Fact]
    public async Task A_new_client_secret_is_shown_once_replaces_the_old_one_and_is_audited()
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var page = await admin.PostFormAsync("/portal/admin?handler=ClientSecret", new() { ["Id"] = "met-case-system" });
        var secret = PortalHtml.ShownSecret(page.Body);
        using var tokens = broker.CreateClient();
        using var withOld = await TokenAsync(tokens, "dev-met-secret");
        using var withNew = await TokenAsync(tokens, secret);
        var unknown = await admin.PostFormAsync("/portal/admin?handler=ClientSecret", new() { ["Id"] = "no-such-client" });

        Assert.Matches("^[0-9a-f]{64}$", secret);
        Assert.False(withOld.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
        Assert.Contains("No API client with this id.", unknown.Body, StringComparison.Ordinal);
        var entry = Assert.Single(await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.Action == "client.secret-renewed").ToListAsync()));
        Assert.Equal("met-case-system", entry.SubjectId);
        Assert.DoesNotContain(secret, entry.PayloadJson, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Agency", "ag")]
    [InlineData("Provider", "pr")]
    public async Task A_registration_sent_back_keeps_what_was_typed_in_its_own_form_only(string handler, string form)
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");
        const string name = "Guardia <script>alert(1)</script> Civil";

        var (status, _, page) = await admin.PostFormAsync(
            $"/portal/admin?handler={handler}", new() { ["Id"] = "Not A Slug", ["Country"] = "es", ["Name"] = name });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Not A Slug", Value(page, $"{form}-id"));
        Assert.Equal("es", Value(page, $"{form}-country"));
        Assert.Equal(name, Value(page, $"{form}-name"));
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
        Assert.All(new[] { "ag-name", "pr-name", "us-name", "cl-name" }.Where(id => !id.StartsWith(form, StringComparison.Ordinal)), id => Assert.Null(Value(page, id)));
    }

    /// <summary>
    /// As the API refuses "gb" wherever it takes a country (a list filtered by it, a suspension, a request): an agency
    /// kept under a code folded here would read as the administrator did not type it, and the shared message says capitals.
    /// </summary>
    [Theory]
    [InlineData("Agency", "agency")]
    [InlineData("Provider", "provider")]
    public async Task A_country_typed_in_lower_case_is_refused_as_the_API_refuses_it_and_nothing_is_registered(string handler, string form)
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var (status, _, page) = await admin.PostFormAsync(
            $"/portal/admin?handler={handler}", new() { ["Id"] = "es-gc", ["Country"] = "es", ["Name"] = "Guardia Civil" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(CountryCode.Rule, WebUtility.HtmlDecode(PortalHtml.RawText(page, $"err-{form}.country")));
        Assert.False(await broker.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.SubjectId == "es-gc")));
    }

    [Fact]
    public async Task A_user_sent_back_keeps_the_role_chosen_and_what_was_typed()
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var (_, _, page) = await admin.PostFormAsync("/portal/admin?handler=User",
            new() { ["Email"] = "ana.ruiz", ["Name"] = "Ana Ruiz", ["Role"] = "officer", ["TenantId"] = "gb-met" });

        Assert.Equal("ana.ruiz", Value(page, "us-email"));
        Assert.Equal("Ana Ruiz", Value(page, "us-name"));
        Assert.Equal("gb-met", Value(page, "us-tenant"));
        Assert.Contains("<option value=\"officer\" selected=\"selected\">", page, StringComparison.Ordinal);
        Assert.Equal("An email address.", WebUtility.HtmlDecode(PortalHtml.RawText(page, "err-user.email")));
    }

    [Fact]
    public async Task A_client_sent_back_keeps_the_kind_chosen_the_desk_ticked_and_what_was_typed()
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var (_, _, page) = await admin.PostFormAsync("/portal/admin?handler=Client",
            new() { ["Id"] = "Met Desk", ["Kind"] = "Agency", ["Name"] = "Met supervisors", ["TenantId"] = "gb-met", ["Desk"] = "true" });

        Assert.Equal("Met Desk", Value(page, "cl-id"));
        Assert.Equal("Met supervisors", Value(page, "cl-name"));
        Assert.Equal("gb-met", Value(page, "cl-tenant"));
        Assert.NotNull(PortalHtml.Attribute(PortalHtml.Tag(page, "cl-desk"), "checked"));
        Assert.Contains("<option value=\"Agency\" selected=\"selected\">", page, StringComparison.Ordinal);
        Assert.Equal("true", PortalHtml.Attribute(PortalHtml.Tag(page, "cl-id"), "aria-invalid"));
    }

    private static string? Value(string page, string id) => PortalHtml.Attribute(PortalHtml.Tag(page, id), "value");

    private static Task<HttpResponseMessage> TokenAsync(HttpClient client, string secret) =>
        client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "met-case-system", ["client_secret"] = secret,
        }));

}
