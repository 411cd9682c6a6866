using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Hosting;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Routing;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Exports;

/// <summary>
/// An oversight report request: filing dates from/to (inclusive) and optional filters, as wire names. Every
/// <see cref="RequiredAttribute"/> here and below is checked by the handler (400 naming the field), which the OpenAPI
/// document shows; the defaults let the handler name every missing field at once.
/// </summary>
public sealed record OversightReportRequest(
    [property: Required] DateOnly? From = null, [property: Required] DateOnly? To = null, string? RequestingCountry = null, string? ProviderId = null, string? Channel = null, string? Outcome = null);

/// <summary>A transparency report request: period "2026-H2", optional requesting country, format pdf (default) or csv.</summary>
public sealed record TransparencyReportRequest([property: Required] string? Period = null, string? RequestingCountry = null, string? Format = null);

/// <summary>
/// An audit trail export request: the days (inclusive) within which the entries were recorded, and optionally one subject
/// type (alone, or with one subject's id) and one action, as wire names.
/// </summary>
public sealed record AuditTrailExportRequest(
    [property: Required] DateOnly? From = null, [property: Required] DateOnly? To = null, string? SubjectType = null, string? SubjectId = null, string? Action = null);

public sealed record ExportJobResource(Guid Id, ExportKind Kind, ExportStatus Status, int Progress, string? Stage, DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt, string? FileName, string? Download, string? Error)
{
    public static ExportJobResource From(ExportJob job) => new(job.Id, job.Kind, job.Status, job.Progress, job.Stage, job.CreatedAt, job.CompletedAt,
        job.FileName, job.Status == ExportStatus.Completed ? $"/api/v1/exports/jobs/{job.Id}/file" : null, job.Error);
}

public static class ExportsApi
{
    private const string Pdf = "application/pdf";
    private const string Csv = "text/csv";

    public static IEndpointRouteBuilder MapExportsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/requests/{id:guid}/dossier.pdf", DossierAsync)
            .RequireAuthorization(AnyTenant)
            .WithTags("Exports")
            .Produces<Stream>(StatusCodes.Status200OK, Pdf)
            .WithSummary("The decision dossier of one request as PDF/A: request, every rule's reason, review, timeline, audit entries with hashes")
            .WithDescription("Whoever may read the request gets its dossier: its agency, its provider (the provider's copy leaves out the " +
                             "agency's and the review desk's own working), the review desk for the requests it reviews, oversight. " +
                             "Administrators read no request.");

