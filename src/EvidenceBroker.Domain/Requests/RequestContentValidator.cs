using System.Collections.Frozen;
using FluentValidation;

namespace EvidenceBroker.Domain.Requests;

/// <summary>
/// Shape checks on a filed request: every field that is malformed, too long or contradictory is reported at
/// once. Whether the request is lawful to send directly is the policy engine's business, not this validator's.
/// </summary>
public sealed class RequestContentValidator : AbstractValidator<RequestContent>
{
    public const int MaxIdentifiers = 100;
    public const int MaxIdentifierLength = 512;
    public const int MaxNameLength = 200;
    public const int MaxTextLength = 10_000;
    public const int MaxEmergencyThreatLength = 4_000;

    /// <summary>
    /// The fields, by their JSON names, whose errors a dry run (the API's policy/evaluate, the CLI's policy evaluate)
    /// does without: it files nothing, so it may name no agency, and the provider's jurisdiction instead of a provider.
    /// </summary>
    public static FrozenSet<string> DryRunRelaxed { get; } =
        new[] { "agencyId", "providerId", "providerJurisdiction" }.ToFrozenSet(StringComparer.Ordinal);

    public RequestContentValidator()
    {
        RuleFor(r => r.RequestingCountry).Must(CountryCode.IsValid).WithMessage(CountryCode.Rule);
        // Each condition applies to its own check only: a missing id must be named as missing, not skipped.
        RuleFor(r => r.AgencyId).NotEmpty().WithMessage("Name the filing agency.")
            .Must(IsSlug!).When(r => !string.IsNullOrEmpty(r.AgencyId), ApplyConditionTo.CurrentValidator)
            .WithMessage("Agency ids are lower-case letters, digits and hyphens, at most 64.");
        RuleFor(r => r.ProviderId).NotEmpty().WithMessage("Name the provider the request is addressed to.")
            .Must(IsSlug!).When(r => !string.IsNullOrEmpty(r.ProviderId), ApplyConditionTo.CurrentValidator)
            .WithMessage("Provider ids are lower-case letters, digits and hyphens, at most 64.");
        RuleFor(r => r.ProviderJurisdiction).Null()
            .WithMessage("Leave this out when filing: the broker takes the jurisdiction from the provider's record.");

        RuleFor(r => r.DataCategories).NotEmpty().WithMessage("Ask for at least one data category.")
            .Must(Distinct).WithMessage("Each data category may appear once.");
        RuleForEach(r => r.DataCategories).IsNamedValue();

        RuleFor(r => r.Identifiers).NotEmpty().WithMessage("Give at least one specific identifier.")
            .Must(list => list.Count <= MaxIdentifiers).WithMessage($"At most {MaxIdentifiers} identifiers per request.")
            .Must(list => list.Where(i => i is not null).DistinctBy(i => (i.Type, i.Value, i.From, i.To)).Count() == list.Count(i => i is not null))
            .WithMessage("Each identifier may appear once.");
        RuleForEach(r => r.Identifiers).NotNull().WithMessage("An identifier cannot be null: give its type and value.");
        RuleForEach(r => r.Identifiers).ChildRules(identifier =>
        {
            identifier.RuleFor(i => i.Type).IsNamedValue();
            identifier.RuleFor(i => i.Value).NotEmpty().WithMessage("The identifier's value is empty.")
                .MaximumLength(MaxIdentifierLength).WithMessage($"At most {MaxIdentifierLength} characters.")
                .Must(HasNoControlCharacters).WithMessage("Control characters are not allowed.")
                .Must(IdentifierText.IsPlain).WithMessage(
                    "Write the identifier in plain characters: no invisible or direction-changing characters, and no full-width or small " +
                    "forms (write ＊ as *, ／ as /, ＠ as @).");
            identifier.RuleFor(i => i.Value).Must(IdentifierText.IsIpAddressText).When(i => i.Type == IdentifierType.Ip)
                .WithMessage("An IP address in ASCII: digits, a–f, '.', ':' and, around an IPv6 address with a port, '[ ]', without spaces (a range with '-' or '/', or a zone with '%', is refused as bulk by R1).");
            identifier.RuleFor(i => i.To).GreaterThan(i => i.From).When(i => i.From is not null && i.To is not null)
                .WithMessage("'to' must be after 'from'.");
        });
        // R5 bounds the request's time range. An IP address's time of use lies within it, or the address would be asked
        // about outside that bound; another identifier's period (when the target held the number, say) need only meet it.
        RuleForEach(r => r.Identifiers).Must((request, identifier) => identifier is null || IdentifierText.FitsTimeRange(identifier, request.TimeRange))
            .WithMessage("The identifier's period must meet the request's time range, and an IP address's time of use lie within it.");

        RuleFor(r => r.TimeRange!.To).GreaterThan(r => r.TimeRange!.From).When(r => r.TimeRange is not null)
            .OverridePropertyName("timeRange.to").WithMessage("'to' must be after 'from'.");

        RuleFor(r => r.Offence.Description).NotEmpty().MaximumLength(2_000).Must(FreeText.IsValid)
            .OverridePropertyName("offence.description").WithMessage("Describe the offence in at most 2,000 characters, without control characters.");
        RuleFor(r => r.Offence.Code).MaximumLength(64).Must(HasNoControlCharacters!).When(r => r.Offence.Code is not null)
            .OverridePropertyName("offence.code").WithMessage("At most 64 characters, without control characters.");
        RuleFor(r => r.Offence.MaxPenaltyYears).InclusiveBetween(0, 100)
            .OverridePropertyName("offence.maxPenaltyYears").WithMessage("Between 0 and 100 years (use 100 for life).");

        RuleFor(r => r.IssuingAuthority).SetValidator(new AuthorityValidator());
        RuleFor(r => r.ValidatedBy!).SetValidator(new AuthorityValidator()).When(r => r.ValidatedBy is not null);
        RuleFor(r => r.Urgency).IsNamedValue();

        RuleFor(r => r.Justification).NotEmpty().WithMessage("State the facts that link the identifiers to the offence.")
            .Must(text => FreeText.Problem(text, MaxTextLength) is null).WithMessage(FreeText.Rule(MaxTextLength));
        RuleFor(r => r.EmergencyThreat).Must(text => FreeText.Problem(text, MaxEmergencyThreatLength) is null)
            .WithMessage(FreeText.Rule(MaxEmergencyThreatLength));

        RuleFor(r => r.Target!.Nationality).Must(CountryCode.IsValid).When(r => r.Target?.Nationality is not null)
            .OverridePropertyName("target.nationality").WithMessage(CountryCode.Rule);
        RuleFor(r => r.Target!.Residence).Must(CountryCode.IsValid).When(r => r.Target?.Residence is not null)
            .OverridePropertyName("target.residence").WithMessage(CountryCode.Rule);
        RuleFor(r => r.Target!.LocatedIn).Must(CountryCode.IsValid).When(r => r.Target?.LocatedIn is not null)
            .OverridePropertyName("target.locatedIn").WithMessage(CountryCode.Rule);

        RuleFor(r => r.Flags).Must(Distinct).WithMessage("Each flag may appear once.");
        RuleForEach(r => r.Flags).IsNamedValue();
    }

