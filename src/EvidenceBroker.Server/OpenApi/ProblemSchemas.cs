using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EvidenceBroker.Server.OpenApi;

/// <summary>
/// Problem documents as the broker writes them: RFC 9457 lets a problem carry members of its own, and every one of the
/// broker's carries <c>traceId</c>, some the state and next steps of what was refused, or the earlier request or job a
/// reused Idempotency-Key names. The generator describes them closed, as if nothing but the five standard members came.
/// </summary>
internal sealed class ProblemSchemas : IOpenApiDocumentTransformer
{
    /// <summary>The members the broker adds to problems, beyond RFC 9457's own.</summary>
    internal static IReadOnlyDictionary<string, Func<IOpenApiSchema>> Extensions { get; } = new Dictionary<string, Func<IOpenApiSchema>>(StringComparer.Ordinal)
    {
        ["traceId"] = () => Text("The trace of the call that failed, to quote to the broker's operators."),
        ["state"] = () => Text("409: the state of the request or MLAT draft, which does not allow the step."),
        ["mlatState"] = () => Text("409: the state of the MLAT request the request is queued for, which does not allow the step yet, or any more."),
        ["allowedActions"] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = new OpenApiSchema { Type = JsonSchemaType.String },
            Description = "409: the steps the caller may take from its state now: its own role's, not another party's nor the broker's own.",
        },
        ["existingRequestId"] = () => Id("409: the request filed earlier under the same Idempotency-Key, when it is the caller's."),
        ["existingJobId"] = () => Id("409: the job queued earlier under the same Idempotency-Key, when it is the caller's."),
        ["jobStatus"] = () => Text("409: the export job's status (queued, running, failed) while its file is not there."),
        ["progress"] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Integer,
            Format = "int32",
            Description = "409: how far the export job has come, in per cent.",
        },
        ["messageStatus"] = () => Text("409: the outbox message's status (pending, delivered, skipped) when it is not a dead letter."),
        ["deciding"] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = new OpenApiSchema { Type = JsonSchemaType.String },
            Description = "422: the policy rules that decided the refusal.",
        },
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        foreach (var name in (string[])["ProblemDetails", "HttpValidationProblemDetails"])
        {
            if (document.Components?.Schemas?.TryGetValue(name, out var found) != true || found is not OpenApiSchema schema)
            {
                continue;
            }

            schema.AdditionalPropertiesAllowed = true;
            schema.AdditionalProperties = null;
            schema.Properties ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
            foreach (var (member, describe) in Extensions)
            {
                schema.Properties.TryAdd(member, describe());
            }
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };

    private static OpenApiSchema Id(string description) => new() { Type = JsonSchemaType.String, Format = "uuid", Description = description };
}
