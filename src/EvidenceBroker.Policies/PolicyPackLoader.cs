using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EvidenceBroker.Domain.Requests;
using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

/// <summary>
/// Loads, validates and compiles a policy pack. Files: pack.yaml, rules.yaml, channels.yaml, deadlines.yaml and
/// countries/*.yaml; anything else (README, cases/) is ignored and does not affect the version.
/// </summary>
public static partial class PolicyPackLoader
{
    private const string PackFile = "pack.yaml";
    private const string RulesFile = "rules.yaml";
    private const string ChannelsFile = "channels.yaml";
    private const string DeadlinesFile = "deadlines.yaml";
    private const string CountriesFolder = "countries/";

    public static PolicyPackLoadResult LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return new PolicyPackLoadResult(null, [new PackError(directory, 0, "(pack)", "Policy pack directory not found.")]);
        }

        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory, "*.yaml", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(directory, path).Replace('\\', '/');
            files[relative] = File.ReadAllText(path);
        }

        return Load(files);
    }

    public static PolicyPackLoadResult Load(IReadOnlyDictionary<string, string> filesByRelativePath)
    {
        ArgumentNullException.ThrowIfNull(filesByRelativePath);
        var errors = new List<PackError>();
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, text) in filesByRelativePath)
        {
            var relative = path.Replace('\\', '/').TrimStart('/');
            if (!IsPackFile(relative))
            {
                continue;
            }

            if (relative != PackFile && relative != RulesFile && relative != ChannelsFile && relative != DeadlinesFile
                && !(relative.StartsWith(CountriesFolder, StringComparison.Ordinal) && relative.IndexOf('/', CountriesFolder.Length) < 0))
            {
                errors.Add(new PackError(relative, 0, "(file)", "Unexpected file: a pack holds pack.yaml, rules.yaml, channels.yaml, deadlines.yaml and countries/*.yaml."));
                continue;
            }

            files[relative] = Normalize(text);
        }

        foreach (var required in new[] { PackFile, RulesFile, ChannelsFile, DeadlinesFile })
        {
            if (!files.ContainsKey(required))
            {
                errors.Add(new PackError(required, 0, "(file)", "Required file is missing."));
            }
        }

        var settings = files.TryGetValue(PackFile, out var packText) ? ReadSettings(new FileContext(PackFile, errors), packText) : null;
        var rules = files.TryGetValue(RulesFile, out var rulesText) ? ReadRules(new FileContext(RulesFile, errors), rulesText) : null;
        var channels = files.TryGetValue(ChannelsFile, out var channelsText) ? ReadChannels(new FileContext(ChannelsFile, errors), channelsText) : null;
        var deadlines = files.TryGetValue(DeadlinesFile, out var deadlinesText) ? ReadDeadlines(new FileContext(DeadlinesFile, errors), deadlinesText) : null;

        var countries = new List<CountryDefinition>();
        foreach (var (path, text) in files)
        {
            if (path.StartsWith(CountriesFolder, StringComparison.Ordinal))
            {
                var country = ReadCountry(new FileContext(path, errors), text);
                if (country is not null)
                {
                    countries.Add(country);
                }
            }
        }

        if (countries.Count == 0 && !errors.Exists(e => e.File.StartsWith(CountriesFolder, StringComparison.Ordinal)))
        {
            errors.Add(new PackError(CountriesFolder, 0, "(file)", "A pack needs at least one country file."));
        }

        if (errors.Count > 0 || settings is null || rules is null || channels is null || deadlines is null)
        {
            return Failed(errors);
        }

        CheckCrossReferences(errors, countries, channels.Value.Definitions, channels.Value.Nodes, deadlines.Value.Definitions, deadlines.Value.Nodes, settings);
        if (errors.Count > 0)
        {
            return Failed(errors);
        }

        var pack = new PolicyPack(Hash(files), settings, rules, channels.Value.Definitions, deadlines.Value.Definitions, countries);
        return new PolicyPackLoadResult(pack, []);
    }

    private static PolicyPackLoadResult Failed(List<PackError> errors)
    {
        if (errors.Count == 0)
        {
            errors.Add(new PackError("(pack)", 0, "(pack)", "The pack could not be read."));
        }

        return new PolicyPackLoadResult(null, errors);
    }

    private static bool IsPackFile(string relative) =>
        (relative.EndsWith(".yaml", StringComparison.Ordinal) || relative.EndsWith(".yml", StringComparison.Ordinal))
        && !relative.StartsWith("cases/", StringComparison.Ordinal);

    // Same text, same version, whatever the checkout's line endings or editor's byte-order mark.
    private static string Normalize(string text) =>
        text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    private static string Hash(SortedDictionary<string, string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, text) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(path));
            hash.AppendData([0]);
            hash.AppendData(Encoding.UTF8.GetBytes(text));
            hash.AppendData([0]);
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static PackSettings? ReadSettings(FileContext context, string text)
    {
        var root = context.Parse(text);
        if (root is null)
        {
            return null;
        }

        var map = new MapReader(context, root, "", "label", "effectiveFrom", "illustrative", "settings", "mlat");
        var label = map.String("label");
        var effective = map.Date("effectiveFrom");
        var illustrative = map.Bool("illustrative");
        int? review = null, serious = null, minJustification = null, maxRange = null, maxNonDisclosure = null;
        if (map.Mapping("settings") is { } settingsNode)
        {
            var settings = new MapReader(context, settingsNode, "settings", "reviewIntervalYears", "seriousCrimeMinPenaltyYears", "justificationMinLength", "maxTimeRangeDays", "maxNonDisclosureDays");
            review = settings.Int("reviewIntervalYears", 1, 20);
            serious = settings.Int("seriousCrimeMinPenaltyYears", 0, 100);
            minJustification = settings.Int("justificationMinLength", 1, 10_000);
            maxRange = settings.Int("maxTimeRangeDays", 1, 36_500);
            maxNonDisclosure = settings.Int("maxNonDisclosureDays", 1, 36_500);
        }

        var shared = new List<(string, string)>();
        string? noTreaty = null;
        if (map.Mapping("mlat") is { } mlatNode)
        {
            var mlat = new MapReader(context, mlatNode, "mlat", "sharedMemberships", "noTreaty");
            noTreaty = mlat.String("noTreaty");
            if (mlat.Sequence("sharedMemberships") is { } sequence)
            {
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    var field = $"mlat.sharedMemberships[{i}]";
                    if (sequence.Children[i] is not YamlMappingNode item)
                    {
                        context.Error(sequence.Children[i], field, "Expected a mapping with group and basis.");
                        continue;
                    }

                    var entry = new MapReader(context, item, field, "group", "basis");
                    var group = entry.String("group");
                    var basis = entry.String("basis");
                    if (group is not null && Array.IndexOf(PackVocabulary.Memberships, group) < 0)
                    {
                        context.Error(entry.Get("group", false), entry.Field("group"), $"Unknown membership '{group}'. Known: {string.Join(", ", PackVocabulary.Memberships)}.");
                    }
                    else if (group is not null && basis is not null)
                    {
                        shared.Add((group, basis));
                    }
                }
            }
        }

        if (label is null || effective is null || illustrative is null || review is null || serious is null || minJustification is null
            || maxRange is null || maxNonDisclosure is null || noTreaty is null)
        {
            return null;
        }

        return new PackSettings(label, effective.Value, illustrative.Value, review.Value, serious.Value, minJustification.Value, maxRange.Value, maxNonDisclosure.Value, shared, noTreaty);
    }

    private static List<RuleDefinition>? ReadRules(FileContext context, string text)
    {
        var root = context.Parse(text);
        if (root is null)
        {
            return null;
        }

        var map = new MapReader(context, root, "", "rules");
        if (map.Mapping("rules") is not { } rulesNode)
        {
            return null;
        }

        var rules = new List<RuleDefinition>();
        var ok = true;
        foreach (var (keyNode, valueNode) in rulesNode.Children)
        {
            var id = (keyNode as YamlScalarNode)?.Value ?? "?";
            var field = "rules." + id;
            if (Array.IndexOf(PackVocabulary.Rules, id) < 0)
            {
                context.Error(keyNode, field, $"Unknown rule '{id}'. Rules are C1–C11 and R1–R15.");
                ok = false;
                continue;
            }

            if (valueNode is not YamlMappingNode ruleNode)
            {
                context.Error(valueNode, field, "Expected a mapping with title, source and onFailure.");
                ok = false;
                continue;
            }

            var rule = new MapReader(context, ruleNode, field, "title", "source", "onFailure");
            var title = rule.String("title");
            var source = rule.String("source");
            var onFailure = rule.String("onFailure");
            Outcome? effect = null;
            if (onFailure is not null && onFailure != "none")
            {
                if (WireNames<Outcome>.TryParse(onFailure, out var parsed) && parsed != Outcome.Direct)
                {
                    effect = parsed;
                }
                else
                {
                    context.Error(rule.Get("onFailure", false), rule.Field("onFailure"), $"Expected rejected, mlat, human-review or none, found '{onFailure}'.");
                    ok = false;
                }
            }

            if (title is null || source is null || onFailure is null)
            {
                ok = false;
                continue;
            }

            rules.Add(new RuleDefinition(id, title, source, effect));
        }

        foreach (var id in PackVocabulary.Rules)
        {
            if (!rules.Exists(r => r.Id == id) && !rulesNode.Children.ContainsKey(new YamlScalarNode(id)))
            {
                context.Error(rulesNode, "rules." + id, "Required rule is missing: every decision must give a reason for it.");
                ok = false;
            }
        }

        return ok ? rules : null;
    }

    private static (List<ChannelDefinition> Definitions, List<YamlNode> Nodes)? ReadChannels(FileContext context, string text)
    {
        var root = context.Parse(text);
        if (root is null)
        {
            return null;
        }

        var map = new MapReader(context, root, "", "channels");
        if (map.Sequence("channels") is not { } sequence)
        {
            return null;
        }

        var channels = new List<ChannelDefinition>();
        var nodes = new List<YamlNode>();
        var ok = true;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var field = $"channels[{i}]";
            if (sequence.Children[i] is not YamlMappingNode node)
            {
                context.Error(sequence.Children[i], field, "Expected a channel mapping.");
                ok = false;
                continue;
            }

            var errorsBefore = CountErrors(context);
            var channel = new MapReader(context, node, field,
                "id", "name", "source", "inForceFrom", "among", "pairs", "from", "to", "categories", "emergencyCategories",
                "urgencies", "notifiesEnforcingState", "forbidsTargetingProviderState");
            var id = channel.String("id");
            LegalInstrument instrument = default;
            if (id is not null && (!WireNames<LegalInstrument>.TryParse(id, out instrument) || instrument == LegalInstrument.Mlat))
            {
                context.Error(channel.Get("id", false), channel.Field("id"), $"Unknown direct channel '{id}'. Known: cloud-act-agreement, eu-epoc, eu-epoc-pr, budapest-art7, voluntary.");
            }
            else if (id is not null && channels.Exists(c => c.Instrument == instrument))
            {
                context.Error(channel.Get("id", false), channel.Field("id"), $"Channel '{id}' is defined twice.");
            }

            var name = channel.String("name");
            var source = channel.String("source");
            var inForce = channel.Date("inForceFrom", required: false);
            var among = channel.String("among", required: false);
            if (among is not null && Array.IndexOf(PackVocabulary.Memberships, among) < 0)
            {
                context.Error(channel.Get("among", false), channel.Field("among"), $"Unknown membership '{among}'.");
            }

            var pairs = new List<PairDefinition>();
            if (channel.Sequence("pairs", required: false) is { } pairNodes)
            {
                for (var p = 0; p < pairNodes.Children.Count; p++)
                {
                    var pairField = $"{field}.pairs[{p}]";
                    if (pairNodes.Children[p] is not YamlMappingNode pairNode)
                    {
                        context.Error(pairNodes.Children[p], pairField, "Expected a mapping with between and inForceFrom.");
                        continue;
                    }

                    var pair = new MapReader(context, pairNode, pairField, "between", "inForceFrom", "source");
                    var between = pair.Scalars("between");
                    var from = pair.Date("inForceFrom");
                    var pairSource = pair.String("source", required: false);
                    if (between is not null && between.Count != 2)
                    {
                        context.Error(pair.Get("between", false), pair.Field("between"), "Expected exactly two country codes.");
                    }
                    else if (between is not null && from is not null
                        && CheckCode(context, between[0].Value, between[0].Node, pair.Field("between"))
                        && CheckCode(context, between[1].Value, between[1].Node, pair.Field("between")))
                    {
                        pairs.Add(new PairDefinition(between[0].Value, between[1].Value, from.Value, pairSource));
                    }
                }
            }

            var fromValue = channel.String("from", required: false);
            if (fromValue is not null && fromValue != "any")
            {
                context.Error(channel.Get("from", false), channel.Field("from"), "Only 'any' is supported.");
            }

            var to = new List<string>();
            if (channel.Scalars("to", required: false) is { } toNodes)
            {
                foreach (var (code, codeNode) in toNodes)
                {
                    if (CheckCode(context, code, codeNode, channel.Field("to")))
                    {
                        to.Add(code);
                    }
                }
            }

            var shapes = (among is null ? 0 : 1) + (pairs.Count == 0 && channel.Get("pairs", false) is null ? 0 : 1) + (fromValue is null ? 0 : 1);
            if (shapes != 1)
            {
                context.Error(node, field, "A channel names exactly one of: among, pairs, or from + to.");
            }
            else if (fromValue is not null && to.Count == 0)
            {
                context.Error(node, channel.Field("to"), "A 'from: any' channel needs the provider states it reaches in 'to'.");
            }

            var categories = ReadEnumList<DataCategory>(channel, "categories", required: true);
            var emergency = ReadEnumList<DataCategory>(channel, "emergencyCategories", required: false);
            var urgencies = ReadEnumList<Urgency>(channel, "urgencies", required: true);
            if (categories is not null && categories.Contains(DataCategory.Interception))
            {
                context.Error(channel.Get("categories", false), channel.Field("categories"), "Interception is never a direct-channel category (R10).");
            }

            var notifies = channel.Bool("notifiesEnforcingState");
            var forbids = channel.Bool("forbidsTargetingProviderState");

            if (CountErrors(context) != errorsBefore || id is null || name is null || source is null || categories is null
                || urgencies is null || notifies is null || forbids is null)
            {
                ok = false;
                continue;
            }

            channels.Add(new ChannelDefinition(instrument, name, source, inForce, among, pairs, fromValue is not null, to,
                Mask(categories), emergency is null ? 0 : Mask(emergency), Mask(urgencies), notifies.Value, forbids.Value,
                categories, urgencies));
            nodes.Add(node);
        }

        return ok ? (channels, nodes) : null;
    }

    private static (List<DeadlineDefinition> Definitions, List<YamlNode> Nodes)? ReadDeadlines(FileContext context, string text)
    {
        var root = context.Parse(text);
        if (root is null)
        {
            return null;
        }

        var map = new MapReader(context, root, "", "deadlines");
        if (map.Sequence("deadlines") is not { } sequence)
        {
            return null;
        }

        var deadlines = new List<DeadlineDefinition>();
        var nodes = new List<YamlNode>();
        var ok = true;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var field = $"deadlines[{i}]";
            if (sequence.Children[i] is not YamlMappingNode node)
            {
                context.Error(sequence.Children[i], field, "Expected a deadline mapping.");
                ok = false;
                continue;
            }

            var row = new MapReader(context, node, field, "kind", "channel", "urgency", "within", "source", "brokerDefault");
            var kindText = row.String("kind");
            var channelText = row.String("channel");
            var urgencyText = row.String("urgency");
            var within = row.String("within");
            var source = row.String("source");
            var brokerDefault = row.Bool("brokerDefault", required: false) ?? false;
            var rowOk = kindText is not null && channelText is not null && urgencyText is not null && within is not null && source is not null;

            DeadlineKind kind = default;
            if (kindText is not null && !WireNames<DeadlineKind>.TryParse(kindText, out kind))
            {
                context.Error(row.Get("kind", false), row.Field("kind"), $"Unknown kind '{kindText}'. Known: {string.Join(", ", WireNames<DeadlineKind>.All)}.");
                rowOk = false;
            }

            LegalInstrument? channel = null;
            if (channelText is not null && channelText != "any")
            {
                if (WireNames<LegalInstrument>.TryParse(channelText, out var parsed))
                {
                    channel = parsed;
                }
                else
                {
                    context.Error(row.Get("channel", false), row.Field("channel"), $"Unknown channel '{channelText}'.");
                    rowOk = false;
                }
            }

            Urgency? urgency = null;
            if (urgencyText is not null && urgencyText != "any")
            {
                if (WireNames<Urgency>.TryParse(urgencyText, out var parsed))
                {
                    urgency = parsed;
                }
                else
                {
                    context.Error(row.Get("urgency", false), row.Field("urgency"), $"Unknown urgency '{urgencyText}'.");
                    rowOk = false;
                }
            }

            (int Amount, DeadlineUnit Unit)? duration = null;
            if (within is not null)
            {
                duration = ParseDuration(within);
                if (duration is null)
                {
                    context.Error(row.Get("within", false), row.Field("within"), $"Expected '<n> hours', '<n> days' or '<n> months', found '{within}'.");
                    rowOk = false;
                }
            }

            if (!rowOk || duration is null)
            {
                ok = false;
                continue;
            }

            deadlines.Add(new DeadlineDefinition(kind, channel, urgency, duration.Value.Amount, duration.Value.Unit, source!, brokerDefault));
            nodes.Add(node);
        }

        return ok ? (deadlines, nodes) : null;
    }

    private static CountryDefinition? ReadCountry(FileContext context, string text)
    {
        var root = context.Parse(text);
        if (root is null)
        {
            return null;
        }

        var errorsBefore = CountErrors(context);
        var map = new MapReader(context, root, "", "code", "name", "illustrative", "reviewedOn", "memberships",
            "deathPenaltyAssurancesRequired", "criteria", "agencies", "mlat");
        var code = map.String("code");
        if (code is not null && CheckCode(context, code, map.Get("code", false)!, "code"))
        {
            var expected = CountriesFolder + code.ToLowerInvariant() + ".yaml";
            if (!string.Equals(context.File, expected, StringComparison.Ordinal))
            {
                context.Error(map.Get("code", false), "code", $"Country {code} must be in {expected}.");
            }
        }

        var name = map.String("name");
        var illustrative = map.Bool("illustrative");
        var reviewedOn = map.Date("reviewedOn");
        var memberships = new List<string>();
        if (map.Scalars("memberships") is { } membershipNodes)
        {
            foreach (var (membership, node) in membershipNodes)
            {
                if (Array.IndexOf(PackVocabulary.Memberships, membership) < 0)
                {
                    context.Error(node, "memberships", $"Unknown membership '{membership}'. Known: {string.Join(", ", PackVocabulary.Memberships)}.");
                }
                else
                {
                    memberships.Add(membership);
                }
            }
        }

        var assurances = map.Bool("deathPenaltyAssurancesRequired");
        var criteria = new Dictionary<string, CriterionDefinition>(StringComparer.Ordinal);
        if (map.Mapping("criteria") is { } criteriaNode)
        {
            var criteriaMap = new MapReader(context, criteriaNode, "criteria", PackVocabulary.AssessedCriteria);
            foreach (var id in PackVocabulary.AssessedCriteria)
            {
                if (criteriaMap.Mapping(id) is not { } criterionNode)
                {
                    continue;
                }

                var criterion = new MapReader(context, criterionNode, "criteria." + id, "met", "source", "assessedOn", "note", "illustrative");
                var met = criterion.Bool("met");
                var source = criterion.String("source");
                var assessedOn = criterion.Date("assessedOn");
                var note = criterion.String("note", required: false);
                var criterionIllustrative = criterion.Bool("illustrative", required: false);
                if (met is not null && source is not null && assessedOn is not null)
                {
                    criteria[id] = new CriterionDefinition(met.Value, source, assessedOn.Value, note, criterionIllustrative ?? illustrative ?? true);
                }
            }
        }

        var agencies = new List<AgencyInfo>();
        if (map.Sequence("agencies") is { } agencyNodes)
        {
            for (var i = 0; i < agencyNodes.Children.Count; i++)
            {
                var field = $"agencies[{i}]";
                if (agencyNodes.Children[i] is not YamlMappingNode agencyNode)
                {
                    context.Error(agencyNodes.Children[i], field, "Expected a mapping with id and name.");
                    continue;
                }

                var agency = new MapReader(context, agencyNode, field, "id", "name");
                var id = agency.String("id");
                var agencyName = agency.String("name");
                if (id is not null && code is not null && !AgencyId().IsMatch(id))
                {
                    context.Error(agency.Get("id", false), agency.Field("id"), $"Agency id '{id}' must be lower-case letters, digits and dashes.");
                }
                else if (id is not null && code is not null && !id.StartsWith(code.ToLowerInvariant() + "-", StringComparison.Ordinal))
                {
                    context.Error(agency.Get("id", false), agency.Field("id"), $"Agency id '{id}' must start with '{code.ToLowerInvariant()}-'.");
                }
                else if (id is not null && agencies.Exists(a => a.Id == id))
                {
                    context.Error(agency.Get("id", false), agency.Field("id"), $"Agency id '{id}' is listed twice.");
                }
                else if (id is not null && agencyName is not null && code is not null)
                {
                    agencies.Add(new AgencyInfo(id, agencyName, code));
                }
            }
        }

        string? centralAuthority = null;
        var treaties = new List<TreatyDefinition>();
        if (map.Mapping("mlat") is { } mlatNode)
        {
            var mlat = new MapReader(context, mlatNode, "mlat", "centralAuthority", "treaties");
            centralAuthority = mlat.String("centralAuthority");
            if (mlat.Sequence("treaties") is { } treatyNodes)
            {
                for (var i = 0; i < treatyNodes.Children.Count; i++)
                {
                    var field = $"mlat.treaties[{i}]";
                    if (treatyNodes.Children[i] is not YamlMappingNode treatyNode)
                    {
                        context.Error(treatyNodes.Children[i], field, "Expected a mapping with 'with' and 'basis'.");
                        continue;
                    }

                    var treaty = new MapReader(context, treatyNode, field, "with", "basis");
                    var with = treaty.Scalars("with");
                    var basis = treaty.String("basis");
                    if (with is null || basis is null)
                    {
                        continue;
                    }

                    var partners = new List<string>();
                    foreach (var (partner, node) in with)
                    {
                        if (Array.IndexOf(PackVocabulary.Memberships, partner) >= 0 || CheckCode(context, partner, node, treaty.Field("with")))
                        {
                            partners.Add(partner);
                        }
                    }

                    treaties.Add(new TreatyDefinition(partners, basis));
                }
            }
        }

        if (CountErrors(context) != errorsBefore || code is null || name is null || illustrative is null || reviewedOn is null
            || assurances is null || centralAuthority is null)
        {
            return null;
        }

        return new CountryDefinition(code, name, illustrative.Value, reviewedOn.Value, memberships, assurances.Value, criteria, agencies, centralAuthority, treaties);
    }

    private static void CheckCrossReferences(
        List<PackError> errors,
        List<CountryDefinition> countries,
        List<ChannelDefinition> channels,
        List<YamlNode> channelNodes,
        List<DeadlineDefinition> deadlines,
        List<YamlNode> deadlineNodes,
        PackSettings settings)
    {
        var codes = new HashSet<string>(countries.ConvertAll(c => c.Code), StringComparer.Ordinal);
        var agencyOwners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var country in countries)
        {
            foreach (var agency in country.Agencies)
            {
                if (!agencyOwners.TryAdd(agency.Id, country.Code))
                {
                    errors.Add(new PackError(CountriesFolder + country.Code.ToLowerInvariant() + ".yaml", 0, "agencies", $"Agency id '{agency.Id}' is also used by {agencyOwners[agency.Id]}."));
                }
            }
        }

        var channelsContext = new FileContext(ChannelsFile, errors);
        for (var i = 0; i < channels.Count; i++)
        {
            var channel = channels[i];
            foreach (var pair in channel.Pairs)
            {
                foreach (var code in new[] { pair.A, pair.B })
                {
                    if (!codes.Contains(code))
                    {
                        channelsContext.Error(channelNodes[i], $"channels[{i}].pairs", $"Country {code} has no file in countries/.");
                    }
                }
            }

            foreach (var code in channel.To)
            {
                if (!codes.Contains(code))
                {
                    channelsContext.Error(channelNodes[i], $"channels[{i}].to", $"Country {code} has no file in countries/.");
                }
            }

            if (channel.Among is not null && channel.InForceFrom is null)
            {
                channelsContext.Error(channelNodes[i], $"channels[{i}].inForceFrom", "A channel among members needs the date it applies from.");
            }

            foreach (var urgency in channel.Urgencies)
            {
                var wanted = urgency == Urgency.Preservation ? DeadlineKind.Preservation : DeadlineKind.Response;
                if (!deadlines.Exists(d => d.Kind == wanted && (d.Channel is null || d.Channel == channel.Instrument) && (d.Urgency is null || d.Urgency == urgency)))
                {
                    channelsContext.Error(channelNodes[i], $"channels[{i}].urgencies",
                        $"No {WireNames<DeadlineKind>.Name(wanted)} deadline in deadlines.yaml for {WireNames<LegalInstrument>.Name(channel.Instrument)} / {WireNames<Urgency>.Name(urgency)}.");
                }
            }
        }

        if (!deadlines.Exists(d => d.Kind == DeadlineKind.MlatPlanning))
        {
            errors.Add(new PackError(DeadlinesFile, 0, "deadlines", "The MLAT planning figure (kind: mlat-planning) is missing."));
        }

        _ = deadlineNodes;
        _ = settings;
    }

    private static bool CheckCode(FileContext context, string code, YamlNode node, string field)
    {
        if (code.Length == 2 && IsoCountries.IsValid(code))
        {
            return true;
        }

        context.Error(node, field, $"'{code}' is not an ISO 3166-1 alpha-2 country code (upper case, e.g. GB, DE, US).");
        return false;
    }

    private static List<T>? ReadEnumList<T>(MapReader map, string key, bool required)
        where T : struct, Enum
    {
        var items = map.Scalars(key, required);
        if (items is null)
        {
            return null;
        }

        var values = new List<T>();
        foreach (var (text, node) in items)
        {
            if (WireNames<T>.TryParse(text, out var value))
            {
                values.Add(value);
            }
            else
            {
                map.Context.Error(node, map.Field(key), $"Unknown value '{text}'. Known: {string.Join(", ", WireNames<T>.All)}.");
            }
        }

        return values;
    }

    private static int Mask<T>(IEnumerable<T> values)
        where T : struct, Enum
    {
        var mask = 0;
        foreach (var value in values)
        {
            mask |= 1 << Convert.ToInt32(value, CultureInfo.InvariantCulture);
        }

        return mask;
    }

    private static (int, DeadlineUnit)? ParseDuration(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return null;
        }

        DeadlineUnit? unit = parts[1] switch
        {
            "hour" or "hours" => DeadlineUnit.Hours,
            "day" or "days" => DeadlineUnit.Days,
            "month" or "months" => DeadlineUnit.Months,
            _ => null,
        };
        return unit is null ? null : (amount, unit.Value);
    }

    private static int CountErrors(FileContext context) => context.ErrorCount;

    [GeneratedRegex("^[a-z]{2}-[a-z0-9-]+$")]
    private static partial Regex AgencyId();
}
