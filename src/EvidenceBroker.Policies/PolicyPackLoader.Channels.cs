using EvidenceBroker.Domain.Requests;
using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

public static partial class PolicyPackLoader
{
    private const string EveryRequest = "every-request";
    private const string TrafficAndContent = "traffic-and-content";

    private static (List<ChannelDefinition> Definitions, List<YamlNode> Nodes)? ReadChannels(FileContext context, string text)
    {
        if (context.Root(text, "channels")?.Sequence("channels") is not { } sequence)
        {
            return null;
        }

        var channels = new List<ChannelDefinition>();
        var nodes = new List<YamlNode>();
        var ok = true;
        foreach (var (node, field) in context.Mappings(sequence, "channels", "Expected a channel mapping."))
        {
            var errorsBefore = CountErrors(context);
            var channel = new MapReader(context, node, field,
                "id", "name", "source", "inForceFrom", "among", "pairs", "from", "to", "categories", "emergencyCategories",
                "urgencies", "notifiesEnforcingState", "forbidsTargetingProviderState", "seriousCrime", "reliesOnProviderEntry");
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
                foreach (var (pairNode, pairField) in context.Mappings(pairNodes, $"{field}.pairs", "Expected a mapping with between and inForceFrom."))
                {
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

            // Packs stored before the field existed held only the requesting state's entry to its review date (C10).
            var reliesOnProvider = channel.Bool("reliesOnProviderEntry", required: false) ?? false;
            var seriousCrime = channel.Get("seriousCrime", required: false) is null
                ? SeriousCrimeOf(source)
                : channel.Mapping("seriousCrime") is { } seriousNode
                    ? ReadSeriousCrime(new MapReader(context, seriousNode, channel.Field("seriousCrime"), "appliesTo", "listedOffenceSuffices", "source"))
                    : null;

            if (CountErrors(context) != errorsBefore || id is null || name is null || source is null || categories is null
                || urgencies is null || notifies is null || forbids is null || seriousCrime is null)
            {
                ok = false;
                continue;
            }

            channels.Add(new ChannelDefinition(instrument, name, source, inForce, among, pairs, fromValue is not null, to,
                Mask(categories), emergency is null ? 0 : Mask(emergency), Mask(urgencies), notifies.Value, forbids.Value,
                categories, urgencies, seriousCrime, reliesOnProvider));
            nodes.Add(node);
        }

        return ok ? (channels, nodes) : null;
    }

    /// <summary>
    /// R3 for a channel that does not state it, as packs stored before the field existed do (the server still loads
    /// them to replay their decisions): the rule those packs decided under, the EU Regulation's on every channel, so
    /// that one version never gives two outcomes for one input, with the words and the source (rules.yaml's R3) they
    /// gave. A pack that wants the agreements' rule states it (the repository's pack does).
    /// </summary>
    private static SeriousCrimeDefinition? SeriousCrimeOf(string? source) =>
        source is null ? null : new SeriousCrimeDefinition(EveryRequest: false, ListedOffenceSuffices: true, source, Stated: false);

    private static SeriousCrimeDefinition? ReadSeriousCrime(MapReader map)
    {
        var appliesTo = map.String("appliesTo");
        var listed = map.Bool("listedOffenceSuffices");
        var source = map.String("source");
        if (appliesTo is not null && appliesTo != EveryRequest && appliesTo != TrafficAndContent)
        {
            map.Context.Error(map.Get("appliesTo", false), map.Field("appliesTo"), $"Expected {TrafficAndContent} or {EveryRequest}, found '{appliesTo}'.");
            return null;
        }

        return appliesTo is null || listed is null || source is null ? null : new SeriousCrimeDefinition(appliesTo == EveryRequest, listed.Value, source);
    }
}