    public static bool IsSlug(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    private static bool Distinct<T>(IReadOnlyList<T> values) => values.Distinct().Count() == values.Count;

    private static bool HasNoControlCharacters(string text) => !text.Any(char.IsControl);

    private static readonly AuthorityValidator Authorities = new();

    /// <summary>Whether an authority is named as a request's issuing or validating authority must be.</summary>
    public static bool IsValidAuthority(Authority authority) => Authorities.Validate(authority).IsValid;

    private sealed class AuthorityValidator : AbstractValidator<Authority>
    {
        public AuthorityValidator()
        {
            RuleFor(a => a.Type).IsNamedValue();
            RuleFor(a => a.Name).NotEmpty().MaximumLength(MaxNameLength).Must(HasNoControlCharacters)
                .WithMessage($"Name the authority in at most {MaxNameLength} characters, without control characters.");
        }
    }
}

internal static class EnumRules
{
    /// <summary>
    /// The value is one of the enum's named members. FluentValidation's <c>IsInEnum</c> looks the enum's [Flags]
    /// attribute up by reflection on every call, which showed in the filing's CPU profile; none of these is a flags enum.
    /// </summary>
    public static IRuleBuilderOptions<T, TEnum> IsNamedValue<T, TEnum>(this IRuleBuilder<T, TEnum> rule)
        where TEnum : struct, Enum =>
        rule.Must(Enum.IsDefined).WithMessage("'{PropertyName}' has a range of values which does not include '{PropertyValue}'.");
}
