using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;

namespace EvidenceBroker.Server.Routing;

/// <summary>
/// Everything the engine saw, in a form that can be stored and turned back into the same
/// <see cref="PolicyInput"/>: the request, the provider's jurisdiction, the date and the suspensions in force.
/// </summary>
public sealed record StoredPolicyInput(
    RequestContent Request,
    string ProviderJurisdiction,
    DateOnly EvaluationDate,
    IReadOnlyList<string> SuspendedCountries,
    bool EmergencyConfirmedBySupervisor)
{
    public PolicyInput ToInput() => new(Request, ProviderJurisdiction, EvaluationDate)
    {
        Suspensions = new CountrySuspensions(SuspendedCountries),
        EmergencyConfirmedBySupervisor = EmergencyConfirmedBySupervisor,
    };

    public string ToJson() => JsonSerializer.Serialize(this, PublicModelJson.Options);

    public static StoredPolicyInput FromJson(string json) =>
        JsonSerializer.Deserialize<StoredPolicyInput>(json, PublicModelJson.Options)
        ?? throw new InvalidOperationException("A stored policy input is empty.");
}
