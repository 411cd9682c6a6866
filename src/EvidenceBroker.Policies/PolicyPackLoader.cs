using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EvidenceBroker.Domain.Requests;
using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

/// <summary>
/// Loads, validates and compiles a policy pack. Files: pack.yaml, rules.yaml, channels.yaml, deadlines.yaml and
/// countries/*.yaml; anything else (README, cases/) is ignored and does not affect the version. Each kind of file is
/// read in a part of its own (PolicyPackLoader.Settings.cs, .Rules.cs, .Channels.cs, .Deadlines.cs, .Countries.cs), and
/// what the files say about each other is checked once all are read (.CrossReferences.cs).
/// </summary>
public static partial class PolicyPackLoader
{
    private const string PackFile = "pack.yaml";
    private const string RulesFile = "rules.yaml";
    private const string ChannelsFile = "channels.yaml";
    private const string DeadlinesFile = "deadlines.yaml";
    private const string CountriesFolder = "countries/";

    // No legal deadline or period the pack sets runs longer than ten years; anything longer is a typo that would later
    // overflow the calendar arithmetic (AddMonths throws past 120,000 months) on every filing.
    private const int MaxYears = 10;
    private const int MaxMonths = MaxYears * 12;
    private const int MaxDays = (MaxYears * 365) + 3;
    private const int MaxHours = MaxDays * 24;

    /// <summary>The server keeps a deadline's source in a column of this length.</summary>
    private const int MaxDeadlineSourceLength = 300;

    /// <summary>What the server's MLAT drafts keep of a central authority's name, and of the treaty a draft relies on.</summary>
    private const int MaxCentralAuthorityLength = 300;

    private const int MaxTreatyBasisLength = 500;

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

    /// <summary>A pack to admit (store, or try in a what-if): every check applies.</summary>
    public static PolicyPackLoadResult Load(IReadOnlyDictionary<string, string> filesByRelativePath) => Load(filesByRelativePath, admitting: true);

    /// <summary>
    /// A pack already stored, to decide or replay with: the checks added after packs were first stored (the outcomes
    /// the engine assumes, the bounds on durations and texts) are left out, so a pack admitted under the earlier rules
    /// loads as it did. Only what would crash the process (nesting) is still refused.
    /// </summary>
    public static PolicyPackLoadResult LoadStored(IReadOnlyDictionary<string, string> filesByRelativePath) => Load(filesByRelativePath, admitting: false);

    private static PolicyPackLoadResult Load(IReadOnlyDictionary<string, string> filesByRelativePath, bool admitting)
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

        var settings = files.TryGetValue(PackFile, out var packText) ? ReadSettings(new FileContext(PackFile, errors, admitting), packText) : null;
        var rules = files.TryGetValue(RulesFile, out var rulesText) ? ReadRules(new FileContext(RulesFile, errors, admitting), rulesText) : null;
        var channels = files.TryGetValue(ChannelsFile, out var channelsText) ? ReadChannels(new FileContext(ChannelsFile, errors, admitting), channelsText) : null;
        var deadlines = files.TryGetValue(DeadlinesFile, out var deadlinesText) ? ReadDeadlines(new FileContext(DeadlinesFile, errors, admitting), deadlinesText) : null;

        var countries = new List<CountryDefinition>();
        foreach (var (path, text) in files)
        {
            if (path.StartsWith(CountriesFolder, StringComparison.Ordinal))
            {
                var country = ReadCountry(new FileContext(path, errors, admitting), text);
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

        CheckCrossReferences(errors, countries, channels.Value.Definitions, channels.Value.Nodes, deadlines.Value.Definitions, deadlines.Value.Nodes, settings, admitting);
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

    private static bool CheckCode(FileContext context, string code, YamlNode node, string field)
    {
        if (CountryCode.IsAssigned(code))
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

    /// <summary>A bound as admitted now, or as it was before packs were bounded (<see cref="FileContext.Admitting"/>).</summary>
    private static int Bound(FileContext context, int admitted, int stored = int.MaxValue) => context.Admitting ? admitted : stored;

    private static bool WithinTenYears(int amount, DeadlineUnit unit) => amount <= unit switch
    {
        DeadlineUnit.Hours => MaxHours,
        DeadlineUnit.Days => MaxDays,
        _ => MaxMonths,
    };

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
