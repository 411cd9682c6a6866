namespace EvidenceBroker.Domain.Requests;

/// <summary>The broker carries requests from one state to a provider in another; a request within one state is not one.</summary>
public static class CrossBorder
{
    /// <summary>
    /// Why a request to a provider in the requesting state is refused, or null when the states differ. No channel is open
    /// within one state, and an MLAT request from a state to itself is no request at all.
    /// </summary>
    public static string? Refusal(string requestingCountry, string? providerJurisdiction) =>
        providerJurisdiction is not null && providerJurisdiction == requestingCountry
            ? $"This provider is in {providerJurisdiction}, the requesting state: ask it through {providerJurisdiction}'s own legal process; " +
              "the broker carries requests across borders only."
            : null;
}
