using System.Reflection;

namespace EvidenceBroker.Policies.Tests;

/// <summary>
/// The engine and the rule texts file every reason by <see cref="RuleIndex"/>; a rule inserted or moved in
/// <see cref="PackVocabulary.Rules"/> without the index following would file reasons under another rule's id.
/// </summary>
public sealed class RuleIndexTests
{
    private static readonly FieldInfo[] Named =
        typeof(RuleIndex).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToArray();

    [Fact]
    public void Each_named_index_points_at_the_rule_of_its_name()
    {
        Assert.All(Named, field => Assert.Equal(field.Name, PackVocabulary.Rules[(int)field.GetRawConstantValue()!]));
    }

    [Fact]
    public void Every_rule_has_a_named_index_and_a_slot_in_the_reasons()
    {
        Assert.Equal(PackVocabulary.Rules.Order(StringComparer.Ordinal), Named.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal(PolicyPack.RuleCount, PackVocabulary.Rules.Length);
    }

    [Fact]
    public void The_assessed_criteria_indexes_point_at_the_criteria_a_country_file_assesses()
    {
        Assert.Equal(PackVocabulary.AssessedCriteria, RuleIndex.AssessedCriteria.Select(i => PackVocabulary.Rules[i]));
    }
}
