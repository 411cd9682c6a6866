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

        ## How to read it

        Each box is a state of a request; each arrow is an action, named by its trigger in the code. The API and the
        portal write the states in lower case with hyphens (`RoutedToProvider` is `routed-to-provider`).

        - **Filed** is where every request starts; the policy engine's decision moves it at once: straight to the
          provider (`RoutedToProvider`, or `PreservationActive` for a preservation order), to the MLAT queue, to a
          reviewer, to the agency's supervisor (an emergency), or back to the officer (`Rejected`).
        - **Decision1**, **Decision2** and **Decision3** are not states but branches. When a supervisor confirms an emergency, the
          broker decides the request again under the rules in force, and it goes to a reviewer if another rule still
          asks for one (Decision1). A request a reviewer approves becomes an active preservation or goes to the
          provider, by the kind of order it is (Decision2). The agency's answer to the provider's question returns the
          request to where the question found it (Decision3): acknowledged, or, for a question asked before acknowledging,
          routed to the provider, who has still to acknowledge it. The text in brackets names the branch.
        - **Objected** is the provider's objection to the order. The enforcing state's time to object to a notified EU
          order (R14) is a clock on the request, not a state: it runs on after the request is closed, and ends when the
          order is withdrawn; see policies/README.md, "Deadlines and how they are counted".
        - **Closed**: the filing agency closes a request once it is finished, or once its MLAT request has run its course
          (been recorded executed or refused: until then closing is refused, and the request can be withdrawn instead). A
          request whose MLAT request was executed can no longer be withdrawn: it is closed.
        - **Who acts.** The agency (its officers or case system) withdraws, answers a clarification, extends or converts a
          preservation and closes; the provider acknowledges, asks for clarification, produces, refuses or objects; the
          agency's supervisor confirms or refuses an emergency; a reviewer approves, sends to MLAT or rejects; the broker
          itself ends a preservation whose period has run out (`ExpirePreservation`).

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
