using System.Globalization;
using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Policies;

/// <summary>
/// A validated, compiled policy pack. Immutable: every message, source, deadline list and MLAT route a decision
/// can carry is built here once, so evaluation only picks precomputed values.
/// </summary>
public sealed class PolicyPack
{
    internal const int RuleCount = 26;

    private readonly Dictionary<string, int> countryIndex = new(StringComparer.OrdinalIgnoreCase);

    internal PolicyPack(
        string version,
        PackSettings settings,
        List<RuleDefinition> rules,
        List<ChannelDefinition> channels,
        List<DeadlineDefinition> deadlines,
        List<CountryDefinition> countries)
    {
        Version = version;
        Label = settings.Label;
        EffectiveFrom = settings.EffectiveFrom;
        Illustrative = settings.Illustrative;
        Settings = settings;

        RuleDefinitions = new RuleDefinition[RuleCount];
        for (var i = 0; i < RuleCount; i++)
        {
            RuleDefinitions[i] = rules.Find(r => r.Id == PackVocabulary.Rules[i])!;
        }

        Texts = new RuleTexts(this);
        MlatTexts = new RuleTexts(this, LegalInstrument.Mlat);

        countries.Sort((a, b) => string.CompareOrdinal(a.Code, b.Code));
        CountryEntries = new CountryEntry[countries.Count];
        var infos = new List<CountryInfo>(countries.Count);
        var agencies = new List<AgencyInfo>();
        for (var i = 0; i < countries.Count; i++)
        {
            var entry = new CountryEntry(i, countries[i], settings, Texts);
            CountryEntries[i] = entry;
            countryIndex[entry.Code] = i;
            infos.Add(entry.Info);
            agencies.AddRange(entry.Info.Agencies);
        }

        Countries = infos;
        Agencies = agencies;

        ChannelEntries = new ChannelEntry[channels.Count];
        var channelInfos = new List<ChannelInfo>(channels.Count);
        for (var i = 0; i < channels.Count; i++)
        {
            ChannelEntries[i] = new ChannelEntry(channels[i], deadlines, new RuleTexts(this, channels[i].Instrument), settings.SeriousCrimeMinPenaltyYears);
            channelInfos.Add(new ChannelInfo(channels[i].Instrument, channels[i].Name, channels[i].Source, channels[i].Categories, channels[i].Urgencies));
        }

        Channels = channelInfos;
        MlatDeadlines = deadlines.FindAll(d => d.Kind == DeadlineKind.MlatPlanning).ConvertAll(ChannelEntry.ToDeadline).ToArray();

        var n = CountryEntries.Length;
        Pairs = new PairEntry[n * n];
        for (var r = 0; r < n; r++)
        {
            for (var p = 0; p < n; p++)
            {
                Pairs[(r * n) + p] = BuildPair(CountryEntries[r], CountryEntries[p], channels);
            }
        }
    }

    /// <summary>The content hash of the pack's YAML files, e.g. "sha256:…"; what every decision records.</summary>
    public string Version { get; }

    /// <summary>The human label from pack.yaml, e.g. "2026.11 demo pack".</summary>
    public string Label { get; }

    public DateOnly EffectiveFrom { get; }

    /// <summary>True when the pack's assessments are illustrative (a demo pack), not sourced from law.</summary>
    public bool Illustrative { get; }

    public IReadOnlyCollection<CountryInfo> Countries { get; }

    public IReadOnlyList<AgencyInfo> Agencies { get; }

    public IReadOnlyList<ChannelInfo> Channels { get; }

    internal PackSettings Settings { get; }

    internal RuleDefinition[] RuleDefinitions { get; }

    internal RuleTexts Texts { get; }

    /// <summary>The rules' texts on the MLAT route, where a rule's <c>mlat</c> source, if it has one, is cited.</summary>
    internal RuleTexts MlatTexts { get; }

    internal CountryEntry[] CountryEntries { get; }

    internal ChannelEntry[] ChannelEntries { get; }

    internal PairEntry[] Pairs { get; }

    internal Deadline[] MlatDeadlines { get; }

