using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Routing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Portal.Pages.Oversight;

/// <summary>Decision search for oversight: by country, provider, outcome, channel, failed rule and period.</summary>
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

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        Providers = await db.Providers.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct);
        Countries = await catalogue.CountriesAsync(db, ct);
        var search = new PortalSearch(
            Country, Provider,
            Wire.TryParse<Outcome>(Outcome, out var o) ? o : null,
            Wire.TryParse<LegalInstrument>(Channel, out var c) ? c : null,
            string.IsNullOrWhiteSpace(Rule) ? null : Rule.Trim().ToUpperInvariant(), From, To);
        Rows = await requests.ListAsync(Caller.From(User)!, search, ct, take: 200);
    }
}
