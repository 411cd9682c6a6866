using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>
/// The public model leaves a null out of what it writes (<c>DefaultIgnoreCondition = WhenWritingNull</c>, which clients
/// already read), while the generator lists every constructor parameter as required. So a property that may be null is
/// not required in a schema the broker only writes. A schema it reads keeps the reader's rules: there a parameter
/// without a default must be sent, even as null.
/// </summary>
internal sealed class OmittedNulls : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Components?.Schemas is not { } schemas)
        {
            return Task.CompletedTask;
        }

        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in (document.Paths ?? []).Values.SelectMany(path => path.Operations ?? []).Select(o => o.Value))
        {
            foreach (var media in operation.RequestBody?.Content?.Values ?? [])
            {
                Reach(media.Schema, schemas, read);
            }
        }

        foreach (var (name, schema) in schemas)
        {
            if (read.Contains(name) || schema is not OpenApiSchema { Required: { Count: > 0 } required, Properties: { } properties })
            {
                continue;
            }

            foreach (var property in required.Where(p => properties.TryGetValue(p, out var value) && AdmitsNull(value)).ToList())
            {
                required.Remove(property);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Whether a property's schema lets it be null: a null type, or a choice of null and another schema.</summary>
    internal static bool AdmitsNull(IOpenApiSchema schema) =>
        schema is OpenApiSchema plain
        && (plain.Type is { } type && type.HasFlag(JsonSchemaType.Null)
            || (plain.OneOf ?? []).Concat(plain.AnyOf ?? []).Any(AdmitsNull));

    /// <summary>Adds to <paramref name="reached"/> the component schemas <paramref name="schema"/> refers to, directly or not.</summary>
    private static void Reach(IOpenApiSchema? schema, IDictionary<string, IOpenApiSchema> schemas, HashSet<string> reached)
    {
        switch (schema)
        {
            case OpenApiSchemaReference reference:
                if (reference.Reference.Id is { } id && reached.Add(id) && schemas.TryGetValue(id, out var target))
                {
                    Reach(target, schemas, reached);
                }

                break;
            case OpenApiSchema plain:
                foreach (var part in (plain.Properties?.Values ?? []).Concat(plain.OneOf ?? []).Concat(plain.AnyOf ?? []).Concat(plain.AllOf ?? [])
                             .Append(plain.Items).Append(plain.AdditionalProperties))
                {
                    Reach(part, schemas, reached);
                }

                break;
        }
    }
}
