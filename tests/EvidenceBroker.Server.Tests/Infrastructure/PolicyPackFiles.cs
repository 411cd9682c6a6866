namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>The repository's policy pack, and the edits tests make to copies of it.</summary>
public static class PolicyPackFiles
{
    public static string Directory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "policies", "pack.yaml")))
            {
                return Path.Combine(dir.FullName, "policies");
            }
        }

        throw new DirectoryNotFoundException("policies/ not found above the test assembly.");
    }

    /// <summary>A country file in which one assessed criterion (e.g. C4) is no longer met.</summary>
    public static string MarkCriterionUnmet(string countryYaml, string criterion)
    {
        var lines = countryYaml.Split('\n').ToList();
        var at = lines.FindIndex(l => l.TrimStart().StartsWith(criterion + ":", StringComparison.Ordinal));
        Assert.True(at >= 0, $"{criterion} not found in the country file");
        var met = lines.FindIndex(at, l => l.TrimStart().StartsWith("met:", StringComparison.Ordinal));
        lines[met] = lines[met].Replace("true", "false", StringComparison.Ordinal);
        return string.Join('\n', lines);
    }
}
