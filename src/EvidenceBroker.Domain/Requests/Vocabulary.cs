using System.Text.Json.Serialization;

namespace EvidenceBroker.Domain.Requests;

// The public vocabulary of domain.md §3. Wire names are fixed here so that the API, the CLI and the
// policy cases all read and write the same words; integers are never accepted for these.

/// <summary>The legal basis a request relies on; omitted means "let the broker pick the best channel".</summary>
public enum LegalInstrument
{
    [JsonStringEnumMemberName("cloud-act-agreement")] CloudActAgreement,
    [JsonStringEnumMemberName("eu-epoc")] EuEpoc,
    [JsonStringEnumMemberName("eu-epoc-pr")] EuEpocPr,
    [JsonStringEnumMemberName("budapest-art7")] BudapestArt7,
    [JsonStringEnumMemberName("voluntary")] Voluntary,
    [JsonStringEnumMemberName("mlat")] Mlat,
}

public enum DataCategory
{
    [JsonStringEnumMemberName("subscriber")] Subscriber,
    /// <summary>IP address and time used only to identify a user.</summary>
    [JsonStringEnumMemberName("identification")] Identification,
    [JsonStringEnumMemberName("traffic")] Traffic,
    [JsonStringEnumMemberName("content")] Content,
    /// <summary>Real-time collection; never available on a direct channel.</summary>
    [JsonStringEnumMemberName("interception")] Interception,
}

public enum IdentifierType
{
    [JsonStringEnumMemberName("email")] Email,
    [JsonStringEnumMemberName("phone")] Phone,
    [JsonStringEnumMemberName("account")] Account,
    [JsonStringEnumMemberName("ip")] Ip,
    [JsonStringEnumMemberName("device")] Device,
    [JsonStringEnumMemberName("url")] Url,
}

public enum AuthorityType
{
    [JsonStringEnumMemberName("judge")] Judge,
    [JsonStringEnumMemberName("court")] Court,
    [JsonStringEnumMemberName("investigating-judge")] InvestigatingJudge,
    [JsonStringEnumMemberName("prosecutor")] Prosecutor,
    [JsonStringEnumMemberName("police")] Police,
    [JsonStringEnumMemberName("other")] Other,
}

public enum Urgency
{
    [JsonStringEnumMemberName("standard")] Standard,
    /// <summary>Imminent threat to life, physical integrity or critical infrastructure.</summary>
    [JsonStringEnumMemberName("emergency")] Emergency,
    [JsonStringEnumMemberName("preservation")] Preservation,
}

/// <summary>The circumstances that the "flags" field of a request marks (R7, R8, R9).</summary>
public enum SensitiveCircumstance
{
    [JsonStringEnumMemberName("press")] Press,
    [JsonStringEnumMemberName("political")] Political,
    [JsonStringEnumMemberName("privileged")] Privileged,
    [JsonStringEnumMemberName("immunity")] Immunity,
    [JsonStringEnumMemberName("deathPenaltyPossible")] DeathPenaltyPossible,
    [JsonStringEnumMemberName("onBehalfOfThirdState")] OnBehalfOfThirdState,
}

/// <summary>What the policy engine decides for a request (domain.md §5).</summary>
public enum Outcome
{
    [JsonStringEnumMemberName("direct")] Direct,
    [JsonStringEnumMemberName("mlat")] Mlat,
    [JsonStringEnumMemberName("human-review")] HumanReview,
    [JsonStringEnumMemberName("rejected")] Rejected,
}
