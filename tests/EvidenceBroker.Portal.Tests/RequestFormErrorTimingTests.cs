using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace EvidenceBroker.Portal.Tests;

/// <summary>
/// When the request form's live errors show: under a field only once the officer has touched it, and under every field
/// once the server has sent the form back with its errors (WCAG 3.3.1: an error follows the use of a field).
/// </summary>
[Collection(PortalGroup.Name)]
public sealed partial class RequestFormErrorTimingTests(PortalFixture portal)
{
    private const string Officer = "officer@met.example";

    [Fact]
    public async Task A_field_not_reached_yet_shows_no_error_until_the_officer_leaves_it_empty()
    {
        var officer = await portal.SignedInPageAsync(Officer);
        await officer.GotoAsync("/portal/officer/new");
        var justification = officer.GetByLabel("Justification", new() { Exact = true });
        var justificationError = officer.Locator("[data-error-for='justification']");
        var offenceError = officer.Locator("[data-error-for='offence.description']");

        // The first field only; the preview then knows every required field further down is empty, and says how many.
        await officer.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("northwind-mail");
        await Assertions.Expect(officer.Locator("#preview-status")).ToHaveTextAsync(FieldsNeedAttention());

        // Read at once, not waited for: the preview has rendered, and nothing further is on its way.
        Assert.Equal("", await justificationError.TextContentAsync());
        Assert.Null(await justification.GetAttributeAsync("aria-invalid"));
        Assert.Equal(0, await officer.Locator("#request-form [aria-invalid]").CountAsync());

        // Into the justification and out again, leaving it empty: now it is wrong, and says so; the offence, not reached, is not.
        await justification.FocusAsync();
        await officer.Keyboard.PressAsync("Tab");
        await Assertions.Expect(justificationError).ToHaveTextAsync("State the facts that link the identifiers to the offence.");
        await Assertions.Expect(justification).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal("", await offenceError.TextContentAsync());
        Assert.Null(await officer.GetByLabel("Offence", new() { Exact = true }).GetAttributeAsync("aria-invalid"));
    }

    [Fact]
    public async Task A_form_the_server_sent_back_keeps_every_field_s_error_after_its_preview()
    {
        var officer = await portal.SignedInPageAsync(Officer);
        await officer.GotoAsync("/portal/officer/new");
        await officer.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("northwind-mail");
        await officer.GetByRole(AriaRole.Button, new() { Name = "File request" }).DispatchEventAsync("click");

        // Back with the summary; the page's own preview (a provider is chosen) runs as it loads and must hide nothing.
        await Assertions.Expect(officer.Locator("#err-summary")).ToContainTextAsync("State the facts that link the identifiers to the offence.");
        await Assertions.Expect(officer.Locator("#preview-status")).ToHaveTextAsync(FieldsNeedAttention());
        Assert.Equal("State the facts that link the identifiers to the offence.", await officer.Locator("[data-error-for='justification']").TextContentAsync());
        Assert.NotEqual("", await officer.Locator("[data-error-for='offence.description']").TextContentAsync());
        Assert.Equal("true", await officer.GetByLabel("Justification", new() { Exact = true }).GetAttributeAsync("aria-invalid"));
        Assert.Equal("true", await officer.GetByLabel("Offence", new() { Exact = true }).GetAttributeAsync("aria-invalid"));
    }

    [GeneratedRegex(@"^Preview: .+\. \d+ fields need attention\.$")]
    private static partial Regex FieldsNeedAttention();
}
