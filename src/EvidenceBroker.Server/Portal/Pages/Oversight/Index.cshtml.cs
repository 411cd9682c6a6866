using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Routing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Portal.Pages.Oversight;

/// <summary>
/// Decision search for oversight: by country, provider, outcome, channel, failed rule and period. A filter that cannot
/// be applied is refused at its field and no decision is listed: the list without it would look like its answer.
/// </summary>
public sealed class IndexModel(PortalRequests requests, BrokerDbContext db, IPolicyCatalogue catalogue, TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Country { get; set; }
    [BindProperty(SupportsGet = true)] public string? Provider { get; set; }
    [BindProperty(SupportsGet = true)] public string? Outcome { get; set; }
    [BindProperty(SupportsGet = true)] public string? Channel { get; set; }
    [BindProperty(SupportsGet = true)] public string? Rule { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? From { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? To { get; set; }

    public List<PortalRow> Rows { get; private set; } = [];
    public List<ReferenceData.Provider> Providers { get; private set; } = [];
    public IReadOnlyList<CountryResource> Countries { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }

    /// <summary>Message by filter that could not be applied; when there is one, <see cref="Rows"/> stays empty and is not shown.</summary>
    public IReadOnlyDictionary<string, string> Errors { get; private set; } = RefusedForm.None.Errors;

    public bool Refused => Errors.Count > 0;

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        Providers = await db.Providers.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct);
        Countries = await catalogue.CountriesAsync(db, ct);
        var filters = new QueryFilters(ModelState, Request.Query);
        var country = filters.Country(Country, "country");
        filters.Check(string.IsNullOrEmpty(Provider) || Providers.Exists(p => p.Id == Provider), "provider", "No provider with this id.");
        var outcome = filters.WireName<Outcome>(Outcome, "outcome");
        var channel = filters.WireName<LegalInstrument>(Channel, "channel");
        var rule = filters.Rule(Rule, "rule");
        var (from, to) = filters.Period(From, nameof(From), To, nameof(To));
        Errors = filters.Errors;
        if (Refused)
        {
            return;
        }

        var search = new PortalSearch(country, string.IsNullOrEmpty(Provider) ? null : Provider, outcome, channel, rule, from, to);
        Rows = await requests.ListAsync(Caller.From(User)!, search, ct, take: 200);
    }
}