    /// <summary>The MLAT planning figure the pack sets, for a request a reviewer sends to MLAT after the engine decided.</summary>
    public IReadOnlyList<Deadline> MlatPlanning => MlatDeadlines;

    public CountryInfo? FindCountry(string code) => IndexOf(code) is var i and >= 0 ? CountryEntries[i].Info : null;

    public bool IsRegisteredAgency(string country, string agencyId) =>
        IndexOf(country) is var i and >= 0 && CountryEntries[i].Agencies.Contains(agencyId);

    internal int IndexOf(string? code) => code is not null && countryIndex.TryGetValue(code, out var i) ? i : -1;

    internal PairEntry Pair(int requesting, int provider) => Pairs[(requesting * CountryEntries.Length) + provider];

    /// <summary>The MLAT route for a pair the pack does not fully know (built on demand; the rare path).</summary>
    internal MlatRoute RouteFor(string requesting, string provider)
    {
        var r = IndexOf(requesting);
        var p = IndexOf(provider);
        return BuildRoute(requesting, r >= 0 ? CountryEntries[r] : null, provider, p >= 0 ? CountryEntries[p] : null);
    }

    private PairEntry BuildPair(CountryEntry requesting, CountryEntry provider, List<ChannelDefinition> channels)
    {
        var open = new List<PairChannel>();
        if (requesting.Index != provider.Index)
        {
            for (var c = 0; c < channels.Count; c++)
            {
                var channel = channels[c];
                DateOnly? from = null;
                var source = channel.Source;
                if (channel.Among is { } group && requesting.Memberships.Contains(group) && provider.Memberships.Contains(group))
                {
                    from = channel.InForceFrom ?? DateOnly.MinValue;
                }
                else if (channel.FromAny && channel.To.Contains(provider.Code))
                {
                    from = channel.InForceFrom ?? DateOnly.MinValue;
                }
                else
                {
                    foreach (var pair in channel.Pairs)
                    {
                        if ((pair.A == requesting.Code && pair.B == provider.Code) || (pair.B == requesting.Code && pair.A == provider.Code))
                        {
                            from = channel.InForceFrom is { } general && general > pair.InForceFrom ? general : pair.InForceFrom;
                            source = pair.Source ?? channel.Source;
                        }
                    }
                }

                if (from is { } since)
                {
                    var entry = ChannelEntries[c];
                    var sinceText = since == DateOnly.MinValue ? "" : " since " + Iso(since);
                    open.Add(new PairChannel(
                        entry,
                        since,
                        Texts.Make(RuleIndex.C1, RuleStatus.Passed, $"{entry.Name} is open from {requesting.Code} to providers in {provider.Code}{sinceText}.", source),
                        Texts.Make(RuleIndex.C1, RuleStatus.Failed, $"{entry.Name} from {requesting.Code} to {provider.Code} applies only from {Iso(since)}; until then the request goes by MLAT.", source)));
                }
            }
        }

        var none = requesting.Index == provider.Index
            ? Texts.Make(RuleIndex.C1, RuleStatus.Failed, $"Requesting state and provider's state are both {provider.Code}: a domestic request, not a cross-border channel.")
            : Texts.Make(RuleIndex.C1, RuleStatus.Failed, $"No direct channel from {requesting.Code} to providers in {provider.Code}; the request goes by MLAT.");
        var review = open.Exists(c => c.Channel.ReliesOnProviderEntry) ? BuildReview(requesting, provider) : null;
        return new PairEntry([.. open], BuildRoute(requesting.Code, requesting, provider.Code, provider), none, review);
    }

