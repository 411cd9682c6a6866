using System.Text.Json;
using System.Text.RegularExpressions;
using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Server.Errors;

/// <summary>Turns System.Text.Json's error positions into the field names clients see ("identifiers[0].type").</summary>
internal static partial class JsonPaths
{
    private static readonly string[] RequiredMessage = ["This property is required."];

    public static string ToField(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        var trimmed = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return BracketedName().Replace(trimmed, m => "." + m.Groups[1].Value).TrimStart('.');
    }

    /// <summary>The errors of one JSON failure, keyed by field; a missing-members failure names each member.</summary>
    public static Dictionary<string, string[]> Errors(JsonException exception)
    {
        var field = ToField(exception.Path);
        if (exception.Message.Contains("missing required properties", StringComparison.OrdinalIgnoreCase))
        {
            var prefix = field == "body" ? string.Empty : field + ".";
            return RequiredNames().Matches(exception.Message)
                .Select(m => prefix + m.Groups[1].Value)
                .Distinct(StringComparer.Ordinal)
                .ToDictionary(name => name, _ => RequiredMessage, StringComparer.Ordinal);
        }

        return new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [Explain(exception)] };
    }

    public static string Explain(JsonException exception)
    {
        // The serializer's messages name .NET types; say what the client must change instead.
        var message = exception.Message;
        if (message.Contains("missing required properties", StringComparison.OrdinalIgnoreCase))
        {
            var names = RequiredNames().Matches(message).Select(m => m.Groups[1].Value);
            return $"Required properties are missing: {string.Join(", ", names)}.";
        }

        if (message.Contains("could not be mapped", StringComparison.OrdinalIgnoreCase))
        {
            return "This property is not part of the model.";
        }

        if (message.Contains(NulFreeStringConverter.NulRefused, StringComparison.Ordinal))
        {
            return "Text must not contain the NUL character (U+0000).";
        }

        if (message.Contains(OneNameEnumConverter.ListRefused, StringComparison.Ordinal))
        {
            return "One of the allowed values is expected, not a list of them.";
        }

        if (message.Contains("could not be converted", StringComparison.OrdinalIgnoreCase))
        {
            return "The value has the wrong type or is not one of the allowed values.";
        }

        if (message.Contains("null", StringComparison.OrdinalIgnoreCase))
        {
            return "The value must not be null.";
        }

        return "The JSON is malformed here.";
    }

    [GeneratedRegex(@"\['([^']+)'\]")]
    private static partial Regex BracketedName();

    [GeneratedRegex(@"'([A-Za-z0-9_]+)'")]
    private static partial Regex RequiredNames();
}
