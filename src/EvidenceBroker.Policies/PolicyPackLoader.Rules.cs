using EvidenceBroker.Domain.Requests;
using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

public static partial class PolicyPackLoader
{
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
}
