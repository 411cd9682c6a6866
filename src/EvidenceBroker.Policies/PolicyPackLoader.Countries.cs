using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

public static partial class PolicyPackLoader
{
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
            foreach (var (agencyNode, field) in context.Mappings(agencyNodes, "agencies", "Expected a mapping with id and name."))
            {
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
            centralAuthority = mlat.String("centralAuthority", maxLength: Bound(context, MaxCentralAuthorityLength));
            if (mlat.Sequence("treaties") is { } treatyNodes)
            {
                foreach (var (treatyNode, field) in context.Mappings(treatyNodes, "mlat.treaties", "Expected a mapping with 'with' and 'basis'."))
                {
                    var treaty = new MapReader(context, treatyNode, field, "with", "basis");
                    var with = treaty.Scalars("with");
                    var basis = treaty.String("basis", maxLength: Bound(context, MaxTreatyBasisLength));
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
}
