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
        PackSettings settings,
        bool admitting)
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

        var channelsContext = new FileContext(ChannelsFile, errors, admitting);
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

            // R12 states, and the clock applies, the one extension a preservation may have from this row: without it the
            // decision would promise an extension the clock could not give. A pack stored before this check loads as it did.
            if (channelsContext.Admitting && channel.Urgencies.Contains(Urgency.Preservation)
                && !deadlines.Exists(d => d.Kind == DeadlineKind.PreservationExtension && (d.Channel is null || d.Channel == channel.Instrument)
                                          && (d.Urgency is null || d.Urgency == Urgency.Preservation)))
            {
                channelsContext.Error(channelNodes[i], $"channels[{i}].urgencies",
                    $"No {WireNames<DeadlineKind>.Name(DeadlineKind.PreservationExtension)} deadline in deadlines.yaml for {WireNames<LegalInstrument>.Name(channel.Instrument)} / preservation: a channel that allows preservation needs the once-only extension its R12 text states and its clock applies.");
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
