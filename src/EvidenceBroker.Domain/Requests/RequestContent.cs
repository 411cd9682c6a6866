namespace EvidenceBroker.Domain.Requests;

/// <summary>
/// A request as an officer files it: the public model of domain.md §3. Immutable; the same value is
/// stored as the decision's input snapshot so that a decision can be replayed exactly.
/// </summary>
public sealed record RequestContent
{
    /// <summary>ISO 3166-1 alpha-2 of the issuing state.</summary>
    public required string RequestingCountry { get; init; }

    /// <summary>Registered agency of that state. May be absent only in a dry run outside the broker.</summary>
    public string? AgencyId { get; init; }

    /// <summary>The addressee provider.</summary>
    public string? ProviderId { get; init; }

    /// <summary>ISO alpha-2 of the provider's jurisdiction; stands in for <see cref="ProviderId"/> in a dry run.</summary>
    public string? ProviderJurisdiction { get; init; }

    /// <summary>Null lets the broker pick the best channel.</summary>
    public LegalInstrument? LegalInstrument { get; init; }

    public required IReadOnlyList<DataCategory> DataCategories { get; init; }

    public required IReadOnlyList<Identifier> Identifiers { get; init; }

    /// <summary>
    /// The JSON path of an identifier given as <c>null</c>, or null if there is none: System.Text.Json checks the
    /// nullability of members, not of a list's elements, and the engine expects every identifier to be there.
    /// </summary>
    public string? NullIdentifier()
    {
        for (var i = 0; i < Identifiers.Count; i++)
        {
            if (Identifiers[i] is null)
            {
                return $"identifiers[{i}]";
            }
        }

        return null;
    }

    public TimeRange? TimeRange { get; init; }

    public required Offence Offence { get; init; }

    public required Authority IssuingAuthority { get; init; }

    /// <summary>The judge or court that validated an order issued by someone else.</summary>
    public Authority? ValidatedBy { get; init; }

    public required Urgency Urgency { get; init; }

    /// <summary>The articulable and credible facts linking the identifiers to the offence.</summary>
    public required string Justification { get; init; }

    /// <summary>For emergencies: the imminent threat, stated on its own (R11).</summary>
    public string? EmergencyThreat { get; init; }

    public Target? Target { get; init; }

    public IReadOnlyList<SensitiveCircumstance> Flags { get; init; } = [];

    /// <summary>The issuing authority accepts the use limits: no onward transfer to third states without consent (R13).</summary>
    public bool UseLimitsAcknowledged { get; init; }

    /// <summary>
    /// Until when the provider must not notify the user (R15): as the portal's form puts it, "must not tell the user
    /// until" this day, so the provider may tell them from its start (00:00 UTC), when the clock ends.
    /// </summary>
    public DateOnly? NonDisclosureUntil { get; init; }
}

/// <summary>A specific selector. Bulk or wildcard selectors are refused (R1).</summary>
public sealed record Identifier
{
    public required IdentifierType Type { get; init; }
    public required string Value { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
}

public sealed record TimeRange
{
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
}

public sealed record Offence
{
    public required string Description { get; init; }
    public string? Code { get; init; }
    public required decimal MaxPenaltyYears { get; init; }

    /// <summary>A listed offence (EU Art. 5 list: cyber-offences, terrorism, child sexual abuse, …).</summary>
    public bool ListedOffence { get; init; }
}

public sealed record Authority
{
    public required AuthorityType Type { get; init; }
    public required string Name { get; init; }
}

/// <summary>What is known of the person whose data is sought.</summary>
public sealed record Target
{
    public string? Nationality { get; init; }
    public string? Residence { get; init; }
    public string? LocatedIn { get; init; }
}
