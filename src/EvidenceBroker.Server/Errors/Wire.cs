using System.Text.Json;
using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Server.Errors;

/// <summary>The wire name of an enum value, and parsing one back, under the public model's JSON rules.</summary>
public static class Wire
{
    public static string Name<T>(T value) where T : struct, Enum =>
        JsonSerializer.Serialize(value, PublicModelJson.Options).Trim('"');

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64 || text.Contains('"', StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            value = JsonSerializer.Deserialize<T>($"\"{text}\"", PublicModelJson.Options);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static IEnumerable<string> Names<T>() where T : struct, Enum => Enum.GetValues<T>().Select(v => Name(v));

    /// <summary>Said wherever a value that is none of <typeparamref name="T"/>'s wire names is refused: the API's lists and reports, the portal's filters.</summary>
    public static string OneOf<T>() where T : struct, Enum => $"One of: {string.Join(", ", Names<T>())}.";

    /// <summary>Every wire name of an enum known only at run time (the OpenAPI document lists them).</summary>
    public static IEnumerable<string> Names(Type enumType)
    {
        ArgumentNullException.ThrowIfNull(enumType);
        return Enum.GetValuesAsUnderlyingType(enumType).Cast<object>()
            .Select(v => JsonSerializer.Serialize(Enum.ToObject(enumType, v), enumType, PublicModelJson.Options).Trim('"'));
    }
}
