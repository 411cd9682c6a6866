using System.Text.Json;
using EvidenceBroker.Policies;
using PolicyDeadline = EvidenceBroker.Policies.Deadline;

namespace EvidenceBroker.Server.Routing;

/// <summary>Reads a stored decision (<see cref="Requests.StoredDecision.DecisionJson"/>) back into the engine's type.</summary>
public static class DecisionJsonReader
{
    public static Decision Read(string json) =>
        JsonSerializer.Deserialize<Decision>(json, DecisionJson.Options) ?? throw new InvalidOperationException("Empty stored decision.");

    /// <summary>For callers that may have no decision yet.</summary>
    public static Decision? ReadOrNull(string? json) => json is null ? null : Read(json);

    public static IReadOnlyList<PolicyDeadline> Deadlines(string json) => Read(json).Deadlines;
}
