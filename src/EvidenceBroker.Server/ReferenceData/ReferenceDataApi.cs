using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Routing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.ReferenceData;

public sealed record ProviderResource(string Id, string Name, string Jurisdiction);

public sealed record AgencyResource(string Id, string Country, string Name);

/// <summary>What any authenticated client may look up before filing: providers, agencies, countries.</summary>
public static class ReferenceDataApi
{
    public static IEndpointRouteBuilder MapReferenceDataApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Reference data").RequireAuthorization(BrokerPolicies.ReferenceData);

        group.MapGet("/providers", async Task<Ok<List<ProviderResource>>> (BrokerDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await db.Providers.AsNoTracking().OrderBy(p => p.Name)
                .Select(p => new ProviderResource(p.Id, p.Name, p.Jurisdiction)).ToListAsync(ct)))
            .WithSummary("Providers that receive requests, with their jurisdiction");

        group.MapGet("/agencies", async Task<Results<Ok<List<AgencyResource>>, ValidationProblem>> (BrokerDbContext db, string? country, CancellationToken ct) =>
        {
            var query = db.Agencies.AsNoTracking();
            if (country is not null)
            {
                // As the request list's requestingCountry: "gb" matches no agency, and an empty list would say there is none.
                if (!CountryCode.IsValid(country))
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["country"] = [CountryCode.Rule] });
                }

                query = query.Where(a => a.Country == country);
            }

            return TypedResults.Ok(await query.OrderBy(a => a.Country).ThenBy(a => a.Name)
                .Select(a => new AgencyResource(a.Id, a.Country, a.Name)).ToListAsync(ct));
        }).WithSummary("Registered agencies, optionally of one country");

        group.MapGet("/countries", async Task<Ok<IReadOnlyList<CountryResource>>> (IPolicyCatalogue catalogue, BrokerDbContext db, CancellationToken ct) =>
                TypedResults.Ok(await catalogue.CountriesAsync(db, ct)))
            .WithSummary("Countries in the policy pack in force, with their EU status and when their assessment is next reviewed");
        return app;
    }
}