    /// <summary>C10 for a channel that rests on the provider state's entry as well as the requesting state's.</summary>
    private PairReview BuildReview(CountryEntry requesting, CountryEntry provider)
    {
        var r = $"{requesting.Code}'s entry (the requesting state)";
        var p = $"{provider.Code}'s entry (the provider's state)";
        string Current(CountryEntry entry) => $"reviewed on {Iso(entry.Definition.ReviewedOn)}, next review due {Iso(entry.ReviewDue)}";
        string Stale(CountryEntry entry) => $"reviewed on {Iso(entry.Definition.ReviewedOn)} and was due for review on {Iso(entry.ReviewDue)}";
        const string Rests = "the channel rests on the provider state's entry too (its memberships, its death-penalty assurances)";
        return new PairReview(
            Texts.Make(RuleIndex.C10, RuleStatus.Passed, $"{r} was {Current(requesting)}; {p} was {Current(provider)}, as {Rests}."),
            Texts.Make(RuleIndex.C10, RuleStatus.Failed, $"{p} was {Stale(provider)}; {Rests}, and a stale entry opens no direct channel. {r} is current."),
            Texts.Make(RuleIndex.C10, RuleStatus.Failed, $"{r} was {Stale(requesting)}, and {p} was {Stale(provider)}; a stale entry opens no direct channel."));
    }

    private MlatRoute BuildRoute(string requestingCode, CountryEntry? requesting, string providerCode, CountryEntry? provider)
    {
        string? basis = null;
        if (provider is not null)
        {
            foreach (var treaty in provider.Definition.Treaties)
            {
                foreach (var partner in treaty.With)
                {
                    if (partner == requestingCode || (requesting is not null && requesting.Memberships.Contains(partner)))
                    {
                        basis ??= treaty.Basis;
                    }
                }
            }
        }

        if (basis is null && requesting is not null && provider is not null)
        {
            foreach (var (group, sharedBasis) in Settings.SharedMemberships)
            {
                if (requesting.Memberships.Contains(group) && provider.Memberships.Contains(group))
                {
                    basis ??= sharedBasis;
                }
            }
        }

        return new MlatRoute(
            requestingCode,
            providerCode,
            requesting?.Definition.CentralAuthority,
            provider?.Definition.CentralAuthority,
            basis ?? Settings.NoTreatyBasis);
    }

    internal static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

internal sealed class CountryEntry
{
    public CountryEntry(int index, CountryDefinition definition, PackSettings settings, RuleTexts texts)
    {
        Index = index;
        Definition = definition;
        Code = definition.Code;
        Memberships = new HashSet<string>(definition.Memberships, StringComparer.Ordinal);
        Agencies = new HashSet<string>(definition.Agencies.Select(a => a.Id), StringComparer.Ordinal);
        ReviewDue = definition.ReviewedOn.AddYears(settings.ReviewIntervalYears);
        Info = new CountryInfo(
            Code,
            definition.Name,
            Memberships.Contains(PackVocabulary.Eu),
            Memberships.Contains(PackVocabulary.EuEvidence),
            definition.Illustrative,
            definition.ReviewedOn,
            ReviewDue,
            definition.Memberships,
            definition.Agencies,
            definition.CentralAuthority);

        var tag = definition.Illustrative ? " (illustrative assessment)" : "";
        Criteria = new RuleResult[PackVocabulary.AssessedCriteria.Length];
        for (var i = 0; i < Criteria.Length; i++)
        {
            var id = PackVocabulary.AssessedCriteria[i];
            var rule = Array.IndexOf(PackVocabulary.Rules, id);
            if (definition.Criteria.TryGetValue(id, out var criterion))
            {
                var note = criterion.Note is null ? "" : ": " + criterion.Note;
                var illustrative = criterion.Illustrative ? " (illustrative assessment)" : "";
                Criteria[i] = texts.Make(
                    rule,
                    criterion.Met ? RuleStatus.Passed : RuleStatus.Failed,
                    $"{Code}: {texts.Title(rule)} — {(criterion.Met ? "met" : "not met")}, assessed {PolicyPack.Iso(criterion.AssessedOn)}{illustrative}{note}.",
                    criterion.Source);
            }
            else
            {
                Criteria[i] = texts.Make(rule, RuleStatus.Failed, $"{Code}: {texts.Title(rule)} — no assessment in the pack; without one no direct channel is open{tag}.");
            }
        }

        C8Passed = texts.Make(RuleIndex.C8, RuleStatus.Passed, $"The agency is on {Code}'s register of competent authorities.");
        C8Failed = texts.Make(RuleIndex.C8, RuleStatus.Failed, $"The agency is not on {Code}'s register of competent authorities.");
        C10Passed = texts.Make(RuleIndex.C10, RuleStatus.Passed, $"{Code}'s entry was reviewed on {PolicyPack.Iso(definition.ReviewedOn)}; next review due {PolicyPack.Iso(ReviewDue)}.");
        C10Failed = texts.Make(RuleIndex.C10, RuleStatus.Failed, $"{Code}'s entry was reviewed on {PolicyPack.Iso(definition.ReviewedOn)} and was due for review on {PolicyPack.Iso(ReviewDue)}; a stale entry opens no direct channel.");
        C11Passed = texts.Make(RuleIndex.C11, RuleStatus.Passed, $"{Code} is not suspended by the operator.");
        C11Failed = texts.Make(RuleIndex.C11, RuleStatus.Failed, $"{Code} is suspended by the operator; no direct channel until the suspension is lifted.");
        EnforcingStateNotification =
        [
            new Notification(NotificationKind.EnforcingState, Code,
                $"Notify the competent authority of {definition.Name} (the enforcing state) with a copy of the order when it is sent.",
                "Reg. 2023/1543 Art. 8"),
        ];
    }

