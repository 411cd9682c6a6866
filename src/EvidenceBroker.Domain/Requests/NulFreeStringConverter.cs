using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvidenceBroker.Domain.Requests;

/// <summary>
/// Strings without the NUL character (U+0000). PostgreSQL cannot store it in text and refuses the whole statement,
/// so a NUL anywhere in a body is refused where it is read, naming its field, rather than by the database.
/// </summary>
public sealed class NulFreeStringConverter : JsonConverter<string>
{
    /// <summary>What the refusal's message says, so that an API can explain it in its own words.</summary>
    public const string NulRefused = "A string holds the NUL character (U+0000).";

    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString()!);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(value);
    }

    private static string Checked(string value) =>
        value.Contains('\0', StringComparison.Ordinal) ? throw new JsonException(NulRefused) : value;
}
