using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Hosting;
using EvidenceBroker.Server.OpenApi;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Sla;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Requests;

public sealed record ActionBody(string? Text = null, IReadOnlyList<RefusalGround>? Grounds = null);

/// <summary>A reviewer's decision, one of <see cref="Decisions"/>, and its reason.</summary>
public sealed record ReviewBody([property: AllowedValues(ReviewBody.Direct, ReviewBody.Mlat, ReviewBody.Rejected)] string Decision, string Text)
{
    public const string Direct = "direct";
    public const string Mlat = "mlat";
    public const string Rejected = "rejected";

    public static IReadOnlyList<string> Decisions { get; } = [Direct, Mlat, Rejected];
}

public sealed record ValidationBody(Authority ValidatedBy);

/// <summary>Who refused to validate an emergency order afterwards, and when.</summary>
public sealed record ValidationRefusalBody(string Text);

public sealed record ProductionResource(Guid Id, string FileName, string ContentType, long SizeBytes, string Sha256, bool Partial, string UploadedBy, DateTimeOffset UploadedAt);

public sealed record DeadlineResource(Guid Id, DeadlineKind Kind, DateTimeOffset StartsAt, DateTimeOffset DueAt, bool Paused,
    DateTimeOffset? Reminder50At, DateTimeOffset? Reminder80At, DateTimeOffset? BreachedAt, DateTimeOffset? CompletedAt, string Source);

/// <summary>
/// One audit event of a request's timeline. <paramref name="Sequence"/> is the entry's place in the broker-wide audit
/// chain, given only to those who verify the chain (oversight, administrators): it counts every tenant's entries, so
/// between two of a request's events it would tell an agency or a provider how many the broker recorded for others.
/// </summary>
public sealed record TimelineEntry(
    [property: Description(TimelineEntry.SequenceDescription)] long? Sequence,
    DateTimeOffset At, string Action, string Actor, string ActorRole, string? StateBefore, string? StateAfter, string Hash)
{
    public const string SequenceDescription = "The entry's place in the broker-wide audit chain (GET /api/v1/audit/verify), for oversight and " +
        "administrators only; left out for everyone else, since it counts the entries of every tenant. Events are listed in the order recorded.";
}

public sealed record Timeline(IReadOnlyList<TimelineEntry> Events, IReadOnlyList<Clarification> Clarifications, IReadOnlyList<RequestNote> Notes,
    IReadOnlyList<DeadlineResource> Deadlines, IReadOnlyList<ProductionResource> Productions);

public sealed record InboxItem(Guid Id, string Reference, RequestState State, string RequestingCountry, string AgencyId, Urgency Urgency,
    DateTimeOffset ReleasedAt, DateTimeOffset? DueAt, bool AtRisk, bool Overdue, bool Paused);

/// <summary>What providers, officers, supervisors and reviewers do to a request after it is filed.</summary>
public static class RequestLifecycleApi
{
    public static IEndpointRouteBuilder MapRequestLifecycleApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/requests/{id:guid}").WithTags("Request lifecycle").RequireAuthorization(BrokerPolicies.ReadRequests);

