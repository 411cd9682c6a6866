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

    /// <summary>Names the directory stores are printed in dossiers and MLAT drafts: a bell or a right-to-left override would print there too.</summary>
    [Theory]
    [InlineData("Agency", "agency", "Bad\u0007Name")]
    [InlineData("Agency", "agency", "Bad\u202eevil")]
    [InlineData("Provider", "provider", "Bad\u202eevil")]
    [InlineData("User", "user", "Ana\u202eRuiz")]
    [InlineData("Client", "client", "Met\u0007desk")]
    public async Task A_name_with_control_or_direction_changing_characters_is_refused_at_its_field_and_nothing_is_registered(
        string handler, string form, string name)
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var (status, _, page) = await admin.PostFormAsync($"/portal/admin?handler={handler}", new()
        {
            ["Id"] = "es-gc", ["Country"] = "ES", ["Name"] = name, ["Email"] = "ana.ruiz@met.example", ["Role"] = "officer",
            ["TenantId"] = "gb-met", ["Kind"] = "Agency",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("without control, invisible or direction-changing characters", WebUtility.HtmlDecode(PortalHtml.RawText(page, $"err-{form}.name")), StringComparison.Ordinal);
        Assert.False(await broker.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.SubjectId == "es-gc" || e.PayloadJson.Contains("ana.ruiz@met.example"))));
        Assert.False(await broker.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "ana.ruiz@met.example")));
    }

    [Theory]
    [InlineData("Agency", "agency", "XX")]
    [InlineData("Agency", "agency", "ZZ")]
    [InlineData("Provider", "provider", "XX")]
    [InlineData("Provider", "provider", "ZZ")]
    public async Task A_country_nobody_assigned_is_refused_at_its_field_and_nothing_is_registered(string handler, string form, string country)
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var (status, _, page) = await admin.PostFormAsync(
            $"/portal/admin?handler={handler}", new() { ["Id"] = "xx-police", ["Country"] = country, ["Name"] = "Nowhere Police" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("Not a country", WebUtility.HtmlDecode(PortalHtml.RawText(page, $"err-{form}.country")), StringComparison.Ordinal);
        Assert.False(await broker.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.SubjectId == "xx-police")));
    }

    /// <summary>An agency files for its country, which the pack must know; a provider may be established anywhere ISO names.</summary>
    [Fact]
    public async Task An_agency_of_a_country_outside_the_pack_is_refused_but_a_provider_there_is_registered()
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var agency = await admin.PostFormAsync("/portal/admin?handler=Agency", new() { ["Id"] = "ch-fedpol", ["Country"] = "CH", ["Name"] = "fedpol" });
        var provider = await admin.PostFormAsync("/portal/admin?handler=Provider", new() { ["Id"] = "alpine-mail", ["Country"] = "CH", ["Name"] = "Alpine Mail AG" });

        Assert.StartsWith("Not a country of the active policy pack", WebUtility.HtmlDecode(PortalHtml.RawText(agency.Body, "err-agency.country")), StringComparison.Ordinal);
        Assert.True(await broker.WithDbAsync(db => db.Providers.AnyAsync(p => p.Id == "alpine-mail" && p.Jurisdiction == "CH")));
    }

    [Theory]
    [InlineData("3")]
    [InlineData("99")]
    [InlineData("administration")]
    public async Task A_tenant_kind_the_form_does_not_offer_is_refused_at_its_field_and_no_client_is_registered(string kind)
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, "admin@broker.example");

        var (status, _, page) = await admin.PostFormAsync("/portal/admin?handler=Client",
            new() { ["Id"] = "odd-client", ["Kind"] = kind, ["Name"] = "Odd client", ["TenantId"] = "broker" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Choose the tenant kind.", WebUtility.HtmlDecode(PortalHtml.RawText(page, "err-client.kind")));
        Assert.False(await broker.WithDbAsync(db => db.ApiClients.AnyAsync(c => c.ClientId == "odd-client")));
    }

    private static string? Value(string page, string id) => PortalHtml.Attribute(PortalHtml.Tag(page, id), "value");

    private static Task<HttpResponseMessage> TokenAsync(HttpClient client, string secret) =>
        client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "met-case-system", ["client_secret"] = secret,
        }));

}
