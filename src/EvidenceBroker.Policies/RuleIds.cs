namespace EvidenceBroker.Policies;

/// <summary>
/// The ids a decision's reasons are filed under, for those outside the engine that take one from a person (the
/// portal's search by failed rule) and must refuse an id no decision can carry rather than search for it.
/// </summary>
public static class RuleIds
{
    /// <summary>Said wherever a rule id is refused, after naming it.</summary>
    public const string Known = "Rules are C1–C11 and R1–R15.";

    /// <summary>An id of the vocabulary every pack defines, as it is written (capitals).</summary>
    public static bool IsKnown(string? id) => id is not null && Array.IndexOf(PackVocabulary.Rules, id) >= 0;

    /// <summary>Why <paramref name="id"/> is refused, in the words the pack loader uses for a rule it does not know.</summary>
    public static string Unknown(string id) => $"Unknown rule '{id}'. {Known}";
}
