using EvidenceBroker.Domain.Requests;
using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

public static partial class PolicyPackLoader
{
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
        foreach (var (node, field) in context.Mappings(sequence, "deadlines", "Expected a deadline mapping."))
        {
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
}
