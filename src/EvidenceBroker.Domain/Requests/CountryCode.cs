using System.Diagnostics.CodeAnalysis;

namespace EvidenceBroker.Domain.Requests;

/// <summary>
/// How every input names a country: ISO 3166-1 alpha-2 in capitals, the form requests, suspensions and the register keep.
/// One rule and one wording for the API, the portal and the CLI, because copies of it had drifted (one message left out
/// the capitals the check required, so "gb" was refused without saying why).
/// </summary>
public static class CountryCode
{
    /// <summary>Said wherever a country code is refused.</summary>
    public const string Rule = "An ISO 3166-1 alpha-2 code in capitals, such as GB.";

    /// <summary>
    /// Two capital ASCII letters. Lower case is refused rather than folded: a suspension or a filter kept under "GB" would
    /// silently miss "gb". Whether the code is assigned is for the policy pack, which names the countries it knows.
    /// </summary>
    public static bool IsValid([NotNullWhen(true)] string? code) =>
        code is { Length: 2 } && char.IsAsciiLetterUpper(code[0]) && char.IsAsciiLetterUpper(code[1]);

    /// <summary>
    /// A code ISO 3166-1 assigns to a country (not XX or ZZ, which fit <see cref="IsValid"/>): a policy pack names only
    /// these, and so does the directory for a provider's jurisdiction.
    /// </summary>
    public static bool IsAssigned([NotNullWhen(true)] string? code) => IsValid(code) && Assigned.Contains(code);

    // ISO 3166-1 alpha-2 officially assigned codes.
    private const string Codes =
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
        "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
        "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
        "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
        "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
        "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
        "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

    private static readonly HashSet<string> Assigned = new(Codes.Split(' '), StringComparer.Ordinal);
}