        var exports = app.MapGroup("/api/v1/exports").WithTags("Exports");
        exports.MapGet("/requests/{id:guid}/mlat-draft.pdf", MlatDraftAsync)
            .RequireAuthorization(AnyTenant)
            .Produces<Stream>(StatusCodes.Status200OK, Pdf)
            .WithSummary("The pre-filled MLAT request for the central authority (requesting agency, the review desk for the requests it reviews, oversight)");
        exports.MapPost("/oversight-reports", QueueOversightAsync)
            .RequireAuthorization(BrokerPolicies.OversightOrAdministration)
            .WithMetadata(WholeStoreLimited.Instance)
            .ProducesProblem(StatusCodes.Status409Conflict) // Idempotency-Key reused for another report
            .WithSummary("Queue an oversight report (PDF) for a filing period and filters; poll the returned job");
        exports.MapPost("/transparency-reports", QueueTransparencyAsync)
            .RequireAuthorization(BrokerPolicies.OversightOrAdministration)
            .WithMetadata(WholeStoreLimited.Instance)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Queue a transparency report for a half-year (e.g. 2026-H2), optionally one requesting country, as PDF or CSV");
        exports.MapPost("/audit-trails", QueueAuditTrailAsync)
            .RequireAuthorization(BrokerPolicies.Oversight)
            .WithMetadata(WholeStoreLimited.Instance)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Queue an export (PDF) of the audit entries recorded in a period, optionally of one subject or action, with the chain's verification")
            .WithDescription("Oversight only: the trail records every request's steps and who took them, which administrators do not read. " +
                             "A period holding more entries than one export may list is refused (400), naming how many it holds.");
        exports.MapGet("/jobs/{id:guid}", JobAsync)
            .RequireAuthorization(BrokerPolicies.OversightOrAdministration)
            .WithSummary("Status and progress of a queued report");
        exports.MapGet("/jobs/{id:guid}/file", DownloadAsync)
            .RequireAuthorization(BrokerPolicies.OversightOrAdministration)
            .Produces<Stream>(StatusCodes.Status200OK, Pdf, Csv)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("The finished report; 409 while it is still being built"); // or once it has failed
        return app;
    }

    /// <summary>Any authenticated tenant; which requests it may export is decided by <see cref="ExportAccess"/>.</summary>
    private static void AnyTenant(Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder policy) => policy
        .AddAuthenticationSchemes(BrokerBearer.Scheme)
        .RequireAuthenticatedUser()
        .RequireAssertion(ctx => BrokerClaims.ReadTenant(ctx.User) is not null);

    private static async Task<Results<FileContentHttpResult, NotFoundProblem, ProblemHttpResult>> DossierAsync(
        Guid id, ClaimsPrincipal user, BrokerDbContext db, AuditSigningKey key, DocumentDownloads downloads, TimeProvider clock, HttpRequest request,
        CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        var data = await DossierQuery.LoadAsync(db, key, caller, id, clock.GetUtcNow(), ct);
        if (data is null)
        {
            return new NotFoundProblem(RequestsApi.NotFoundProblem(id));
        }

        var (pdf, name) = await downloads.DossierAsync(caller, data, sent: !HeadAsGet.IsHead(request), ct);
        return TypedResults.File(pdf, Pdf, name);
    }

    private static async Task<Results<FileContentHttpResult, NotFoundProblem, ProblemHttpResult>> MlatDraftAsync(
        Guid id, ClaimsPrincipal user, BrokerDbContext db, AuditSigningKey key, DocumentDownloads downloads, TimeProvider clock, HttpRequest request,
        CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        var data = ExportAccess.MaySeeMlatDrafts(caller) ? await DossierQuery.LoadAsync(db, key, caller, id, clock.GetUtcNow(), ct) : null;
        if (data is null)
        {
            return new NotFoundProblem(RequestsApi.NotFoundProblem(id));
        }

        var (pdf, name) = await downloads.MlatDraftAsync(caller, data, sent: !HeadAsGet.IsHead(request), ct);
        return TypedResults.File(pdf, Pdf, name);
    }

    private static async Task<Results<Accepted<ExportJobResource>, ValidationProblem, ProblemHttpResult>> QueueOversightAsync(
        OversightReportRequest body, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit, IBackgroundJobClient jobs, TimeProvider clock, HttpContext http,
        WholeStoreLimit limit, IPolicyCatalogue catalogue, CancellationToken ct, [FromHeader(Name = RequestsApi.IdempotencyHeader)] string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new Dictionary<string, string[]>();
        CheckPeriod(body.From, body.To, "filing date", errors);
        await CheckCountryAsync(body.RequestingCountry, db, catalogue, errors, ct);
        if (body.ProviderId is { Length: 0 or > 64 }) { errors["providerId"] = ["1 to 64 characters."]; }
        LegalInstrument? channel = null;
        if (body.Channel is not null)
        {
            if (Wire.TryParse<LegalInstrument>(body.Channel, out var c)) { channel = c; }
            else { errors["channel"] = [Wire.OneOf<LegalInstrument>()]; }
        }

        Outcome? outcome = null;
        if (body.Outcome is not null)
        {
            if (Wire.TryParse<Outcome>(body.Outcome, out var o)) { outcome = o; }
            else { errors["outcome"] = [Wire.OneOf<Outcome>()]; }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if ((await AdmitOrderAsync(idempotencyKey, user, db, limit, http, ct)).Refusal is { } refused)
        {
            return refused;
        }

        var parameters = new OversightReportParameters(body.From!.Value, body.To!.Value, body.RequestingCountry, body.ProviderId, channel, outcome);
        return await QueueAsync(ExportKind.OversightReport, parameters, idempotencyKey, user, db, audit, jobs, clock, http, ct);
    }

    private static async Task<Results<Accepted<ExportJobResource>, ValidationProblem, ProblemHttpResult>> QueueTransparencyAsync(
        TransparencyReportRequest body, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit, IBackgroundJobClient jobs, TimeProvider clock, HttpContext http,
        WholeStoreLimit limit, IPolicyCatalogue catalogue, CancellationToken ct, [FromHeader(Name = RequestsApi.IdempotencyHeader)] string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new Dictionary<string, string[]>();
        if (!HalfYear.TryParse(body.Period, out var period)) { errors["period"] = ["A half-year as YYYY-H1 or YYYY-H2, e.g. 2026-H2."]; }
        await CheckCountryAsync(body.RequestingCountry, db, catalogue, errors, ct);
        var format = body.Format?.ToLowerInvariant() switch
        {
            null or "pdf" => TransparencyFormat.Pdf,
            "csv" => TransparencyFormat.Csv,
            _ => (TransparencyFormat?)null,
        };
        if (format is null) { errors["format"] = ["pdf or csv."]; }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if ((await AdmitOrderAsync(idempotencyKey, user, db, limit, http, ct)).Refusal is { } refused)
        {
            return refused;
        }

        return await QueueAsync(ExportKind.TransparencyReport, new TransparencyReportParameters(period, body.RequestingCountry, format!.Value),
            idempotencyKey, user, db, audit, jobs, clock, http, ct);
    }

    private static async Task<Results<Accepted<ExportJobResource>, ValidationProblem, ProblemHttpResult>> QueueAuditTrailAsync(
        AuditTrailExportRequest body, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit, IBackgroundJobClient jobs, TimeProvider clock,
        IOptions<ExportOptions> options, HttpContext http, WholeStoreLimit limit, CancellationToken ct, [FromHeader(Name = RequestsApi.IdempotencyHeader)] string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(options);
        var errors = CheckAuditTrail(body);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (refused, retry) = await AdmitOrderAsync(idempotencyKey, user, db, limit, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        var parameters = AuditTrailExportParameters.Of(body);

        // Counted now, so that a period too large for one export is refused while its caller is there to narrow it, not
        // failed later in the background. Entries are only ever added: one recorded meanwhile can still tip it over, and
        // the export then lists the first ones and says so. A retry with its Idempotency-Key is not counted again: it
        // answers with the export already queued, however many entries came since.
        var max = options.Value.AuditTrailMaxEntries;
        var matching = retry ? 0 : await AuditTrailExportQuery.Matching(db, parameters).LongCountAsync(ct);
        if (matching > max)
        {
            string[] tooManyEntries = [string.Create(CultureInfo.InvariantCulture,
                $"{matching:N0} entries were recorded in this period with these filters; one export lists at most {max:N0}. Ask for a shorter period, or one subject or action.")];
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = tooManyEntries, ["to"] = tooManyEntries });
        }

        return await QueueAsync(ExportKind.AuditTrail, parameters, idempotencyKey, user, db, audit, jobs, clock, http, ct);
    }

    /// <summary>What is wrong with an audit trail export's period and filters, by field (the API's and the portal's).</summary>
    internal static Dictionary<string, string[]> CheckAuditTrail(AuditTrailExportRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        CheckPeriod(body.From, body.To, "day", errors);
        if (body.SubjectType is { } type && !IsAuditName(type, 40, dots: false))
        {
            errors["subjectType"] = ["A subject type as the trail records it: 1 to 40 lower-case letters, digits and hyphens, e.g. country."];
        }

        if (body.SubjectId is { Length: 0 or > 80 }) { errors["subjectId"] = ["1 to 80 characters."]; }
        else if (body.SubjectId is not null && body.SubjectType is null) { errors["subjectId"] = ["Only with 'subjectType': an id names a subject of one type."]; }
        if (body.Action is { } action && !IsAuditName(action, 80, dots: true))
        {
            errors["action"] = ["An action as the trail records it: 1 to 80 lower-case letters, digits, hyphens and dots, e.g. country.suspended."];
        }

        return errors;
    }

    /// <summary>A period of whole days as the reports take it: both ends, in order, at most ten years, short of the calendar's end.</summary>
    private static void CheckPeriod(DateOnly? from, DateOnly? to, string what, Dictionary<string, string[]> errors)
    {
        if (from is null) { errors["from"] = [$"Required: the first {what}, YYYY-MM-DD."]; }
        if (to is null) { errors["to"] = [$"Required: the last {what}, YYYY-MM-DD."]; }
        if (from is { } f && to is { } t && t < f) { errors["to"] = [PeriodRule.ToBeforeFrom]; }
        if (from is { } f2 && to is { } t2 && t2.DayNumber - f2.DayNumber > 3660) { errors["to"] = ["A report covers at most ten years."]; }
        if (from is { Year: > HalfYear.LastYear }) { errors["from"] = [$"A date before the year {HalfYear.LastYear + 1}."]; }
        if (to is { Year: > HalfYear.LastYear }) { errors["to"] = [$"A date before the year {HalfYear.LastYear + 1}."]; }
    }

    /// <summary>
    /// What refuses a report order whose body passed its checks: a malformed Idempotency-Key, then the caller's
    /// <see cref="WholeStoreLimit"/>, whose permit is taken last, so that an order refused for its input spends none.
    /// A retry (its Idempotency-Key already names one of the caller's orders) takes no permit either: it builds nothing
    /// and reads nothing of the store, and is answered even when the caller's window is spent.
    /// </summary>
    private static async Task<(Results<Accepted<ExportJobResource>, ValidationProblem, ProblemHttpResult>? Refusal, bool Retry)> AdmitOrderAsync(
        string? idempotencyKey, ClaimsPrincipal user, BrokerDbContext db, WholeStoreLimit limit, HttpContext http, CancellationToken ct)
    {
        if (RequestsApi.IdempotencyKeyProblem(idempotencyKey) is { } badKey)
        {
            return (badKey, false);
        }

        var retry = idempotencyKey is not null && Caller.From(user) is { } caller
            && await db.ExportJobs.AnyAsync(j => j.RequestedBy == caller.Subject && j.IdempotencyKey == idempotencyKey, ct);
        if (!retry && limit.Refusal(http) is { } tooMany)
        {
            return (tooMany, false);
        }

        return (null, retry);
    }

    /// <summary>
    /// A report's requesting country: one the policy pack in force knows, or one that requests were filed from (a country
    /// an earlier pack knew and the one in force dropped, or that no pack knew, still has its requests to report). Any
    /// other well-formed code, such as XX, could only order an empty report presented as that country's.
    /// </summary>
    private static async Task CheckCountryAsync(
        string? country, BrokerDbContext db, IPolicyCatalogue catalogue, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (country is null)
        {
            return;
        }

        if (!CountryCode.IsValid(country))
        {
            errors["requestingCountry"] = [CountryCode.Rule];
        }
        else if (!await catalogue.KnowsCountryAsync(db, country, ct) && !await db.Requests.AnyAsync(r => r.RequestingCountry == country, ct))
        {
            errors["requestingCountry"] = ["Not a country of the policy pack in force, and no request was filed from it."];
        }
    }

    /// <summary>A subject type or an action as the trail writes them ("portal-user", "country.suspended").</summary>
    private static bool IsAuditName(string name, int maxLength, bool dots) =>
        name.Length is > 0 && name.Length <= maxLength
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-' || (dots && c == '.'));

    /// <summary>
    /// Records and queues a report, whose order has passed its checks and, unless it retries one already made, taken its
    /// <see cref="WholeStoreLimit"/> permit (an order refused for its input spends none). With an Idempotency-Key, a retry
    /// (the same key and parameters) answers with the job already queued, and builds and records nothing again; the key
    /// with other parameters is refused (409).
    /// </summary>
    private static async Task<Results<Accepted<ExportJobResource>, ValidationProblem, ProblemHttpResult>> QueueAsync<T>(
        ExportKind kind, T parameters, string? idempotencyKey, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit, IBackgroundJobClient jobs,
        TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        var now = clock.GetUtcNow();
        var job = new ExportJob
        {
            Id = RowIds.Version7(now),
            Kind = kind,
            ParametersJson = JsonSerializer.Serialize(parameters, ExportJob.ParametersOptions),
            RequestedBy = caller.Subject,
            RequestedByTenant = caller.Tenant.ToString(),
            CreatedAt = now,
            Status = ExportStatus.Queued,
            Stage = "queued",
            IdempotencyKey = idempotencyKey,
        };

        // Who exported what, and when, is itself part of the record an oversight body may be asked about.
        EarlierExport? earlier = null;
        await using (var transaction = await db.BeginWriteAsync(ct))
        {
            if (idempotencyKey is not null)
            {
                earlier = await db.ExportJobs.AsNoTracking().Where(j => j.RequestedBy == caller.Subject && j.IdempotencyKey == idempotencyKey)
                    .Select(j => new EarlierExport(j.Id, j.Kind, j.ParametersJson, j.Status, j.RequestedByTenant)).SingleOrDefaultAsync(ct);
            }

            if (earlier is null)
            {
                db.ExportJobs.Add(job);
                await audit.AppendAsync(db, caller, new AuditRecord(
                    "export.requested", "export", job.Id.ToString(), new { kind, parameters = job.ParametersJson }), ct);
                await db.SaveChangesAsync(ct);
            }

            // A retry writes nothing, but the export it found may be a change of the write batch this turn joined, not
            // yet durable: it is answered, as a new export is, once the batch has committed.
            await transaction.CommitAsync(ct);
        }

        var logger = http.RequestServices.GetRequiredService<ILogger<ExportJobRunner>>();
        if (earlier is not null)
        {
            if (earlier.Kind != kind || earlier.ParametersJson != job.ParametersJson || earlier.RequestedByTenant != job.RequestedByTenant)
            {
                // A subject two tenants share (a client registered under a user's id) hears nothing of the other's report.
                var ours = earlier.RequestedByTenant == job.RequestedByTenant;
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "This Idempotency-Key was already used for another report.",
                    detail: ours ? "Use a new key for a new report, or resend the original parameters unchanged." : "Use a new key.",
                    extensions: ours ? new Dictionary<string, object?> { ["existingJobId"] = earlier.Id } : null);
            }

            // The first request's answer may have been lost before its job was queued: queued again, harmlessly if not.
            if (earlier.Status == ExportStatus.Queued)
            {
                ExportJobRunner.EnqueueOrLeaveToLostExports(jobs, earlier.Id, logger);
            }

            http.Response.Headers["Idempotent-Replayed"] = "true";
            var queued = await FindJobAsync(earlier.Id, user, db, ct);
            return TypedResults.Accepted($"/api/v1/exports/jobs/{earlier.Id}", queued!);
        }

        ExportJobRunner.EnqueueOrLeaveToLostExports(jobs, job.Id, logger);
        return TypedResults.Accepted($"/api/v1/exports/jobs/{job.Id}", ExportJobResource.From(job));
    }

    /// <summary>What a retry needs of the export first asked for with its Idempotency-Key.</summary>
    private sealed record EarlierExport(Guid Id, ExportKind Kind, string ParametersJson, ExportStatus Status, string RequestedByTenant);

    private static async Task<Results<Ok<ExportJobResource>, NotFoundProblem>> JobAsync(
        Guid id, ClaimsPrincipal user, BrokerDbContext db, CancellationToken ct)
    {
        var job = await FindJobAsync(id, user, db, ct);
        return job is null ? new NotFoundProblem(NoJob(id)) : TypedResults.Ok(job);
    }

    private static async Task<Results<FileContentHttpResult, NotFoundProblem, ProblemHttpResult>> DownloadAsync(
        Guid id, ClaimsPrincipal user, BrokerDbContext db, DocumentDownloads downloads, HttpRequest request, CancellationToken ct)
    {
        var status = await FindJobAsync(id, user, db, ct);
        if (status is null)
        {
            return new NotFoundProblem(NoJob(id));
        }

        if (status.Status != ExportStatus.Completed)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: status.Status == ExportStatus.Failed ? "The report failed." : "The report is not ready yet.",
                detail: status.Error ?? string.Create(CultureInfo.InvariantCulture, $"{status.Progress} % done ({status.Stage})."),
                // Not "status", which is the problem's HTTP status: see WebhooksAdminApi's retry.
                extensions: new Dictionary<string, object?> { ["jobStatus"] = Wire.Name(status.Status), ["progress"] = status.Progress });
        }

        var file = await db.ExportJobs.AsNoTracking().Where(j => j.Id == id).Select(j => new { j.Content, j.ContentType, j.FileName }).SingleAsync(ct);
        if (!HeadAsGet.IsHead(request)) // a HEAD sends nothing, so downloads nothing
        {
            await downloads.RecordAsync(Caller.From(user)!, DocumentDownloads.Export, id.ToString(), file.FileName ?? "", file.Content!, ct);
        }

        return TypedResults.File(file.Content!, file.ContentType, file.FileName);
    }

    /// <summary>A job is visible to its own tenant only; others get 404.</summary>
    private static async Task<ExportJobResource?> FindJobAsync(Guid id, ClaimsPrincipal user, BrokerDbContext db, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return null;
        }

        var tenant = caller.Tenant.ToString();
        var job = await db.ExportJobs.AsNoTracking()
            .Where(j => j.Id == id && j.RequestedByTenant == tenant)
            .Select(j => new ExportJob
            {
                Id = j.Id, Kind = j.Kind, ParametersJson = string.Empty, RequestedBy = j.RequestedBy, RequestedByTenant = j.RequestedByTenant,
                CreatedAt = j.CreatedAt, Status = j.Status, Progress = j.Progress, Stage = j.Stage, CompletedAt = j.CompletedAt,
                FileName = j.FileName, Error = j.Error,
            })
            .SingleOrDefaultAsync(ct);
        return job is null ? null : ExportJobResource.From(job);
    }

    private static ProblemDetails NoJob(Guid id) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No such export.",
        Detail = $"There is no export job {id} that you can see.",
    };
}
