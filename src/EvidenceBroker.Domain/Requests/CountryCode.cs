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
}
