using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Policies.Tests;

/// <summary>A plain request's content from one country to another (content data by default); tests change one thing at a time.</summary>
internal static class SampleContent
{
    public static RequestContent Request(string from = "GB", string to = "US", params DataCategory[] categories) => new()
    {
        RequestingCountry = from,
        AgencyId = from == "GB" ? "gb-nca" : from == "DE" ? "de-bka" : null,
        ProviderJurisdiction = to,
        DataCategories = categories.Length == 0 ? [DataCategory.Content] : categories,
        Identifiers = [new Identifier { Type = IdentifierType.Email, Value = "suspect@example.com" }],
        TimeRange = new TimeRange { From = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), To = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero) },
        Offence = new Offence { Description = "Fraud", MaxPenaltyYears = 10 },
        IssuingAuthority = new Authority { Type = AuthorityType.Judge, Name = "Crown Court" },
        Urgency = Urgency.Standard,
        Justification = "Payments from fourteen victims were instructed from suspect@example.com.",
        Target = new Target { Nationality = from, Residence = from, LocatedIn = from },
        UseLimitsAcknowledged = true,
        NonDisclosureUntil = new DateOnly(2027, 3, 1),
    };
}
