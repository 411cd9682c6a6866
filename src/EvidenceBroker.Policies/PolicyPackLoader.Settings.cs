using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

public static partial class PolicyPackLoader
{
    private static PackSettings? ReadSettings(FileContext context, string text)
    {
        if (context.Root(text, "label", "effectiveFrom", "illustrative", "settings", "mlat") is not { } map)
        {
            return null;
        }

        var label = map.String("label");
        var effective = map.Date("effectiveFrom");
        var illustrative = map.Bool("illustrative");
        int? review = null, serious = null, minJustification = null, maxRange = null, maxNonDisclosure = null;
        if (map.Mapping("settings") is { } settingsNode)
        {
            var settings = new MapReader(context, settingsNode, "settings", "reviewIntervalYears", "seriousCrimeMinPenaltyYears", "justificationMinLength", "maxTimeRangeDays", "maxNonDisclosureDays");
            review = settings.Int("reviewIntervalYears", 1, Bound(context, MaxYears, 20));
            serious = settings.Int("seriousCrimeMinPenaltyYears", 0, 100);
            minJustification = settings.Int("justificationMinLength", 1, 10_000);
            maxRange = settings.Int("maxTimeRangeDays", 1, Bound(context, MaxDays, 36_500));
            maxNonDisclosure = settings.Int("maxNonDisclosureDays", 1, Bound(context, MaxDays, 36_500));
        }

        var shared = new List<(string, string)>();
        string? noTreaty = null;
        if (map.Mapping("mlat") is { } mlatNode)
        {
            var mlat = new MapReader(context, mlatNode, "mlat", "sharedMemberships", "noTreaty");
            noTreaty = mlat.String("noTreaty", maxLength: Bound(context, MaxTreatyBasisLength));
            if (mlat.Sequence("sharedMemberships") is { } sequence)
            {
                foreach (var (item, field) in context.Mappings(sequence, "mlat.sharedMemberships", "Expected a mapping with group and basis."))
                {
                    var entry = new MapReader(context, item, field, "group", "basis");
                    var group = entry.String("group");
                    var basis = entry.String("basis", maxLength: Bound(context, MaxTreatyBasisLength));
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
}
