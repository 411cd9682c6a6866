using System.Text.Json.Nodes;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>Requests in the public model, as JSON a client would send; tests change one thing at a time.</summary>
public static class SampleRequests
{
    /// <summary>Met Police → Northwind Mail (US), subscriber data, court order: direct under the US–UK agreement.</summary>
    public static JsonObject MetToNorthwindSubscriber() => new()
    {
        ["requestingCountry"] = "GB",
        ["agencyId"] = "gb-met",
        ["providerId"] = "northwind-mail",
        ["dataCategories"] = new JsonArray("subscriber"),
        ["identifiers"] = new JsonArray(new JsonObject { ["type"] = "email", ["value"] = "suspect.one@northwind.example" }),
        ["timeRange"] = new JsonObject { ["from"] = "2026-01-01T00:00:00Z", ["to"] = "2026-06-30T00:00:00Z" },
        ["offence"] = new JsonObject
        {
            ["description"] = "Fraud by false representation (Fraud Act 2006 s.2)",
            ["code"] = "FA2006-s2",
            ["maxPenaltyYears"] = 10,
        },
        ["issuingAuthority"] = new JsonObject { ["type"] = "court", ["name"] = "Westminster Magistrates' Court" },
        ["urgency"] = "standard",
        ["justification"] = "Bank records show the proceeds of 14 invoice frauds between February and May 2026 were " +
                            "requested from victims by messages sent from suspect.one@northwind.example.",
        ["useLimitsAcknowledged"] = true,
        ["nonDisclosureUntil"] = "2027-06-30",
    };

    /// <summary>
    /// The Met's emergency, ordered by the police: its supervisor must confirm it (R11), and it must be validated
    /// within 48 hours afterwards (R4), the agency's clock.
    /// </summary>
    public static JsonObject MetEmergencyByPolice() => MetToNorthwindSubscriber()
        .With("urgency", "emergency")
        .With("emergencyThreat", "A credible threat to kill a named person on 24 November 2026 was sent from this account.")
        .With("issuingAuthority", new JsonObject { ["type"] = "police", ["name"] = "Met Police duty inspector" });

    /// <summary>
    /// BKA (Germany) → Emerald Cloud (Ireland), content ordered by a judge, of a person living in Ireland: an EU
    /// production order whose enforcing state, Ireland, is notified and may object (R14).
    /// </summary>
    public static JsonObject BkaToEmeraldContentOfAnIrishResident() => MetToNorthwindSubscriber()
        .With("requestingCountry", "DE")
        .With("agencyId", "de-bka")
        .With("providerId", "emerald-cloud")
        .With("dataCategories", new JsonArray("content"))
        .With("issuingAuthority", new JsonObject { ["type"] = "judge", ["name"] = "Amtsgericht Wiesbaden" })
        .With("target", new JsonObject { ["nationality"] = "DE", ["residence"] = "IE", ["locatedIn"] = "DE" });

    /// <summary>MVD (Russia) → Northwind Mail: no direct channel, so MLAT.</summary>
    public static JsonObject MvdToNorthwind()
    {
        var request = MetToNorthwindSubscriber();
        request["requestingCountry"] = "RU";
        request["agencyId"] = "ru-mvd";
        request["issuingAuthority"] = new JsonObject { ["type"] = "court", ["name"] = "Tverskoy District Court" };
        return request;
    }

    public static JsonObject With(this JsonObject request, string property, JsonNode? value)
    {
        var copy = request.DeepClone().AsObject();
        copy[property] = value;
        return copy;
    }

    public static JsonObject Without(this JsonObject request, string property)
    {
        var copy = request.DeepClone().AsObject();
        copy.Remove(property);
        return copy;
    }
}
