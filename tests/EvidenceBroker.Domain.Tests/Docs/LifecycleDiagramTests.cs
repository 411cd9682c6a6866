using EvidenceBroker.Domain.Lifecycle;

namespace EvidenceBroker.Domain.Tests.Docs;

/// <summary>docs/lifecycle.md carries the diagram generated from the state machine; this fails when it drifts.</summary>
public sealed class LifecycleDiagramTests
{
    private const string Begin = "```mermaid";
    private const string End = "```";

    [Fact]
    public void The_documented_lifecycle_diagram_is_the_one_the_code_generates()
    {
        var path = Path.Combine(RepositoryRoot(), "docs", "lifecycle.md");
        var expected = Render(RequestLifecycle.ToMermaid());
        if (Environment.GetEnvironmentVariable("UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
        }

        var actual = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        Assert.True(expected == actual,
            "docs/lifecycle.md is stale. Regenerate it with: UPDATE_DOCS=1 dotnet test tests/EvidenceBroker.Domain.Tests");
    }

    private static string Render(string mermaid) =>
        $"""
        # Request lifecycle

        Generated from `RequestLifecycle` in src/EvidenceBroker.Domain by a test: do not edit by hand
        (regenerate with `UPDATE_DOCS=1 dotnet test tests/EvidenceBroker.Domain.Tests`).

        {Begin}
        {mermaid.Trim().ReplaceLineEndings("\n")}
        {End}

        """.ReplaceLineEndings("\n");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EvidenceBroker.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("EvidenceBroker.sln not found above the test assembly.");
    }
}
