using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace EvidenceBroker.Policies;

/// <summary>Collects errors for one file; every error names the file, the line and the field.</summary>
internal sealed class FileContext(string file, List<PackError> errors, bool admitting = true)
{
    /// <summary>
    /// Whether the pack is being admitted (stored, or tried in a what-if), when every check applies; false for a pack
    /// already stored, which loads as it loaded when it was admitted, so that later checks never stop the server from
    /// starting on it or from replaying the decisions it made.
    /// </summary>
    public bool Admitting { get; } = admitting;

    /// <summary>Far deeper than any pack file needs (they nest four or five levels).</summary>
    internal const int MaxDepth = 64;

    public string File { get; } = file;

    /// <summary>All errors of the pack so far; a reader compares counts to know whether its part was clean.</summary>
    public int ErrorCount => errors.Count;

    public void Error(YamlNode? node, string field, string message) =>
        errors.Add(new PackError(File, node is null ? 0 : checked((int)node.Start.Line), field, message));

    public void Error(Mark mark, string field, string message) =>
        errors.Add(new PackError(File, checked((int)mark.Line), field, message));

    /// <summary>
    /// The items of a list that are mappings, each with its field name (<c>prefix[i]</c>); any other item is reported
    /// with <paramref name="expected"/> and passed over.
    /// </summary>
    public IEnumerable<(YamlMappingNode Node, string Field)> Mappings(YamlSequenceNode sequence, string prefix, string expected)
    {
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var field = $"{prefix}[{i}]";
            if (sequence.Children[i] is YamlMappingNode node)
            {
                yield return (node, field);
            }
            else
            {
                Error(sequence.Children[i], field, expected);
            }
        }
    }

    /// <summary>
    /// Parses the file's one document and reads its root mapping, which may hold only <paramref name="keys"/> (any other
    /// is reported); null, with an error, if the root is not a mapping.
    /// </summary>
    public MapReader? Root(string text, params string[] keys) => Parse(text) is { } root ? new MapReader(this, root, "", keys) : null;

    /// <summary>Parses one YAML document whose root must be a mapping; null (with an error) otherwise.</summary>
    public YamlMappingNode? Parse(string text)
    {
        var stream = new YamlStream();
        try
        {
            if (TooDeep(text) is { } mark)
            {
                Error(mark, "(yaml)", $"Not valid YAML for a pack: lists and mappings are nested more than {MaxDepth} levels deep.");
                return null;
            }

            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            Error(ex.Start, "(yaml)", "Not valid YAML: " + StripPosition(ex.Message));
            return null;
        }

        if (stream.Documents.Count != 1)
        {
            errors.Add(new PackError(File, 0, "(document)", "Expected exactly one YAML document."));
            return null;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            Error(stream.Documents[0].RootNode, "(document)", "Expected a mapping at the top of the file.");
            return null;
        }

        return root;
    }

    // YamlStream.Load recurses once per level of nesting, so a file of 100,000 '[' overflows the stack, which kills the
    // process rather than throwing. The event parser keeps its own stack, so it is walked first and the file is
    // refused where it passes the bound, before anything recurses.
    private static Mark? TooDeep(string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart when ++depth > MaxDepth:
                    return parser.Current.Start;
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }

        return null;
    }

    // YamlDotNet prefixes messages with "(Line: 3, Col: 1, Idx: 20) - (…): "; the line is reported separately.
    private static string StripPosition(string message)
    {
        var index = message.LastIndexOf("): ", StringComparison.Ordinal);
        return index >= 0 ? message[(index + 3)..] : message;
    }
}

/// <summary>
/// Reads one mapping against its schema: unknown keys are errors, required keys must be present, scalars must
/// parse. A reader never throws; it records errors and returns null so the loader can report them all.
/// </summary>
internal sealed class MapReader
{
    private readonly FileContext context;
    private readonly YamlMappingNode node;
    private readonly string path;

