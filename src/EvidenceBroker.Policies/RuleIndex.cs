namespace EvidenceBroker.Policies;

/// <summary>
/// Each rule's position in <see cref="PackVocabulary.Rules"/>, which is its slot in a decision's reasons. Named once here
/// so that the engine and the texts cannot each keep a count of their own: a position that no longer names its rule
/// would file every reason under another rule's id. RuleIndexTests holds each name to its rule id.
/// </summary>
internal static class RuleIndex
{
    public const int C1 = 0;
    public const int C2 = 1;
    public const int C3 = 2;
    public const int C4 = 3;
    public const int C5 = 4;
    public const int C6 = 5;
    public const int C7 = 6;
    public const int C8 = 7;
    public const int C9 = 8;
    public const int C10 = 9;
    public const int C11 = 10;
    public const int R1 = 11;
    public const int R2 = 12;
    public const int R3 = 13;
    public const int R4 = 14;
    public const int R5 = 15;
    public const int R6 = 16;
    public const int R7 = 17;
    public const int R8 = 18;
    public const int R9 = 19;
    public const int R10 = 20;
    public const int R11 = 21;
    public const int R12 = 22;
    public const int R13 = 23;
    public const int R14 = 24;
    public const int R15 = 25;

    /// <summary>The criteria a country file assesses, in <see cref="PackVocabulary.AssessedCriteria"/> order.</summary>
    public static readonly int[] AssessedCriteria = [C2, C3, C4, C5, C6, C7, C9];
}
