using System.Security.Claims;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.OpenApi;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Requests;

public static class RequestsApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapRequestsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/requests").WithTags("Requests");

        group.MapPost("/", FileAsync)
            .RequireAuthorization(BrokerPolicies.FileRequests)
            .RequireRateLimiting(Hosting.RateLimiting.IntakePolicy)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("File a request")
            .WithDescription("Validates and decides the request at once. Send an Idempotency-Key header to make retries safe: " +
                             "the same key and body return the same request, a different body under the same key is refused with 409.");
        group.MapGet("/{id:guid}", GetAsync)
            .RequireAuthorization(BrokerPolicies.ReadRequests)
            .WithSummary("Read one request");
        group.MapGet("/", ListAsync)
            .RequireAuthorization(BrokerPolicies.ReadRequests)
            .TakesWireNames<RequestState>("state")
            .TakesWireNames<Outcome>("outcome", RequestRoutes.OutcomeFilter)
            .TakesWireNames<LegalInstrument>("channel")
            .WithSummary("List requests visible to the caller, newest first");
        return app;
    }

    private static async Task<Results<Created<RequestResource>, ValidationProblem, ProblemHttpResult>> FileAsync(
        RequestContent request,
        [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey,
        ClaimsPrincipal user,
        RequestIntake intake,
        HttpContext http,
        CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        if (IdempotencyKeyProblem(idempotencyKey) is { } badKey)
        {
            return badKey;
        }

        switch (await intake.FileAsync(caller, request, idempotencyKey, ct))
        {
            case IntakeResult.Filed filed:
                if (filed.Replayed)
                {
                    http.Response.Headers["Idempotent-Replayed"] = "true";
                }

                return TypedResults.Created($"/api/v1/requests/{filed.Request.Id}", filed.Request);
            case IntakeResult.Invalid { Status: StatusCodes.Status403Forbidden } forbidden:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Not allowed for your tenant.",
                    extensions: new Dictionary<string, object?> { ["errors"] = forbidden.Errors });
            case IntakeResult.Invalid invalid:
                return TypedResults.ValidationProblem(invalid.Errors);
            case IntakeResult.KeyReused reused:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "This Idempotency-Key was already used with a different body.",
                    detail: "Use a new key for a new request, or resend the original body unchanged.",
                    extensions: reused.ExistingRequestId is { } existing
                        ? new Dictionary<string, object?> { ["existingRequestId"] = existing }
                        : null);
            default:
                throw new InvalidOperationException("Unknown intake result.");
        }
    }

    private static async Task<Results<Ok<RequestResource>, NotFoundProblem, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, BrokerDbContext db, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        var request = await db.RequestsVisibleTo(caller).AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        return request is null
            ? new NotFoundProblem(NotFoundProblem(id))
            : TypedResults.Ok(RequestResource.From(request));
    }

    private static async Task<Results<Ok<ResultPage<RequestSummary>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal user,
        BrokerDbContext db,
        CancellationToken ct,
        string? state = null,
        string? outcome = null,
        string? channel = null,
        string? agencyId = null,
        string? providerId = null,
        string? requestingCountry = null,
        DateTimeOffset? filedFrom = null,
        DateTimeOffset? filedTo = null,
        int page = 1,
        int pageSize = 20)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        var errors = new Dictionary<string, string[]>();
        var query = db.RequestsVisibleTo(caller).AsNoTracking();
        if (state is not null)
        {
            if (Wire.TryParse<RequestState>(state, out var s)) { query = query.Where(r => r.State == s); }
            else { errors["state"] = [Wire.OneOf<RequestState>()]; }
        }

        if (outcome is not null)
        {
            if (Wire.TryParse<Outcome>(outcome, out var o)) { query = query.WhoseRouteWas(db, o); }
            else { errors["outcome"] = [Wire.OneOf<Outcome>()]; }
        }

        if (channel is not null)
        {
            if (Wire.TryParse<LegalInstrument>(channel, out var c)) { query = query.Where(r => r.Channel == c); }
            else { errors["channel"] = [Wire.OneOf<LegalInstrument>()]; }
        }

        if (agencyId is not null)
        {
            if (RequestContentValidator.IsSlug(agencyId)) { query = query.Where(r => r.AgencyId == agencyId); }
            else { errors["agencyId"] = ["An agency id: lower-case letters, digits and hyphens."]; }
        }

        if (providerId is not null)
        {
            if (RequestContentValidator.IsSlug(providerId)) { query = query.Where(r => r.ProviderId == providerId); }
            else { errors["providerId"] = ["A provider id: lower-case letters, digits and hyphens."]; }
        }

        if (requestingCountry is not null)
        {
            if (CountryCode.IsValid(requestingCountry)) { query = query.Where(r => r.RequestingCountry == requestingCountry); }
            else { errors["requestingCountry"] = [CountryCode.Rule]; }
        }

        // As instants in UTC, as they are stored: PostgreSQL refuses another offset, and SQLite would compare wrongly.
        if (filedFrom?.ToUniversalTime() is { } from) { query = query.Where(r => r.FiledAt >= from); }
        if (filedTo?.ToUniversalTime() is { } to) { query = query.Where(r => r.FiledAt < to); }
        if (filedFrom is { } first && filedTo is { } last && last < first) { errors["filedTo"] = [PeriodRule.NotBefore("filedFrom")]; }
        ResultPages.Check(page, pageSize, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var total = await query.CountAsync(ct);
        var items = await query
            .OrderByDescending(r => r.FiledAt).ThenByDescending(r => r.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(r => new RequestSummary(r.Id, r.Reference, r.State, r.Outcome, r.Channel, r.RequestingCountry,
                r.AgencyId, r.ProviderId, r.FiledAt, r.UpdatedAt))
            .ToListAsync(ct);
        return TypedResults.Ok(new ResultPage<RequestSummary>(items, page, pageSize, total));
    }

    public static ProblemDetails NotFoundProblem(Guid id) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No such request.",
        Detail = $"There is no request {id} that you can see.",
    };

    /// <summary>
    /// Why an Idempotency-Key header cannot be taken, naming the header; null when it is absent or a key this broker
    /// takes (1 to 128 visible ASCII characters, no comma). Every endpoint that reads the header checks it here. A
    /// header sent twice arrives as its values joined by a comma (RFC 9110 §5.3), which would be taken as a third key
    /// that neither retry would find again; so a comma is refused, whichever way it came.
    /// </summary>
    public static ValidationProblem? IdempotencyKeyProblem(string? key) =>
        key is null || (key.Length is > 0 and <= 128 && key.All(c => c is > ' ' and <= '~' and not ','))
            ? null
            : TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [IdempotencyHeader] = ["Use 1 to 128 visible ASCII characters other than a comma, and send the header once."],
            });
}
