using EvidenceBroker.Domain.Requests;
using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

public static partial class PolicyPackLoader
{
    private static (List<DeadlineDefinition> Definitions, List<YamlNode> Nodes)? ReadDeadlines(FileContext context, string text)
    {
        if (context.Root(text, "deadlines")?.Sequence("deadlines") is not { } sequence)
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

            rowOk &= TryAnyOr(row, "channel", channelText, out LegalInstrument? channel);
            rowOk &= TryAnyOr(row, "urgency", urgencyText, out Urgency? urgency);

            (int Amount, DeadlineUnit Unit)? duration = null;
            if (within is not null)
            {
                duration = ParseDuration(within);
                if (duration is null)
                {
                    context.Error(row.Get("within", false), row.Field("within"), $"Expected '<n> hours', '<n> days' or '<n> months', found '{within}'.");
                    rowOk = false;
                }
                else if (context.Admitting && !WithinTenYears(duration.Value.Amount, duration.Value.Unit))
                {
                    context.Error(row.Get("within", false), row.Field("within"),
                        $"'{within}' is longer than {MaxYears} years: a deadline is at most {MaxMonths} months, {MaxDays} days or {MaxHours} hours.");
                    rowOk = false;
                }
            }

            if (context.Admitting && source is not null && source.Length > MaxDeadlineSourceLength)
            {
                context.Error(row.Get("source", false), row.Field("source"),
                    $"The source is {source.Length} characters long; at most {MaxDeadlineSourceLength} are kept with a deadline.");
                rowOk = false;
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

    /// <summary>
    /// A deadline row's channel or urgency: a wire name of <typeparamref name="T"/>, or "any" (null, as is a missing one,
    /// reported already). False, with the error reported, for a name <typeparamref name="T"/> does not have.
    /// </summary>
    private static bool TryAnyOr<T>(MapReader row, string key, string? text, out T? value)
        where T : struct, Enum
    {
        value = null;
        if (text is null || text == "any")
        {
            return true;
        }

        if (WireNames<T>.TryParse(text, out var parsed))
        {
            value = parsed;
            return true;
        }

        row.Context.Error(row.Get(key, false), row.Field(key), $"Unknown {key} '{text}'.");
        return false;
    }
}