    public int Index { get; }

    public string Code { get; }

    public CountryDefinition Definition { get; }

    public CountryInfo Info { get; }

    public HashSet<string> Memberships { get; }

    public HashSet<string> Agencies { get; }

    public DateOnly ReviewDue { get; }

    /// <summary>C2–C7 and C9, in <see cref="PackVocabulary.AssessedCriteria"/> order.</summary>
    public RuleResult[] Criteria { get; }

    public RuleResult C8Passed { get; }

    public RuleResult C8Failed { get; }

    public RuleResult C10Passed { get; }

    public RuleResult C10Failed { get; }

    public RuleResult C11Passed { get; }

    public RuleResult C11Failed { get; }

    public Notification[] EnforcingStateNotification { get; }

    public bool DeathPenaltyAssurancesRequired => Definition.DeathPenaltyAssurancesRequired;
}

internal sealed class ChannelEntry
{
    public ChannelEntry(ChannelDefinition definition, List<DeadlineDefinition> deadlines, RuleTexts texts, int seriousYears)
    {
        Instrument = definition.Instrument;
        Texts = texts;
        Name = definition.Name;
        Source = definition.Source;
        CategoryMask = definition.CategoryMask;
        EmergencyCategoryMask = definition.EmergencyCategoryMask == 0 ? definition.CategoryMask : definition.EmergencyCategoryMask;
        UrgencyMask = definition.UrgencyMask;
        NotifiesEnforcingState = definition.NotifiesEnforcingState;
        ForbidsTargetingProviderState = definition.ForbidsTargetingProviderState;
        ReliesOnProviderEntry = definition.ReliesOnProviderEntry;

        // Index: urgency * 4 + (post-hoc validation ? 1 : 0) + (enforcing-state notification ? 2 : 0).
        Deadlines = new Deadline[3 * 4][];
        foreach (var urgency in new[] { Urgency.Standard, Urgency.Emergency, Urgency.Preservation })
        {
            for (var variant = 0; variant < 4; variant++)
            {
                var list = new List<Deadline>();
                foreach (var row in deadlines)
                {
                    var matches = (row.Channel is null || row.Channel == Instrument) && (row.Urgency is null || row.Urgency == urgency);
                    var wanted = row.Kind switch
                    {
                        DeadlineKind.Response or DeadlineKind.Preservation or DeadlineKind.PreservationExtension => true,
                        DeadlineKind.PostHocValidation => (variant & 1) != 0,
                        DeadlineKind.EnforcingStateObjection => (variant & 2) != 0,
                        _ => false,
                    };
                    if (matches && wanted)
                    {
                        list.Add(ToDeadline(row));
                    }
                }

                Deadlines[((int)urgency * 4) + variant] = [.. list];
            }
        }

        var allowed = Describe(definition.Categories);
        R2Passed = texts.Make(RuleIndex.R2, RuleStatus.Passed, $"Every data category asked for is allowed on the {Name}.", Source);
        R2Failed = texts.Make(RuleIndex.R2, RuleStatus.Failed, $"The {Name} allows only {allowed}{(definition.EmergencyCategoryMask != 0 ? " (any stored category in an emergency)" : "")}; the other categories need MLAT.", Source);
        R12NoPreservation = texts.Make(RuleIndex.R12, RuleStatus.Failed, $"The {Name} has no preservation order; preservation needs another channel or MLAT.");
        R12Passed = Preserving(Deadlines[(int)Urgency.Preservation * 4]) is { } preserving
            ? texts.Make(RuleIndex.R12, RuleStatus.Passed, $"Preservation only, on the {Name}: {preserving}.")
            : R12NoPreservation; // not reached: the engine passes R12 only on a channel that preserves, and each has its row
        R12PreservationOnly = texts.Make(RuleIndex.R12, RuleStatus.Failed, $"The {Name} only preserves data; production needs a production order or MLAT.");
        C1NamedNotOpen = texts.Make(RuleIndex.C1, RuleStatus.Failed, $"The instrument named, the {Name}, is not open for this pair of states; the request goes by MLAT. Another instrument may be: name it, or none to let the broker choose.", Source);

        // R3 cites the threshold of this channel's instrument: the agreements and the EU Regulation differ.
        var serious = definition.SeriousCrime;
        SeriousCrimeForEveryRequest = serious.EveryRequest;
        ListedOffenceSuffices = serious.ListedOffenceSuffices;
        var years = seriousYears.ToString(CultureInfo.InvariantCulture);
        if (!serious.Stated)
        {
            // A pack from before channels stated R3 decides, words and source included, as it did then.
            R3Preservation = texts.Make(RuleIndex.R3, RuleStatus.Passed, "Preservation: any criminal offence suffices.");
            R3NonContent = texts.Make(RuleIndex.R3, RuleStatus.Passed, "Subscriber and identification data: any criminal offence suffices.");
            R3Serious = texts.Make(RuleIndex.R3, RuleStatus.Passed, $"Traffic or content: the offence carries a maximum penalty of at least {years} years.");
            R3Listed = texts.Make(RuleIndex.R3, RuleStatus.Passed, "Traffic or content: the offence is a listed offence.");
            R3Failed = texts.Make(RuleIndex.R3, RuleStatus.Failed, $"Traffic or content production needs an offence with a maximum penalty of at least {years} years or a listed offence; this one falls short.");
        }
        else if (serious.EveryRequest)
        {
            var alternative = serious.ListedOffenceSuffices ? ", or a listed offence" : "; it has no list of offences that could stand in for the penalty";
            R3Serious = texts.Make(RuleIndex.R3, RuleStatus.Passed, $"The offence carries a maximum penalty of at least {years} years: serious crime, which the {Name} requires for every data category and for preservation.", serious.Source);
            R3Listed = texts.Make(RuleIndex.R3, RuleStatus.Passed, $"The offence is a listed offence, which the {Name} accepts for every data category and for preservation.", serious.Source);
            R3Failed = texts.Make(RuleIndex.R3, RuleStatus.Failed, $"The {Name} covers serious crime only, for every data category and for preservation: a maximum penalty of at least {years} years{alternative}. This offence falls short.", serious.Source);
            R3Preservation = R3NonContent = R3Failed; // not reached: every request is held to the threshold
        }
        else
        {
            var alternative = serious.ListedOffenceSuffices ? " or a listed offence" : "";
            R3Preservation = texts.Make(RuleIndex.R3, RuleStatus.Passed, $"Preservation on the {Name}: any criminal offence suffices.", serious.Source);
            R3NonContent = texts.Make(RuleIndex.R3, RuleStatus.Passed, $"Subscriber and identification data on the {Name}: any criminal offence suffices.", serious.Source);
            R3Serious = texts.Make(RuleIndex.R3, RuleStatus.Passed, $"Traffic or content on the {Name}: the offence carries a maximum penalty of at least {years} years.", serious.Source);
            R3Listed = texts.Make(RuleIndex.R3, RuleStatus.Passed, $"Traffic or content on the {Name}: the offence is a listed offence.", serious.Source);
            R3Failed = texts.Make(RuleIndex.R3, RuleStatus.Failed, $"Traffic or content production on the {Name} needs an offence with a maximum penalty of at least {years} years{alternative}; this one falls short.", serious.Source);
        }
    }

