using System.Text.Json.Serialization;

namespace EvidenceBroker.Domain.Lifecycle;

/// <summary>
/// Why a provider refuses or objects. The first group are the grounds of Reg. (EU) 2023/1543 (Art. 10–12, 17);
/// the second are the reasons providers commonly give under other channels.
/// </summary>
public enum RefusalGround
{
    /// <summary>Art. 12(1)(a): immunities or privileges, or rules on press freedom, in the enforcing state.</summary>
    [JsonStringEnumMemberName("immunity-or-privilege")] ImmunityOrPrivilege,

    /// <summary>Art. 12(1)(b): a manifest breach of a fundamental right (Art. 6 TEU, the Charter).</summary>
    [JsonStringEnumMemberName("fundamental-rights")] FundamentalRights,

    /// <summary>Art. 12(1)(c): ne bis in idem.</summary>
    [JsonStringEnumMemberName("ne-bis-in-idem")] NeBisInIdem,

    /// <summary>Art. 12(1)(d): not an offence in the enforcing state, outside the Annex IV list.</summary>
    [JsonStringEnumMemberName("double-criminality")] DoubleCriminality,

    /// <summary>Art. 10(5), 11(4): the order is incomplete, manifestly erroneous or lacks information.</summary>
    [JsonStringEnumMemberName("incomplete-or-erroneous")] IncompleteOrErroneous,

    /// <summary>Art. 10(7): de facto impossibility, e.g. the person is not a customer or the data were deleted.</summary>
    [JsonStringEnumMemberName("de-facto-impossible")] DeFactoImpossible,

    /// <summary>Art. 17: compliance would conflict with the law of a third country.</summary>
    [JsonStringEnumMemberName("conflicting-third-country-law")] ConflictingThirdCountryLaw,

    [JsonStringEnumMemberName("data-not-held")] DataNotHeld,
    [JsonStringEnumMemberName("overbroad")] Overbroad,
    [JsonStringEnumMemberName("insufficient-justification")] InsufficientJustification,
    [JsonStringEnumMemberName("not-a-valid-channel")] NotAValidChannel,
    [JsonStringEnumMemberName("other")] Other,
}