        MapAction(group, "/acknowledge", RequestTrigger.Acknowledge, "Provider: acknowledge receipt");
        MapAction(group, "/clarifications", RequestTrigger.RequestClarification, "Provider: ask a question; the clock pauses until answered");
        MapAction(group, "/clarifications/answer", RequestTrigger.AnswerClarification, "Officer: answer the open question");
        MapAction(group, "/refusal", RequestTrigger.Refuse, "Provider: refuse, with grounds");
        MapAction(group, "/objection", RequestTrigger.RaiseObjection, "Provider: object, with grounds");
        MapAction(group, "/withdrawal", RequestTrigger.Withdraw, "Officer: withdraw the request, with a reason")
            .WithDescription("A request queued for MLAT whose MLAT request has been recorded executed is refused with 409, naming " +
                             "that state in 'mlatState': close it instead.");
        MapAction(group, "/preservation/extension", RequestTrigger.ExtendPreservation, "Officer: extend a preservation once, by the period its channel allows")
            .WithDescription("Refused with 422, naming the rule (R12) in 'deciding', once the preservation period has ended.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        MapAction(group, "/preservation/conversion", RequestTrigger.ConvertToProduction, "Officer: turn a preservation into a production order")
            .WithDescription("Decided again as a production order by the policy in force. If that decision would not send it " +
                             "to the provider, the answer is 422, naming the rules that decided in 'deciding'.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        MapAction(group, "/emergency/confirmation", RequestTrigger.ConfirmEmergency, "Supervisor (not the filer): confirm an emergency by a second channel");
        MapAction(group, "/emergency/refusal", RequestTrigger.RefuseEmergency, "Supervisor: refuse an emergency request");
        MapAction(group, "/closure", RequestTrigger.Close, "Officer: close a finished request, or one queued for MLAT once its MLAT request has run its course")
            .WithDescription("A request queued for MLAT is closed once its MLAT request has been recorded executed or refused; until " +
                             "then closing it is refused with 409, naming the MLAT request's state in 'mlatState' (it can be withdrawn meanwhile).");

        group.MapPost("/review", ReviewAsync).TakenBy(ActionRole.Reviewer).WithSummary("Reviewer: decide a request the engine sent to human review (direct, mlat or rejected)")
            .WithDescription("Sent direct, a request whose country was suspended since, or that the policy in force would no longer " +
                             "send to the provider, is refused with 422, naming the rules that decided in 'deciding'.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/validation", ValidateAsync).TakenBy(EmergencyValidation.Concluder).WithSummary("Officer: record who validated an emergency order afterwards (a judge or court; a prosecutor for subscriber or identification data and preservation)");
        group.MapPost("/validation/refusal", RefuseValidationAsync).TakenBy(EmergencyValidation.Concluder)
            .WithSummary("Officer: validation of an emergency order was refused; the order is withdrawn and nothing produced under it is released (Art. 4(5))");
        group.MapPost("/productions", ProduceAsync)
            .WithMetadata(new RequestSizeLimitAttribute(app.ServiceProvider.GetRequiredService<IOptions<StorageOptions>>().Value.MaxProductionBytes))
            .TakenBy(ActionRole.ProviderLegal)
            .WithSummary("Provider: upload a response package as the raw body (?fileName=…&partial=true|false); its SHA-256 is recorded")
            .AcceptsRawBody("The package's bytes, under its own media type (application/zip, application/pdf, …; application/octet-stream " +
                            "when none is given), which is recorded with it. An empty package is refused.", "fileName")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/productions", ListProductionsAsync).WithSummary("What was produced: names, sizes, hashes (never content)");
        group.MapGet("/productions/{productionId:guid}/content", DownloadAsync).TakenBy(RequestProductions.Downloader).WithSummary("Requesting agency only: download a production (audited)")
            .WithDescription("An attachment under the media type the provider declared on upload.")
            .Produces<Stream>(StatusCodes.Status200OK, RawBodyUploads.OctetStream);
        group.MapGet("/timeline", TimelineAsync).WithSummary("Audit events, clarifications, notes, deadlines and productions of one request");

        app.MapGet("/api/v1/provider/inbox", InboxAsync).WithTags("Request lifecycle")
            .RequireAuthorization(BrokerPolicies.ReadRequests)
            .TakenBy(InboxReader)
            .WithSummary("Provider: open requests, one page at a time (page, pageSize up to 100; 50 unless asked), nearest deadline first, with at-risk (past 80 %) and overdue flags");
        return app;
    }

    /// <summary>Who reads the provider inbox: a provider, whoever of it reads its requests.</summary>
    public static ActionRole InboxReader { get; } = new(TenantKind.Provider, null, "The inbox is for provider legal teams.");

    /// <summary>How many open requests one page of the provider inbox lists unless the caller asks otherwise.</summary>
    public const int InboxPageSize = 50;

    private static RouteHandlerBuilder MapAction(RouteGroupBuilder group, string pattern, RequestTrigger trigger, string summary) =>
        group.MapPost(pattern, (Guid id, ActionBody? body, ClaimsPrincipal user, RequestActions actions, CancellationToken ct) =>
                ApplyAsync(id, trigger, new ActionInput(body?.Text, body?.Grounds), user, actions, ct))
            .WithSummary(summary)
            .TakenBy(RequestActions.RoleOf(trigger) ?? throw new ArgumentException($"{trigger} is the broker's own step.", nameof(trigger)))
            .ProducesProblem(StatusCodes.Status409Conflict); // the request's state does not allow the step

    private static async Task<Results<Ok<RequestResource>, NotFoundProblem, ProblemHttpResult, ValidationProblem>> ApplyAsync(
        Guid id, RequestTrigger trigger, ActionInput input, ClaimsPrincipal user, RequestActions actions, CancellationToken ct) =>
        ToHttp(id, Caller.From(user) is { } caller
            ? await actions.ApplyAsync(caller, id, trigger, input, ct)
            : new ActionResult.Forbidden("The token carries no tenant."));

    private static async Task<Results<Ok<RequestResource>, NotFoundProblem, ProblemHttpResult, ValidationProblem>> ReviewAsync(
        Guid id, ReviewBody body, ClaimsPrincipal user, RequestActions actions, CancellationToken ct)
    {
        RequestTrigger? trigger = body.Decision switch
        {
            ReviewBody.Direct => RequestTrigger.ApproveDirect,
            ReviewBody.Mlat => RequestTrigger.SendToMlat,
            ReviewBody.Rejected => RequestTrigger.Reject,
            _ => null,
        };
        if (trigger is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["decision"] = [$"One of: {string.Join(", ", ReviewBody.Decisions)}."] });
        }