    public LegalInstrument Instrument { get; }

    /// <summary>The rule results of a request evaluated on this channel, citing the rules' sources for its instrument.</summary>
    public RuleTexts Texts { get; }

    public string Name { get; }

    public string Source { get; }

    public int CategoryMask { get; }

    public int EmergencyCategoryMask { get; }

    public int UrgencyMask { get; }

    public bool NotifiesEnforcingState { get; }

    public bool ForbidsTargetingProviderState { get; }

    /// <summary>C10 also holds the provider state's entry to its review date: the channel rests on facts in it.</summary>
    public bool ReliesOnProviderEntry { get; }

    public Deadline[][] Deadlines { get; }

    public RuleResult R2Passed { get; }

    public RuleResult R2Failed { get; }

    public RuleResult R12Passed { get; }

    public RuleResult R12NoPreservation { get; }

    public RuleResult R12PreservationOnly { get; }

    public RuleResult C1NamedNotOpen { get; }

    /// <summary>R3: serious crime is needed for every category and for preservation, not only for traffic and content.</summary>
    public bool SeriousCrimeForEveryRequest { get; }

    /// <summary>R3: a listed offence stands in for the penalty threshold (EU Art. 5(4)(b)); the agreements have no list.</summary>
    public bool ListedOffenceSuffices { get; }

