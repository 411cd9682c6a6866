using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Server.Portal;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The words the portal's messages put a request's state in.</summary>
public sealed class PortalTextTests
{
    /// <summary>A reviewer's "Send to MLAT" said "The request is now queued for mlat."; a refusal, "the request is Partially produced."</summary>
    [Theory]
    [InlineData(RequestState.QueuedForMlat, "queued for MLAT")]
    [InlineData(RequestState.PartiallyProduced, "partially produced")]
    [InlineData(RequestState.RoutedToProvider, "with the provider")]
    public void A_state_inside_a_sentence_starts_in_lower_case_and_keeps_its_acronyms(RequestState state, string expected) =>
        Assert.Equal(expected, PortalText.StateInSentence(state));
}
