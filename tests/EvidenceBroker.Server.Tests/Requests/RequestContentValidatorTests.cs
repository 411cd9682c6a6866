using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Tests.Infrastructure;

namespace EvidenceBroker.Server.Tests.Requests;

public sealed class RequestContentValidatorTests
{
    private static RequestContent Sample() =>
        SampleRequests.MetToNorthwindSubscriber().Deserialize<RequestContent>(PublicModelJson.Options)!;

    [Fact]
    public void A_well_formed_request_passes()
    {
        Assert.True(new RequestContentValidator().Validate(Sample()).IsValid);
    }

    [Fact]
    public void Enum_values_without_a_name_are_reported_against_their_fields()
    {
        var content = Sample() with
        {
            Urgency = (Urgency)42,
            DataCategories = [(DataCategory)99],
            Identifiers = [Sample().Identifiers[0] with { Type = (IdentifierType)77 }],
        };

        var failed = new RequestContentValidator().Validate(content).Errors.Select(e => e.PropertyName).ToHashSet();

        Assert.Contains("Urgency", failed);
        Assert.Contains("DataCategories[0]", failed);
        Assert.Contains("Identifiers[0].Type", failed);
    }
}