    public RuleResult R3Preservation { get; }

    public RuleResult R3NonContent { get; }

    public RuleResult R3Serious { get; }

    public RuleResult R3Listed { get; }

    public RuleResult R3Failed { get; }

    public static Deadline ToDeadline(DeadlineDefinition row)
    {
        var iso = row.Unit switch
        {
            DeadlineUnit.Hours => $"PT{row.Amount}H",
            DeadlineUnit.Days => $"P{row.Amount}D",
            _ => $"P{row.Amount}M",
        };
        return new Deadline(row.Kind, row.Amount, row.Unit, iso, row.Source, row.BrokerDefault);
    }

    /// <summary>
    /// R12's figures, from the same deadline rows a preservation's clock runs by (the decision carries them), so that what
    /// the decision says and what the clock does cannot part: "kept 60 days, extendable once by 30 days".
    /// </summary>
    private static string? Preserving(Deadline[] preservationDeadlines)
    {
        if (Array.Find(preservationDeadlines, d => d.Kind == DeadlineKind.Preservation) is not { } kept)
        {
            return null;
        }

        // No extension row only in a pack stored before the loader required one for every channel that preserves.
        return Array.Find(preservationDeadlines, d => d.Kind == DeadlineKind.PreservationExtension) is { } extension
            ? $"kept {Length(kept)}, extendable once by {Length(extension)}"
            : $"kept {Length(kept)}; the pack sets no extension";
    }

    private static string Length(Deadline deadline)
    {
        var unit = deadline.Unit switch { DeadlineUnit.Hours => "hour", DeadlineUnit.Days => "day", _ => "month" };
        return string.Create(CultureInfo.InvariantCulture, $"{deadline.Amount} {unit}{(deadline.Amount == 1 ? "" : "s")}");
    }

    private static string Describe(IReadOnlyList<DataCategory> categories)
    {
        var names = new List<string>();
        foreach (var category in categories)
        {
            names.Add(WireNames<DataCategory>.Name(category));
        }

        return names.Count == 1 ? names[0] + " data" : string.Join(", ", names) + " data";
    }
}

/// <summary>A channel open for one (requesting, provider) pair, with its precomputed C1 results.</summary>
internal sealed record PairChannel(ChannelEntry Channel, DateOnly From, RuleResult C1Passed, RuleResult C1NotYet);

internal sealed record PairEntry(PairChannel[] Channels, MlatRoute Route, RuleResult C1NoChannel, PairReview? Review);

/// <summary>C10 results for a pair whose channel rests on both entries; a stale requesting entry alone keeps its own message.</summary>
internal sealed record PairReview(RuleResult BothCurrent, RuleResult ProviderStale, RuleResult BothStale);
