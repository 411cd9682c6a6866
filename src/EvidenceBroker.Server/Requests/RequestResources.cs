using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;

namespace EvidenceBroker.Server.Requests;

/// <summary>A request as the API returns it.</summary>
public sealed record RequestResource(
    Guid Id,
    string Reference,
    RequestState State,
    Outcome? Outcome,
    LegalInstrument? Channel,
    string? PolicyVersion,
    string RequestingCountry,
    string AgencyId,
    string ProviderId,
    string ProviderJurisdiction,
    DateTimeOffset FiledAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ReleasedToProviderAt,
    RequestContent Request)
{
    public static RequestResource From(EvidenceRequest r) => new(
        r.Id, r.Reference, r.State, r.Outcome, r.Channel, r.PolicyVersion, r.RequestingCountry, r.AgencyId,
        r.ProviderId, r.ProviderJurisdiction, r.FiledAt, r.UpdatedAt, r.ReleasedToProviderAt, r.Content);
}

/// <summary>One line of a listing: enough to find the request, not its content.</summary>
public sealed record RequestSummary(
    Guid Id,
    string Reference,
    RequestState State,
    Outcome? Outcome,
    LegalInstrument? Channel,
    string RequestingCountry,
    string AgencyId,
    string ProviderId,
    DateTimeOffset FiledAt,
    DateTimeOffset UpdatedAt);

public sealed record ResultPage<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

/// <summary>The bounds every paged list checks its <c>page</c> against.</summary>
public static class ResultPages
{
    /// <summary>Far beyond any list's end, and low enough that the rows skipped to reach it stay a whole number.</summary>
    public const int MaxPage = 1_000_000;

    public const string PageRule = "Pages start at 1 and go up to 1,000,000.";

    public static bool IsValidPage(int page) => page is >= 1 and <= MaxPage;

    /// <summary>The most items one page of any list holds.</summary>
    public const int MaxPageSize = 100;

    /// <summary>Adds to <paramref name="errors"/>, by name, why <paramref name="page"/> or <paramref name="pageSize"/> cannot be taken.</summary>
    public static void Check(int page, int pageSize, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!IsValidPage(page)) { errors["page"] = [PageRule]; }
        if (pageSize is < 1 or > MaxPageSize) { errors["pageSize"] = [$"Between 1 and {MaxPageSize}."]; }
    }
}
