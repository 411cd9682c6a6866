using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Portal;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Sla;
using EvidenceBroker.Server.Tests.Exports;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Requests;

/// <summary>
/// What the provider sees of a request's history (README, "Who sees what"): from the release on, its own notes and
/// those addressed to it, the clocks that bind it; never the agency's or the review desk's working.
/// </summary>
public sealed class ProviderViewTests(BrokerFactory broker) : IClassFixture<BrokerFactory>
{
    private const string Officer = "met-case-system";
    private const string Provider = "northwind-legal";
    private const string SupervisorNote = "Called DI Shah back on 020 7230 1212.";
    private const string ReviewerReasons = "The journalist is a suspect, not a source; no source material is sought.";

    [Fact]
    public async Task The_provider_sees_an_emergency_from_its_release_without_the_supervisor_s_note_or_the_agency_s_validation_clock()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetEmergencyByPolice());
        await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = SupervisorNote });
        await broker.ActAsync(Provider, id, "refusal", new { text = "The account was closed in 2024.", grounds = new[] { "data-not-held" } });

        var agency = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/timeline");
        var provider = await broker.GetAsync(Provider, $"/api/v1/requests/{id}/timeline");

        Assert.Equal(["confirm-emergency", "refusal"], Kinds(agency, "notes"));
        Assert.Equal(["refusal"], Kinds(provider, "notes"));
        Assert.Contains("post-hoc-validation", Kinds(agency, "deadlines"));
        Assert.DoesNotContain("post-hoc-validation", Kinds(provider, "deadlines"));
        Assert.Contains("response", Kinds(provider, "deadlines"));
        Assert.Equal(["request.filed", "request.decided", "request.confirm-emergency", "request.refuse"], Actions(agency));
        Assert.Equal(["request.confirm-emergency", "request.refuse"], Actions(provider));
    }

    [Fact]
    public async Task The_provider_s_decision_from_the_api_leaves_out_the_agency_s_validation_clock()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetEmergencyByPolice());
        await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = SupervisorNote });

        var agency = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/decision");
        var provider = await broker.GetAsync(Provider, $"/api/v1/requests/{id}/decision");

        Assert.Contains("post-hoc-validation", Kinds(agency, "deadlines"));
        Assert.DoesNotContain("post-hoc-validation", Kinds(provider, "deadlines"));
        Assert.Contains("response", Kinds(provider, "deadlines"));
        Assert.Equal(agency.GetProperty("reasons").GetRawText(), provider.GetProperty("reasons").GetRawText());
    }

    [Fact]
    public async Task The_provider_s_timeline_names_its_own_people_but_not_the_agency_s()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetEmergencyByPolice());
        await broker.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = SupervisorNote });
        await broker.ActAsync(Provider, id, "clarifications", new { text = "Which of the two accounts with this address?" });
        await broker.ActAsync(Officer, id, "clarifications/answer", new { text = "The one created on 2 February 2026." });
        await broker.ActAsync(Officer, id, "validation", new { validatedBy = new { type = "judge", name = "District Judge Patel" } });
        await broker.ActAsync(Provider, id, "refusal", new { text = "The account was closed in 2024.", grounds = new[] { "data-not-held" } });

        var agency = await broker.GetAsync(Officer, $"/api/v1/requests/{id}/timeline");
        var provider = await broker.GetAsync(Provider, $"/api/v1/requests/{id}/timeline");

        var asked = provider.GetProperty("clarifications")[0];
        Assert.False(string.IsNullOrEmpty(asked.GetProperty("askedBy").GetString()));
        Assert.Equal("", asked.GetProperty("answeredBy").GetString());
        Assert.False(string.IsNullOrEmpty(agency.GetProperty("clarifications")[0].GetProperty("answeredBy").GetString()));
        Assert.Equal(["validation", "refusal"], Kinds(provider, "notes"));
        Assert.Equal(["", "Northwind Mail legal team"], Authors(provider));
        Assert.DoesNotContain("", Authors(agency));
    }

    [Fact]
    public async Task The_agency_s_validation_clock_reaches_the_provider_neither_as_webhook_nor_as_timeline_entry_nor_in_its_dossier()
    {
        await using var own = new BrokerFactory(); // moves its clock two days on
        var id = await own.FileAsync(Officer, SampleRequests.MetEmergencyByPolice());
        own.Clock.Advance(TimeSpan.FromHours(2)); // the supervisor confirms two hours after the filing
        await own.ActAsync("met-supervisor-desk", id, "emergency/confirmation", new { text = SupervisorNote });
        var filed = (await own.GetAsync(Officer, $"/api/v1/requests/{id}")).GetProperty("filedAt").GetDateTimeOffset();
        own.Clock.Advance(TimeSpan.FromHours(47));
        await using (var scope = own.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SlaMonitor>().SweepAsync(CancellationToken.None);
        }

        var agency = await own.GetAsync(Officer, $"/api/v1/requests/{id}/timeline");
        var provider = await own.GetAsync(Provider, $"/api/v1/requests/{id}/timeline");
        var providerWebhooks = await own.WithDbAsync(db => db.Outbox.Where(m => m.RequestId == id && m.Recipient == "provider:northwind-mail")
            .Select(m => new { m.Topic, m.PayloadJson }).ToListAsync());
        // The validation's clock runs from the filing: 48 hours on, not 48 hours from the release.
        var validationDue = PdfFiles.Squash((filed + TimeSpan.FromHours(48)).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
        var agencyCopy = await DossierTextAsync(own, Officer, id);
        var providerCopy = await DossierTextAsync(own, Provider, id);

        Assert.Contains("sla.validation-overdue", Actions(agency));
        Assert.Contains("sla.breached", Actions(provider)); // its own answer, due within 24 hours of the release
        Assert.DoesNotContain("sla.validation-overdue", Actions(provider));
        Assert.Equal(3, Actions(provider).Count(a => a!.StartsWith("sla.", StringComparison.Ordinal))); // 50 %, 80 %, breached: the answer's only
        Assert.Contains(providerWebhooks, m => m.Topic == "sla.breached");
        Assert.DoesNotContain(providerWebhooks, m => m.PayloadJson.Contains("post-hoc-validation", StringComparison.Ordinal));
        Assert.Contains(validationDue, agencyCopy, StringComparison.Ordinal);
        Assert.Contains("post-hoc-validation", agencyCopy, StringComparison.Ordinal);
        Assert.Contains("missed", agencyCopy, StringComparison.Ordinal); // the clock's status; its due date has a column of its own
        Assert.DoesNotContain("duepassed", agencyCopy, StringComparison.Ordinal);
        Assert.DoesNotContain(validationDue, providerCopy, StringComparison.Ordinal);
        Assert.Contains(Officer, agencyCopy, StringComparison.Ordinal); // who filed it
        Assert.DoesNotContain(Officer, providerCopy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_provider_s_dossier_of_a_reviewed_request_leaves_out_the_reviewer_s_reasons_and_the_steps_before_release()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("flags", new JsonArray("press")));
        await broker.ActAsync("broker-review-desk", id, "review", new { decision = "direct", text = ReviewerReasons });

        var agencyCopy = await DossierTextAsync(broker, Officer, id);
        var providerCopy = await DossierTextAsync(broker, Provider, id);
        var providerTimeline = await broker.GetAsync(Provider, $"/api/v1/requests/{id}/timeline");
        var providerPage = await PortalTimelineAsync(id);

        Assert.Contains(PdfFiles.Squash(ReviewerReasons), agencyCopy, StringComparison.Ordinal);
        Assert.DoesNotContain(PdfFiles.Squash(ReviewerReasons), providerCopy, StringComparison.Ordinal);
        Assert.Contains("notpartoftheprovider'scopy", providerCopy, StringComparison.Ordinal);
        Assert.Contains("request.filed", agencyCopy, StringComparison.Ordinal);
        Assert.DoesNotContain("request.filed", providerCopy, StringComparison.Ordinal);
        Assert.Contains("request.approve-direct", providerCopy, StringComparison.Ordinal);
        Assert.Empty(Kinds(providerTimeline, "notes"));
        Assert.Equal(["request.approve-direct"], Actions(providerTimeline));
        Assert.Equal(["request.approve-direct"], providerPage);
    }

    [Fact]
    public async Task A_request_filed_straight_to_the_provider_shows_it_everything_from_its_decision_on()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber());
        await broker.ActAsync(Provider, id, "acknowledge");
        await broker.ActAsync(Officer, id, "withdrawal", new { text = "The suspect has been charged; the data is no longer needed." });

        var provider = await broker.GetAsync(Provider, $"/api/v1/requests/{id}/timeline");

        Assert.Equal(["request.decided", "request.acknowledge", "request.withdraw"], Actions(provider));
        Assert.Equal(["withdraw"], Kinds(provider, "notes"));
        Assert.Equal(["response", "non-disclosure-end"], Kinds(provider, "deadlines"));
    }

    [Fact]
    public async Task A_preservation_order_shows_the_provider_its_release_and_the_preservation_period()
    {
        var id = await broker.FileAsync(Officer, SampleRequests.MetToNorthwindSubscriber().With("urgency", "preservation"));

        var provider = await broker.GetAsync(Provider, $"/api/v1/requests/{id}/timeline");

        Assert.Equal(["request.decided"], Actions(provider));
        Assert.Equal("preservation-active", provider.GetProperty("events")[0].GetProperty("stateAfter").GetString());
        Assert.Equal(["preservation", "non-disclosure-end"], Kinds(provider, "deadlines"));
    }


    private static async Task<string> DossierTextAsync(BrokerFactory broker, string client, Guid id)
    {
        using var http = await broker.ClientAsync(client);
        using var response = await http.GetAsync($"/api/v1/requests/{id}/dossier.pdf");
        response.EnsureSuccessStatusCode();
        return PdfFiles.Text(await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>The timeline the portal's request page shows the provider's legal team.</summary>
    private async Task<List<string>> PortalTimelineAsync(Guid id)
    {
        var legalTeam = Callers.NorthwindLegal;
        await using var scope = broker.Services.CreateAsyncScope();
        var page = await new PortalRequests(scope.ServiceProvider.GetRequiredService<BrokerDbContext>()).FindAsync(legalTeam, id, CancellationToken.None);
        return page!.Timeline.Select(e => e.Action).ToList();
    }

    private static List<string?> Kinds(JsonElement timeline, string list) =>
        timeline.GetProperty(list).EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();

    private static List<string?> Authors(JsonElement timeline) =>
        timeline.GetProperty("notes").EnumerateArray().Select(e => e.GetProperty("author").GetString()).ToList();

    private static List<string?> Actions(JsonElement timeline) =>
        timeline.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();

    /// <summary>
    /// The provider's copies of a clarification and an agency's note are written field by field: a field added later to
    /// either must reach the provider's copy too, unless the copy leaves it out on purpose (the agency person's name).
    /// </summary>
    [Fact]
    public void The_provider_s_copies_keep_every_field_but_the_agency_person_s_name()
    {
        var provider = new Caller("northwind-legal", "Northwind legal", Tenant.Provider("northwind-mail"), new System.Security.Claims.ClaimsPrincipal());
        var clarification = Filled<Clarification>();
        var note = Filled<RequestNote>(("Kind", "withdraw")); // an agency's note: refusals and objections are the provider's own

        Assert.Equal(["AnsweredBy"], Differing(clarification, ProviderView.ClarificationFor(provider, clarification)));
        Assert.Equal(["Author"], Differing(note, ProviderView.NoteFor(provider, note)));
    }

    /// <summary>An instance with every settable property given a value no default has, or the one given.</summary>
    private static T Filled<T>(params (string Property, object Value)[] given) where T : class
    {
        var instance = (T)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(T));
        foreach (var property in typeof(T).GetProperties().Where(p => p.CanWrite))
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            property.SetValue(instance, given.FirstOrDefault(g => g.Property == property.Name).Value ?? type switch
            {
                _ when type == typeof(string) => "value of " + property.Name,
                _ when type == typeof(Guid) => Guid.NewGuid(),
                _ when type == typeof(DateTimeOffset) => new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero),
                _ when type == typeof(bool) => true,
                _ when type == typeof(int) => 7,
                _ when type == typeof(long) => 7L,
                _ => throw new InvalidOperationException($"{typeof(T).Name}.{property.Name}: give this test a value for {type.Name}."),
            });
        }

        return instance;
    }

    private static List<string> Differing<T>(T original, T copy) =>
        [.. typeof(T).GetProperties().Where(p => !Equals(p.GetValue(original), p.GetValue(copy))).Select(p => p.Name)];
}