    public MapReader(FileContext context, YamlMappingNode node, string path, params string[] allowedKeys)
    {
        this.context = context;
        this.node = node;
        this.path = path;
        foreach (var entry in node.Children)
        {
            var key = (entry.Key as YamlScalarNode)?.Value;
            if (key is null || Array.IndexOf(allowedKeys, key) < 0)
            {
                context.Error(entry.Key, Field(key ?? "?"), $"Unknown field '{key}'. Allowed: {string.Join(", ", allowedKeys)}.");
            }
        }
    }

    public FileContext Context => context;

    public YamlNode Node => node;

    public string Field(string key) => path.Length == 0 ? key : path + "." + key;

    public YamlNode? Get(string key, bool required)
    {
        if (node.Children.TryGetValue(new YamlScalarNode(key), out var value))
        {
            return value;
        }

        if (required)
        {
            context.Error(node, Field(key), "Required field is missing.");
        }

        return null;
    }

    /// <summary>A non-empty text of at most <paramref name="maxLength"/> characters (what the server keeps of it).</summary>
    public string? String(string key, bool required = true, int maxLength = int.MaxValue)
    {
        var value = Get(key, required);
        if (value is null)
        {
            return null;
        }

        if (value is not YamlScalarNode scalar || string.IsNullOrWhiteSpace(scalar.Value))
        {
            context.Error(value, Field(key), "Expected a non-empty text.");
            return null;
        }

        if (scalar.Value.Length > maxLength)
        {
            context.Error(value, Field(key), $"The text is {scalar.Value.Length} characters long; at most {maxLength} are kept.");
            return null;
        }

        return scalar.Value;
    }

    public bool? Bool(string key, bool required = true)
    {
        var value = Get(key, required);
        if (value is null)
        {
            return null;
        }

        if (value is YamlScalarNode { Value: "true" })
        {
            return true;
        }

        if (value is YamlScalarNode { Value: "false" })
        {
            return false;
        }

        context.Error(value, Field(key), "Expected true or false.");
        return null;
    }

    public int? Int(string key, int min, int max, bool required = true)
    {
        var value = Get(key, required);
        if (value is null)
        {
            return null;
        }

        if (value is YamlScalarNode scalar
            && int.TryParse(scalar.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && number >= min && number <= max)
        {
            return number;
        }

        context.Error(value, Field(key), $"Expected a whole number from {min} to {max}.");
        return null;
    }

    public DateOnly? Date(string key, bool required = true)
    {
        var value = Get(key, required);
        if (value is null)
        {
            return null;
        }

        if (value is YamlScalarNode scalar
            && DateOnly.TryParseExact(scalar.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        context.Error(value, Field(key), $"Expected a date as YYYY-MM-DD, found '{(value as YamlScalarNode)?.Value}'.");
        return null;
    }

    public YamlSequenceNode? Sequence(string key, bool required = true)
    {
        var value = Get(key, required);
        if (value is null)
        {
            return null;
        }

        if (value is YamlSequenceNode sequence)
        {
            return sequence;
        }

        context.Error(value, Field(key), "Expected a list.");
        return null;
    }

    public YamlMappingNode? Mapping(string key, bool required = true)
    {
        var value = Get(key, required);
        if (value is null)
        {
            return null;
        }

        if (value is YamlMappingNode mapping)
        {
            return mapping;
        }

        context.Error(value, Field(key), "Expected a mapping of fields.");
        return null;
    }

    /// <summary>A list of non-empty scalars; each item is returned with its node for later error reporting.</summary>
    public List<(string Value, YamlNode Node)>? Scalars(string key, bool required = true)
    {
        var sequence = Sequence(key, required);
        if (sequence is null)
        {
            return null;
        }

        var items = new List<(string, YamlNode)>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (sequence.Children[i] is YamlScalarNode { Value: { Length: > 0 } text } scalar)
            {
                items.Add((text, scalar));
            }
            else
            {
                context.Error(sequence.Children[i], $"{Field(key)}[{i}]", "Expected a text item.");
            }
        }

        return items;
    }
}
