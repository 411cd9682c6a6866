namespace EvidenceBroker.Server.Routing;

/// <summary>A country as clients see it in the reference data.</summary>
public sealed record CountryResource(string Code, string Name, bool EuMember, bool BoundByEuEvidenceRegulation, DateOnly ReviewDue);

/// <summary>Read-only facts of the active policy pack.</summary>
public interface IPolicyCatalogue
{
    string ActiveVersion { get; }

    bool KnowsCountry(string code);

    IReadOnlyList<CountryResource> Countries();
}
