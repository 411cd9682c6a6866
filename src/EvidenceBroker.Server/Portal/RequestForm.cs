using System.Globalization;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Errors;

namespace EvidenceBroker.Server.Portal;

/// <summary>
/// The officer's request form as posted (plain strings, so a half-filled form still binds and the preview can
/// say what is missing). <see cref="ToContent"/> turns it into the public model and reports fields it cannot read.
/// </summary>
public sealed partial class RequestForm
{
    public const int IdentifierRows = 3;

    /// <summary>
    /// Digits with at most one point, as the API's JSON number: no thousands separator ("1,5" would read as 15 years,
    /// which decides R3), no sign.
    /// </summary>
    private const NumberStyles PenaltyNumber = NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;

    public string? ProviderId { get; set; }
    public string? LegalInstrument { get; set; }
    public List<string> Categories { get; set; } = [];
    public List<string> IdentifierTypes { get; set; } = [];
    public List<string> IdentifierValues { get; set; } = [];
    public string? TimeFrom { get; set; }
    public string? TimeTo { get; set; }
    public string? OffenceDescription { get; set; }
    public string? OffenceCode { get; set; }
    public string? MaxPenaltyYears { get; set; }
    public bool ListedOffence { get; set; }
    public string? AuthorityType { get; set; }
    public string? AuthorityName { get; set; }
    public string? ValidatedByType { get; set; }
    public string? ValidatedByName { get; set; }
    public string? Urgency { get; set; }
    public string? EmergencyThreat { get; set; }
    public string? Justification { get; set; }
    public string? TargetNationality { get; set; }
    public string? TargetResidence { get; set; }
    public string? TargetLocatedIn { get; set; }
    public List<string> Flags { get; set; } = [];
    public bool UseLimitsAcknowledged { get; set; }
    public string? NonDisclosureUntil { get; set; }

    /// <summary>
    /// Names the validator's errors as the form shows them: an identifier's error under the row it was typed in (the
    /// validator counts only the filled rows).
    /// </summary>
    public Dictionary<string, string[]> ByFormField(IEnumerable<KeyValuePair<string, string[]>> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var placed = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (field, messages) in errors)
        {
            var match = IdentifierField().Match(field);
            var name = match.Success && int.TryParse(match.Groups["index"].ValueSpan, CultureInfo.InvariantCulture, out var index) && index < identifierRows.Count
                ? $"identifiers[{identifierRows[index]}]{match.Groups["rest"].Value}"
                : field;
            placed[name] = messages;
        }

        return placed;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^identifiers\[(?<index>\d+)\](?<rest>\..+)$")]
    private static partial System.Text.RegularExpressions.Regex IdentifierField();

    /// <summary>Makes a double click or a reload file once: the intake's idempotency key.</summary>
    public string? SubmissionKey { get; set; }

    /// <summary>The form row of each identifier <see cref="ToContent"/> kept (blank rows are skipped).</summary>
    private readonly List<int> identifierRows = [];

