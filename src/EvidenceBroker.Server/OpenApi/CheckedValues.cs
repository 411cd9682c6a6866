using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json.Nodes;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Requests;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>
/// Endpoint metadata: the query value <paramref name="Parameter"/> is one of <paramref name="Enum"/>'s wire names,
/// taken as text and checked by the handler (which answers 400 naming them otherwise); <paramref name="Description"/>
/// says what it matches, where that is more than the field of the same name.
/// </summary>
public sealed record QueryWireNames(string Parameter, Type Enum, string? Description = null);

/// <summary>
/// The values the handlers check themselves, which the generator cannot see: a query value that must be one of an
/// enum's wire names (<see cref="QueryWireNames"/>), and the bounds of every list's <c>page</c> and <c>pageSize</c>
/// (<see cref="ResultPages.Check"/>, which each paged list applies).
/// </summary>
internal sealed class CheckedQueryValues : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var names = context.Description.ActionDescriptor.EndpointMetadata.OfType<QueryWireNames>().ToList();
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Query) ?? [])
        {
            if (parameter.Schema is not OpenApiSchema schema)
            {
                continue;
            }

            if (names.LastOrDefault(n => n.Parameter == parameter.Name) is { } wire)
            {
                schema.Enum = [.. Wire.Names(wire.Enum).Select(name => (JsonNode)JsonValue.Create(name))];
                parameter.Description = wire.Description ?? parameter.Description;
            }
            else if (schema.Type == JsonSchemaType.Integer && parameter.Name is "page" or "pageSize")
            {
                schema.Minimum = "1";
                schema.Maximum = (parameter.Name == "page" ? ResultPages.MaxPage : ResultPages.MaxPageSize).ToString(CultureInfo.InvariantCulture);
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// What a request body's handler asks of a property beyond the JSON reader: <see cref="RequiredAttribute"/> (it answers
/// 400 when the property is missing or null) and <see cref="AllowedValuesAttribute"/> (one of these strings).
/// </summary>
internal sealed class CheckedBodyValues : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(AllowedValuesAttribute), inherit: false)
                .OfType<AllowedValuesAttribute>().FirstOrDefault() is { } allowed)
        {
            schema.Enum = [.. allowed.Values.Select(value => (JsonNode)JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture))!)];
        }

        if (context.JsonPropertyInfo is null && context.JsonTypeInfo.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object)
        {
            foreach (var property in context.JsonTypeInfo.Properties)
            {
                if (property.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: false) == true)
                {
                    schema.Required ??= new HashSet<string>(StringComparer.Ordinal);
                    schema.Required.Add(property.Name);
                }
            }
        }

        return Task.CompletedTask;
    }
}
