using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvidenceBroker.Domain.Requests;

/// <summary>
/// Enums by exactly one of their names. System.Text.Json's string converter also reads "a, b" as the two values
/// OR-ed together, for any enum: "standard, preservation" would be read as a preservation order, and
/// "court, investigating-judge" as a prosecutor. A comma is therefore refused before the names are read.
/// </summary>
public sealed class OneNameEnumConverter : JsonConverterFactory
{
    /// <summary>What the refusal's message says, so that an API can explain it in its own words.</summary>
    public const string ListRefused = "A list of names where one name is expected.";

    private readonly JsonStringEnumConverter names = new(namingPolicy: null, allowIntegerValues: false);

    public override bool CanConvert(Type typeToConvert) => names.CanConvert(typeToConvert);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(
            typeof(OneName<>).MakeGenericType(typeToConvert), names.CreateConverter(typeToConvert, options))!;

    private sealed class OneName<T>(JsonConverter? inner) : JsonConverter<T>
        where T : struct, Enum
    {
        private readonly JsonConverter<T> names = inner as JsonConverter<T>
            ?? throw new InvalidOperationException($"No string converter for {typeof(T).Name}.");

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            RefuseList(ref reader);
            return names.Read(ref reader, typeToConvert, options);
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            names.Write(writer, value, options);

        public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            RefuseList(ref reader);
            return names.ReadAsPropertyName(ref reader, typeToConvert, options);
        }

        public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            names.WriteAsPropertyName(writer, value, options);

        private static void RefuseList(ref Utf8JsonReader reader)
        {
            // Read as text (escapes resolved), so "\u002c" is caught as well.
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.GetString()!.Contains(',', StringComparison.Ordinal))
            {
                throw new JsonException(ListRefused);
            }
        }
    }
}
