using EvidenceBroker.Domain.Requests;
using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

public static partial class PolicyPackLoader
{
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
}
