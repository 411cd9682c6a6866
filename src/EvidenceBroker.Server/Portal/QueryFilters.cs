using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Requests;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace EvidenceBroker.Server.Portal;

/// <summary>
/// The filters a list page reads from its address, each refused in the API's words when it cannot be applied, by the
/// name it has in the address (the field an <c>eb-errors</c> form shows its message at). A value that cannot be read
/// must not be taken as "any": the page would show an unfiltered list that looks filtered. An empty value is "any", as
/// each filter's first option sends it. A value given twice (<c>?state=filed&amp;state=closed</c>) is refused too, as the
/// API refuses it: binding would read the first and list it as if it were the only one.
/// </summary>
public sealed class QueryFilters
{
    /// <summary>Said of a date that cannot be read (the form's date fields send YYYY-MM-DD).</summary>
    public const string DateRule = "A date, YYYY-MM-DD.";

    /// <summary>Said of a value the address gives more than once, in the API's words.</summary>
    public const string RepeatedRule = "Give this value once.";

    private readonly ModelStateDictionary modelState;

    /// <summary>The filters of a list read from <paramref name="query"/>, each value given more than once refused at once.</summary>
    public QueryFilters(ModelStateDictionary modelState, IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        this.modelState = modelState;
        foreach (var (name, values) in query)
        {
            if (values.Count > 1)
            {
                Errors[name] = name == PageParameter ? PageMessage(RepeatedRule) : RepeatedRule;
            }
        }
    }

    /// <summary>Message by field, as <see cref="FormErrorsTagHelper"/> shows them; empty when every filter could be read.</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>The page number's name in the address ("page" is taken by Razor Pages).</summary>
    public const string PageParameter = "p";

    /// <summary>A filter could not be applied, so no list may be shown.</summary>
    public bool Refused => Errors.Count > 0;

    /// <summary>Refuses <paramref name="field"/> with <paramref name="message"/> unless <paramref name="acceptable"/>.</summary>
    public void Check(bool acceptable, string field, string message)
    {
        if (!acceptable)
        {
            Errors.TryAdd(field, message);
        }
    }

    /// <summary>A country code as the API's lists take it: in capitals, never folded (a "gb" would match nothing).</summary>
    public string? Country(string? text, string field)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        Check(CountryCode.IsValid(text), field, CountryCode.Rule);
        return CountryCode.IsValid(text) ? text : null;
    }

    /// <summary>One of <typeparamref name="T"/>'s wire names, as the API's lists take them.</summary>
    public T? WireName<T>(string? text, string field) where T : struct, Enum
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var known = Wire.TryParse<T>(text, out var value);
        Check(known, field, Wire.OneOf<T>());
        return known ? value : null;
    }

    /// <summary>
    /// A rule of the policy vocabulary, typed by a person: surrounding spaces and lower case are let pass, since the
    /// search by failed rule is made with the id in capitals and so finds what the id in capitals finds.
    /// </summary>
    public string? Rule(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var id = text.Trim().ToUpperInvariant();
        Check(RuleIds.IsKnown(id), field, RuleIds.Unknown(text.Trim()));
        return RuleIds.IsKnown(id) ? id : null;
    }

    /// <summary>
    /// A period of whole days, either end open; a date that could not be read (bound as none) is refused, as is a last
    /// day before the first, in the reports' words.
    /// </summary>
    public (DateOnly? From, DateOnly? To) Period(DateOnly? from, string fromProperty, DateOnly? to, string toProperty)
    {
        Check(modelState[fromProperty] is not { Errors.Count: > 0 }, "from", DateRule);
        Check(modelState[toProperty] is not { Errors.Count: > 0 }, "to", DateRule);
        Check(from is not { } first || to is not { } last || last >= first, "to", PeriodRule.ToBeforeFrom);
        return (from, to);
    }

    /// <summary>
    /// The page of a list asked for (query "p"), none being the first; one that cannot be read or lies outside the API's
    /// pages is refused (under "p", which no field of the page shows, so the message says where it comes from).
    /// </summary>
    public int PageNumber(int? asked)
    {
        var readable = modelState[PageParameter] is not { Errors.Count: > 0 } && (asked is null || ResultPages.IsValidPage(asked.Value));
        Check(readable, PageParameter, PageMessage(ResultPages.PageRule));
        return readable ? asked ?? 1 : 1;
    }

    private static string PageMessage(string rule) => $"The page number in the address ({PageParameter}): {rule}";

    /// <summary>
    /// The page asked for of a list that has no other filter (an inbox): its number, and why it cannot be shown (null
    /// when it can), which such a page says in place of its list.
    /// </summary>
    public static (int Number, string? Refused) PageNumberAlone(ModelStateDictionary modelState, IQueryCollection query, int? asked)
    {
        var filters = new QueryFilters(modelState, query);
        var number = filters.PageNumber(asked);
        return (number, filters.Errors.Values.FirstOrDefault());
    }
}
