using EvidenceBroker.Domain.Requests;
using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

public static partial class PolicyPackLoader
{
    private const string NoDirectChannel = "a failed country criterion opens no direct channel, as the engine's messages say";

    /// <summary>
    /// The rules whose failure outcome the engine assumes, with why; a pack may not change them. C1: a request without
    /// a direct channel must not end direct or in review, which need the channel (and the messages say "goes by MLAT").
    /// The others: their messages name the outcome ("needs MLAT", "a person must review", "refused", "narrow it"), and
    /// R11 holds an unconfirmed emergency for the supervisor. C8, R3, R4, R6 and R13 are the pack's to choose.
    /// </summary>
    private static readonly Dictionary<string, (Outcome? Outcome, string Why)> AssumedOutcomes = new(StringComparer.Ordinal)
    {
        ["C1"] = (Outcome.Mlat, "without a direct channel the request can only go by MLAT"),
        ["C2"] = (Outcome.Mlat, NoDirectChannel),
        ["C3"] = (Outcome.Mlat, NoDirectChannel),
        ["C4"] = (Outcome.Mlat, NoDirectChannel),
        ["C5"] = (Outcome.Mlat, NoDirectChannel),
        ["C6"] = (Outcome.Mlat, NoDirectChannel),
        ["C7"] = (Outcome.Mlat, NoDirectChannel),
        ["C9"] = (Outcome.Mlat, NoDirectChannel),
        ["C10"] = (Outcome.Mlat, "a stale country entry opens no direct channel, as the engine's message says"),
        ["C11"] = (Outcome.Mlat, "a suspended country has no direct channel until the suspension is lifted"),
        ["R1"] = (Outcome.Rejected, "bulk or missing selectors are refused and the officer is told to name specific ones"),
        ["R2"] = (Outcome.Mlat, "the engine tells the officer that categories outside the channel need MLAT"),
        ["R5"] = (Outcome.Rejected, "the engine tells the officer to state the facts or bound the time range and file again"),
        ["R7"] = (Outcome.Mlat, "only the state-to-state route may serve a third state"),
        ["R8"] = (Outcome.HumanReview, "the engine tells the officer that a person must review the request"),
        ["R9"] = (Outcome.HumanReview, "the engine tells the officer that a person must review the request"),
        ["R10"] = (Outcome.Mlat, "real-time interception is never direct; the engine says it needs MLAT"),
        ["R11"] = (Outcome.HumanReview, "an emergency is held for review until a supervisor confirms it"),
        ["R12"] = (Outcome.Mlat, "the engine tells the officer the request needs another channel or MLAT"),
        ["R14"] = (null, "R14 never fails: it adds a notification duty, not an outcome"),
        ["R15"] = (Outcome.Rejected, "the engine tells the officer to state or shorten the non-disclosure period and file again"),
    };

    private static List<RuleDefinition>? ReadRules(FileContext context, string text)
    {
        if (context.Root(text, "rules")?.Mapping("rules") is not { } rulesNode)
        {
            return null;
        }

        var rules = new List<RuleDefinition>();
        var ok = true;
        foreach (var (keyNode, valueNode) in rulesNode.Children)
        {
            var id = (keyNode as YamlScalarNode)?.Value ?? "?";
            var field = "rules." + id;
            if (!RuleIds.IsKnown(id))
            {
                context.Error(keyNode, field, RuleIds.Unknown(id));
                ok = false;
                continue;
            }

            if (valueNode is not YamlMappingNode ruleNode)
            {
                context.Error(valueNode, field, "Expected a mapping with title, source and onFailure.");
                ok = false;
                continue;
            }

            var rule = new MapReader(context, ruleNode, field, "title", "source", "onFailure", "channelSources");
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

            // Optional: packs stored before it existed cite the one source on every channel.
            var channelSources = ReadChannelSources(context, rule);
            if (title is null || source is null || onFailure is null || channelSources is null)
            {
                ok = false;
                continue;
            }

            if (effect is not null || onFailure == "none")
            {
                if (context.Admitting && AssumedOutcomes.TryGetValue(id, out var assumed) && assumed.Outcome != effect)
                {
                    var wanted = assumed.Outcome is { } outcome ? WireNames<Outcome>.Name(outcome) : "none";
                    context.Error(rule.Get("onFailure", false), rule.Field("onFailure"),
                        $"{id} must say onFailure: {wanted}, which the engine assumes ({assumed.Why}); found '{onFailure}'.");
                    ok = false;
                    continue;
                }
            }

            rules.Add(new RuleDefinition(id, title, source, effect, channelSources));
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

    private static Dictionary<LegalInstrument, string>? ReadChannelSources(FileContext context, MapReader rule)
    {
        var sources = new Dictionary<LegalInstrument, string>();
        if (rule.Get("channelSources", required: false) is null)
        {
            return sources;
        }

        if (rule.Mapping("channelSources") is not { } node)
        {
            return null;
        }

        var ok = true;
        foreach (var (keyNode, valueNode) in node.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "?";
            var field = rule.Field("channelSources") + "." + key;
            if (!WireNames<LegalInstrument>.TryParse(key, out var instrument))
            {
                context.Error(keyNode, field,
                    $"Unknown channel '{key}'. Known: cloud-act-agreement, eu-epoc, eu-epoc-pr, budapest-art7, voluntary, and mlat for the route when no direct channel applies.");
                ok = false;
            }
            else if (valueNode is not YamlScalarNode { Value: { Length: > 0 } text } || string.IsNullOrWhiteSpace(text))
            {
                context.Error(valueNode, field, "Expected the source this rule rests on for that channel.");
                ok = false;
            }
            else
            {
                sources[instrument] = text;
            }
        }

        return ok ? sources : null;
    }
}
