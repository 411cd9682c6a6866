namespace EvidenceBroker.Policies.Tests;

/// <summary>The real pack in the repository, found by walking up from the test binaries.</summary>
internal static class PackLocation
{
    public static string Directory { get; } = Find();

    public static string Cases => Path.Combine(Directory, "cases");

    public static PolicyPack Pack => LazyPack.Value;

    private static readonly Lazy<PolicyPack> LazyPack = new(() =>
    {
        var result = PolicyPackLoader.LoadDirectory(Directory);
        return result.Pack ?? throw new InvalidOperationException(string.Join(Environment.NewLine, result.Errors));
    });

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "policies");
            if (File.Exists(Path.Combine(candidate, "pack.yaml")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("policies/pack.yaml not found above " + AppContext.BaseDirectory);
    }
}
