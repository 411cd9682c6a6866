using System.Text.RegularExpressions;
using EvidenceBroker.Server.Requests;

namespace EvidenceBroker.Server.Tests.Requests;

public sealed class RequestReferencesTests
{
    [Fact]
    public void A_reference_is_the_year_and_eight_characters_that_cannot_be_misread()
    {
        var references = new RandomRequestReferences();
        var at = new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);

        var drawn = Enumerable.Range(0, 1_000).Select(_ => references.Next(at)).ToList();

        Assert.All(drawn, reference => Assert.Matches(new Regex("^EB-2026-[2-9A-HJ-NP-Z]{8}$"), reference));
        Assert.Equal(drawn.Count, drawn.Distinct().Count());
        Assert.Equal(32, drawn.SelectMany(reference => reference[8..]).Distinct().Count()); // every character is used
    }
}
