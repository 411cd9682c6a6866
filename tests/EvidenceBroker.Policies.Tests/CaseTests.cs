namespace EvidenceBroker.Policies.Tests;

public sealed class CaseTests
{
    public static TheoryData<string> CaseFiles()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(PackLocation.Cases, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(path));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseFiles))]
    public void Case_decides_as_the_pack_expects(string name)
    {
        var policyCase = PolicyCases.Parse(name + ".json", File.ReadAllText(Path.Combine(PackLocation.Cases, name + ".json")));
        var result = PolicyCases.Run(new PolicyEngine(PackLocation.Pack), policyCase);

        Assert.True(result.Passed, $"{name}: {string.Join("; ", result.Failures)}");
    }

    [Fact]
    public void The_pack_holds_at_least_eighty_cases()
    {
        Assert.True(CaseFiles().Count >= 80);
    }
}
