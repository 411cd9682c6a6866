using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvidenceBroker.Domain.Requests;

/// <summary>
/// The one set of JSON rules for the public model, shared by the API, the CLI and the policy cases:
/// camelCase, enum names only (one name: no integers, no lists), required members enforced, unknown members refused.
/// </summary>
public static class PublicModelJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Applies the public-model rules to options owned by someone else (e.g. ASP.NET Core's).</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = false;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowTrailingCommas = false;
        options.AllowDuplicateProperties = false; // a gateway or a reader taking the first of two would see another request
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        options.MaxDepth = 16;
        options.Converters.Add(new OneNameEnumConverter());
        options.Converters.Add(new NulFreeStringConverter());
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
