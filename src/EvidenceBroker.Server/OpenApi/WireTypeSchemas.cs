using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using EvidenceBroker.Server.Errors;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>
/// Strings and enums as the wire has them. The public model's own converters (NUL-free strings, enums by exactly one
/// kebab-case name) hide these types from the schema generator, which then describes every string and every enum with
/// the empty schema (anything goes) and leaves out the items of every list of them.
/// </summary>
internal sealed class WireTypeSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        var info = context.JsonTypeInfo;
        if (IsBlank(schema) && For(info.Type) is { } described)
        {
            // A string property may be null where it is declared so; a parameter's absence is its "required: false".
            var nullable = context.JsonPropertyInfo is { IsGetNullable: true } or { IsSetNullable: true };
            CopyInto(schema, described, nullable && !info.Type.IsValueType);
            return Task.CompletedTask;
        }

        if (info.Kind == JsonTypeInfoKind.Enumerable && info.ElementType is { } element && IsMissing(schema.Items) && For(element) is { } item)
        {
            schema.Items = item;
        }
        else if (info.Kind == JsonTypeInfoKind.Dictionary && info.ElementType is { } value && IsMissing(schema.AdditionalProperties)
                 && For(value) is { } entry)
        {
            schema.AdditionalProperties = entry;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// What the wire carries for a string, an enum (one of its names), or a list of either; null for any other type,
    /// which the generator describes itself.
    /// </summary>
    internal static OpenApiSchema? For(Type type)
    {
        if (type == typeof(string))
        {
            return new OpenApiSchema { Type = JsonSchemaType.String };
        }

        if (Nullable.GetUnderlyingType(type) is { IsEnum: true } underlying)
        {
            // The enum's component, whichever use of it came first: a nullable use is written oneOf null or the component.
            return For(underlying);
        }

        if (type.IsEnum)
        {
            return new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = [.. Wire.Names(type).Select(name => (JsonNode)JsonValue.Create(name))],
            };
        }

        return ElementOf(type) is { } element && For(element) is { } items
            ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = items }
            : null;
    }

    private static Type? ElementOf(Type type) =>
        type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? type.GetGenericArguments()[0]
        : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static void CopyInto(OpenApiSchema schema, OpenApiSchema described, bool nullable)
    {
        schema.Type = nullable ? described.Type | JsonSchemaType.Null : described.Type;
        schema.Enum = described.Enum;
        schema.Items = described.Items;
    }

    /// <summary>The empty schema the generator writes for a type it could not see into.</summary>
    private static bool IsBlank(OpenApiSchema schema) =>
        schema.Type is null && schema.Enum is null or { Count: 0 } && schema.Properties is null or { Count: 0 }
        && schema.Items is null && schema.AdditionalProperties is null
        && schema.OneOf is null or { Count: 0 } && schema.AnyOf is null or { Count: 0 } && schema.AllOf is null or { Count: 0 };

    private static bool IsMissing(IOpenApiSchema? schema) => schema is null || schema is OpenApiSchema plain && IsBlank(plain);
}
