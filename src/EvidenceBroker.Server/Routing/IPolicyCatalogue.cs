namespace EvidenceBroker.Server.Routing;

/// <summary>A country as clients see it in the reference data.</summary>
public sealed record CountryResource(string Code, string Name, bool EuMember, bool BoundByEuEvidenceRegulation, DateOnly ReviewDue);

/// <summary>Read-only facts of the active policy pack.</summary>
public interface IPolicyCatalogue
{
    string ActiveVersion { get; }

    bool KnowsCountry(string code);

    /// <summary>
    /// Whether the pack in force knows <paramref name="code"/>: this node's copy first and, when it does not, the
    /// database's, since another node may have activated a pack that adds the country.
    /// </summary>
    Task<bool> KnowsCountryAsync(Persistence.BrokerDbContext db, string code, CancellationToken ct);

    /// <summary>
    /// The countries of the pack in force as the database holds it: another node may have activated a pack that adds or
    /// drops one since this node last decided a request.
    /// </summary>
    Task<IReadOnlyList<CountryResource>> CountriesAsync(Persistence.BrokerDbContext db, CancellationToken ct);
}