        return await ApplyAsync(id, trigger.Value, new ActionInput(body.Text), user, actions, ct);
    }

    private static async Task<Results<Ok<RequestResource>, NotFoundProblem, ProblemHttpResult, ValidationProblem>> ValidateAsync(
        Guid id, ValidationBody body, ClaimsPrincipal user, EmergencyValidation validation, CancellationToken ct) =>
        ToHttp(id, Caller.From(user) is { } caller
            ? await validation.RecordAsync(caller, id, body.ValidatedBy, ct)
            : new ActionResult.Forbidden("The token carries no tenant."));

    private static async Task<Results<Ok<RequestResource>, NotFoundProblem, ProblemHttpResult, ValidationProblem>> RefuseValidationAsync(
        Guid id, ValidationRefusalBody body, ClaimsPrincipal user, EmergencyValidation validation, CancellationToken ct) =>
        ToHttp(id, Caller.From(user) is { } caller
            ? await validation.RecordRefusalAsync(caller, id, body.Text, ct)
            : new ActionResult.Forbidden("The token carries no tenant."));

    private static async Task<Results<Ok<RequestResource>, NotFoundProblem, ProblemHttpResult, ValidationProblem>> ProduceAsync(
        Guid id, HttpRequest http, ClaimsPrincipal user, RequestProductions productions, CancellationToken ct,
        string? fileName = null, bool partial = false)
    {
        // The name and type are checked by RequestProductions.ProduceAsync, for the portal's upload as well.
        var contentType = string.IsNullOrWhiteSpace(http.ContentType) ? "application/octet-stream" : http.ContentType;
        return ToHttp(id, Caller.From(user) is { } caller
            ? await productions.ProduceAsync(caller, id, partial, fileName ?? "", contentType, http.Body, ct)
            : new ActionResult.Forbidden("The token carries no tenant."));
    }

    private static async Task<Results<Ok<List<ProductionResource>>, NotFoundProblem>> ListProductionsAsync(
        Guid id, ClaimsPrincipal user, BrokerDbContext db, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller || !await db.SeesRequestAsync(caller, id, ct))
        {
            return new NotFoundProblem(RequestsApi.NotFoundProblem(id));
        }

        return TypedResults.Ok(await db.Productions.AsNoTracking().Where(p => p.RequestId == id).OrderBy(p => p.UploadedAt)
            .Select(p => new ProductionResource(p.Id, p.FileName, p.ContentType, p.SizeBytes, p.Sha256, p.Partial, p.UploadedBy, p.UploadedAt))
            .ToListAsync(ct));
    }

    /// <summary>
    /// A production as the provider sent it, under the content type it declared. That type is the provider's word, so
    /// the file is always an attachment, browsers may not guess another type, and if one still opens it, it runs
    /// nothing (a sandbox without scripts).
    /// </summary>
    private static async Task<Results<FileStreamHttpResult, NotFoundProblem, ProblemHttpResult>> DownloadAsync(
        Guid id, Guid productionId, ClaimsPrincipal user, RequestProductions productions, HttpResponse response, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        var (result, production, content) = await productions.OpenProductionAsync(caller, id, productionId, sent: !HeadAsGet.IsHead(response.HttpContext.Request), ct);
        return result switch
        {
            ActionResult.Done => Untrusted(response, TypedResults.Stream(content!, production!.ServedContentType, production.FileName)),
            ActionResult.Forbidden forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: forbidden.Reason),
            ActionResult.NoSuchProduction missing => new NotFoundProblem(NoProductionProblem(id, missing.ProductionId)),
            _ => new NotFoundProblem(RequestsApi.NotFoundProblem(id)),
        };
    }

    private static ProblemDetails NoProductionProblem(Guid requestId, Guid productionId) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No such production.",
        Detail = $"Request {requestId} has no production {productionId}.",
    };

    private static FileStreamHttpResult Untrusted(HttpResponse response, FileStreamHttpResult file)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "sandbox";
        return file;
    }

    private static async Task<Results<Ok<Timeline>, NotFoundProblem>> TimelineAsync(
        Guid id, ClaimsPrincipal user, BrokerDbContext db, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller || !await db.SeesRequestAsync(caller, id, ct))
        {
            return new NotFoundProblem(RequestsApi.NotFoundProblem(id));
        }

        var subject = id.ToString();
        var provider = ProviderView.IsFor(caller);
        var verifiesChain = BrokerPolicies.ScopesOf(BrokerPolicies.OversightOrAdministration).Any(caller.Can); // as GET /api/v1/audit/verify
        var entries = await db.AuditEntries.AsNoTracking().Where(e => e.SubjectType == "request" && e.SubjectId == subject)
            .OrderBy(e => e.Sequence).ToListAsync(ct);
        var events = (provider ? ProviderView.Events(entries) : entries)
            .Select(e => new TimelineEntry(verifiesChain ? e.Sequence : null, e.At, e.Action, provider ? ProviderView.ActorId(e, caller.Tenant.Id) : e.ActorId,
                e.ActorRole, e.StateBefore, e.StateAfter, e.Hash))
            .ToList();
        var clarifications = await db.Clarifications.AsNoTracking().Where(c => c.RequestId == id).OrderBy(c => c.AskedAt).ToListAsync(ct);
        var notes = await db.RequestNotes.AsNoTracking().Where(n => n.RequestId == id && (!provider || ProviderView.NoteKinds.Contains(n.Kind)))
            .OrderBy(n => n.At).ToListAsync(ct);
        var deadlines = await db.Deadlines.AsNoTracking().Where(d => d.RequestId == id && (!provider || ProviderView.DeadlineKinds.Contains(d.Kind)))
            .OrderBy(d => d.StartsAt)
            .Select(d => new DeadlineResource(d.Id, d.Kind, d.StartsAt, d.DueAt, d.PausedAt != null, d.Reminder50At, d.Reminder80At,
                d.BreachedAt, d.CompletedAt, d.Source))
            .ToListAsync(ct);
        var productions = await db.Productions.AsNoTracking().Where(p => p.RequestId == id).OrderBy(p => p.UploadedAt)
            .Select(p => new ProductionResource(p.Id, p.FileName, p.ContentType, p.SizeBytes, p.Sha256, p.Partial, p.UploadedBy, p.UploadedAt))
            .ToListAsync(ct);
        return TypedResults.Ok(new Timeline(events,
            [.. clarifications.Select(c => ProviderView.ClarificationFor(caller, c))], [.. notes.Select(n => ProviderView.NoteFor(caller, n))],
            deadlines, productions));
    }

    /// <summary>
    /// One page of the provider's open requests in <see cref="ProviderInbox"/>'s order, as its portal lists them,
    /// reading only the columns it shows; at risk and overdue as <see cref="RunningClock"/> says.
    /// </summary>
    private static async Task<Results<Ok<ResultPage<InboxItem>>, ValidationProblem, ProblemHttpResult>> InboxAsync(
        ClaimsPrincipal user, BrokerDbContext db, TimeProvider clock, CancellationToken ct, int page = 1, int pageSize = InboxPageSize)
    {
        if (Caller.From(user) is not { } caller || !InboxReader.Admits(caller))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: InboxReader.Refusal);
        }

        var errors = new Dictionary<string, string[]>();
        ResultPages.Check(page, pageSize, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var open = ProviderInbox.Open(db, caller);
        var total = await open.CountAsync(ct);
        var rows = await open.NearestDeadlineFirst()
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(x => new
            {
                x.Request.Id, x.Request.Reference, x.Request.State, x.Request.RequestingCountry, x.Request.AgencyId, x.Request.Urgency,
                x.Request.ReleasedToProviderAt,
            })
            .ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var deadlines = (await db.Deadlines.AsNoTracking().Where(d => ids.Contains(d.RequestId) && d.CompletedAt == null).ToListAsync(ct))
            .ToLookup(d => d.RequestId);
        var now = clock.GetUtcNow();
        var items = rows.Select(row =>
        {
            // A clock paused for a question stands still: it keeps the due time it had when it stopped, and cannot
            // become late or at risk until the answer restarts it.
            var running = RunningClock.RunningDeadline(row.State, row.ReleasedToProviderAt, deadlines[row.Id]);
            var standing = RunningClock.Of(running).StandingAt(now);
            return new InboxItem(row.Id, row.Reference, row.State, row.RequestingCountry, row.AgencyId, row.Urgency,
                row.ReleasedToProviderAt!.Value, running?.DueAt, standing == ClockStanding.AtRisk, standing == ClockStanding.Overdue,
                running?.PausedAt is not null);
        }).ToList();
        return TypedResults.Ok(new ResultPage<InboxItem>(items, page, pageSize, total));
    }

    private static Results<Ok<RequestResource>, NotFoundProblem, ProblemHttpResult, ValidationProblem> ToHttp(Guid id, ActionResult result) =>
        result switch
        {
            ActionResult.Done done => TypedResults.Ok(done.Request),
            ActionResult.NotFound => new NotFoundProblem(RequestsApi.NotFoundProblem(id)),
            ActionResult.Forbidden forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your action to take.", detail: forbidden.Reason),
            ActionResult.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors),
            ActionResult.WaitsOnMlat waits => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "That action is not possible while the request's MLAT request is in this state.",
                detail: waits.Detail,
                extensions: new Dictionary<string, object?>
                {
                    ["state"] = Wire.Name(waits.State),
                    ["mlatState"] = Wire.Name(waits.MlatState),
                    ["allowedActions"] = waits.Allowed.Select(t => Wire.Name(t)).ToArray(),
                }),
            ActionResult.NotPermittedByPolicy refused => TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity, title: refused.Title, detail: refused.Detail,
                extensions: new Dictionary<string, object?> { ["deciding"] = refused.Deciding }),
            _ => throw new InvalidOperationException("Unknown action result."),
        };
}
