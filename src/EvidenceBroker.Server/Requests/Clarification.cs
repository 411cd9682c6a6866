using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using Microsoft.Net.Http.Headers;

namespace EvidenceBroker.Server.Requests;

/// <summary>A provider's question about a request and the agency's answer; the SLA clock may pause meanwhile.</summary>
public sealed class Clarification
{
    public required Guid Id { get; init; }
    public required Guid RequestId { get; init; }
    public required string AskedBy { get; init; }
    public required string Question { get; init; }
    public required DateTimeOffset AskedAt { get; init; }
    public string? AnsweredBy { get; set; }
    public string? Answer { get; set; }
    public DateTimeOffset? AnsweredAt { get; set; }
}

/// <summary>
/// A response package a provider uploaded. The bytes live outside the database (Storage:Root); the row keeps
/// what proves them: size and SHA-256.
/// </summary>
public sealed class Production
{
    public required Guid Id { get; init; }
    public required Guid RequestId { get; init; }
    public required string FileName { get; init; }
    public required string ContentType { get; init; }
    public required long SizeBytes { get; init; }
    public required string Sha256 { get; init; }

    /// <summary>Relative to the storage root.</summary>
    public required string StoredPath { get; init; }

    public required bool Partial { get; init; }
    public required string UploadedBy { get; init; }
    public required DateTimeOffset UploadedAt { get; init; }

    /// <summary>
    /// The type a download is served as: the one the provider gave, or, for a package stored before types were checked
    /// and whose type no response header can carry, <c>application/octet-stream</c>.
    /// </summary>
    public string ServedContentType => IsServable(ContentType) ? ContentType : "application/octet-stream";

    /// <summary>Whether <paramref name="contentType"/> is a media type a response header can carry as it is.</summary>
    public static bool IsServable(string contentType) =>
        contentType.All(c => c is >= ' ' and <= '~') && MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.HasValue && parsed.MediaType.Value!.Contains('/', StringComparison.Ordinal);
}

/// <summary>The provider's grounds when it refuses or objects, and the human decisions on a request.</summary>
public sealed class RequestNote
{
    public const string RefusalKind = "refusal";
    public const string ObjectionKind = "objection";
    public const string ReviewKind = "review";
    public const string ValidationKind = "validation";
    public const string ValidationRefusedKind = "validation-refused";

    public required Guid Id { get; init; }
    public required Guid RequestId { get; init; }

    /// <summary>
    /// refusal, objection, review, validation, validation-refused, or the action it explains: withdraw, confirm-emergency,
    /// refuse-emergency.
    /// </summary>
    public required string Kind { get; init; }

    public required string Author { get; init; }
    public required string AuthorRole { get; init; }

    /// <summary>Wire names of the grounds, comma-separated, when the kind has grounds.</summary>
    public string? Grounds { get; init; }

    public required string Text { get; init; }
    public required DateTimeOffset At { get; init; }

    public static RequestNote Written(Caller caller, Guid requestId, string kind, string text, DateTimeOffset at, string? grounds = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new RequestNote
        {
            Id = RowIds.Version7(at), RequestId = requestId, Kind = kind, Author = caller.DisplayName, AuthorRole = caller.Role,
            Grounds = grounds, Text = text, At = at,
        };
    }
}