    public RequestContent ToContent(string country, string agencyId, Dictionary<string, string[]> errors)
    {
        var categories = Parse<DataCategory>(Categories, "dataCategories", errors);
        var flags = Parse<SensitiveCircumstance>(Flags, "flags", errors);
        var identifiers = new List<Identifier>();
        identifierRows.Clear();
        for (var i = 0; i < IdentifierValues.Count; i++)
        {
            var value = IdentifierValues[i]?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var typeText = i < IdentifierTypes.Count ? IdentifierTypes[i] : null;
            if (!Wire.TryParse<IdentifierType>(typeText, out var type))
            {
                errors[$"identifiers[{i}].type"] = ["Choose the kind of identifier."];
                continue;
            }

            identifiers.Add(new Identifier { Type = type, Value = value });
            identifierRows.Add(i);
        }

        LegalInstrument? instrument = null;
        if (!string.IsNullOrEmpty(LegalInstrument))
        {
            if (Wire.TryParse<LegalInstrument>(LegalInstrument, out var parsed)) { instrument = parsed; }
            else { errors["legalInstrument"] = ["Choose a legal instrument from the list, or let the broker pick."]; }
        }

        if (!Wire.TryParse<Urgency>(Urgency, out var urgency))
        {
            errors["urgency"] = ["Choose standard, emergency or preservation."];
        }

        if (!Wire.TryParse<AuthorityType>(AuthorityType, out var authorityType))
        {
            authorityType = Domain.Requests.AuthorityType.Other;
            errors["issuingAuthority.type"] = ["Choose who issued the order."];
        }

        Authority? validatedBy = null;
        if (!string.IsNullOrWhiteSpace(ValidatedByName) || !string.IsNullOrEmpty(ValidatedByType))
        {
            if (Wire.TryParse<AuthorityType>(ValidatedByType, out var vType))
            {
                validatedBy = new Authority { Type = vType, Name = ValidatedByName?.Trim() ?? "" };
            }
            else
            {
                errors["validatedBy.type"] = ["Choose who validated the order, or leave both validation fields empty."];
            }
        }

        decimal penalty = 0;
        if (string.IsNullOrWhiteSpace(MaxPenaltyYears)
            || !decimal.TryParse(MaxPenaltyYears, PenaltyNumber, CultureInfo.InvariantCulture, out penalty))
        {
            errors["offence.maxPenaltyYears"] = ["Give the maximum penalty in years as digits, with a point for a fraction: 1.5, not 1,5."];
        }

        TimeRange? range = null;
        var from = Date(TimeFrom, "timeRange.from", errors);
        var to = Date(TimeTo, "timeRange.to", errors);
        if (from is not null && to is not null)
        {
            // Whole days: "to" is inclusive on the form, so the range ends at the next midnight.
            if (WholeDays.End(to.Value) is { } end)
            {
                range = new TimeRange { From = WholeDays.Start(from.Value), To = end };
            }
            else
            {
                errors["timeRange.to"] = ["Give a last day before 31 December 9999."];
            }
        }
        else if (from is not null || to is not null)
        {
            errors["timeRange"] = ["Give both the first and the last day of the data wanted."];
        }

        var nonDisclosure = Date(NonDisclosureUntil, "nonDisclosureUntil", errors);
        Target? target = null;
        if (!string.IsNullOrWhiteSpace(TargetNationality) || !string.IsNullOrWhiteSpace(TargetResidence) || !string.IsNullOrWhiteSpace(TargetLocatedIn))
        {
            target = new Target { Nationality = Code(TargetNationality), Residence = Code(TargetResidence), LocatedIn = Code(TargetLocatedIn) };
        }

        // Unreadable fields fall back to neutral values so the preview can still decide; filing refuses while errors remain.
        return new RequestContent
        {
            RequestingCountry = country,
            AgencyId = agencyId,
            ProviderId = string.IsNullOrWhiteSpace(ProviderId) ? null : ProviderId,
            LegalInstrument = instrument,
            DataCategories = categories,
            Identifiers = identifiers,
            TimeRange = range,
            Offence = new Offence
            {
                Description = OffenceDescription?.Trim() ?? "",
                Code = string.IsNullOrWhiteSpace(OffenceCode) ? null : OffenceCode.Trim(),
                MaxPenaltyYears = penalty,
                ListedOffence = ListedOffence,
            },
            IssuingAuthority = new Authority { Type = authorityType, Name = AuthorityName?.Trim() ?? "" },
            ValidatedBy = validatedBy,
            Urgency = urgency,
            Justification = Justification?.Trim() ?? "",
            EmergencyThreat = string.IsNullOrWhiteSpace(EmergencyThreat) ? null : EmergencyThreat.Trim(),
            Target = target,
            Flags = flags,
            UseLimitsAcknowledged = UseLimitsAcknowledged,
            NonDisclosureUntil = nonDisclosure,
        };
    }

    private static List<T> Parse<T>(List<string> values, string field, Dictionary<string, string[]> errors) where T : struct, Enum
    {
        var parsed = new List<T>();
        foreach (var value in values.Where(v => !string.IsNullOrEmpty(v)))
        {
            if (Wire.TryParse<T>(value, out var item)) { parsed.Add(item); }
            else { errors[field] = [$"'{value}' is not one of the choices."]; }
        }

        return parsed;
    }

    private static DateOnly? Date(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors[field] = ["Use a date such as 2026-11-23."];
        return null;
    }

    private static string? Code(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim().ToUpperInvariant();
}
