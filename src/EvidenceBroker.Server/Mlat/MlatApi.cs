using System.Security.Claims;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.OpenApi;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Sla;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Mlat;

public sealed record MlatDraftSummary(Guid RequestId, string Reference, string RequestingState, string RequestedState, MlatDraftState State,
    DateTimeOffset DraftedAt, DateTimeOffset PlanningDueAt, int AgeDays, bool PastPlanningFigure);

public sealed record BacklogRow(string RequestingState, string RequestedState, int UpTo3Months, int From3To6Months, int From6To10Months, int Over10Months, int Total);

public sealed record MlatNote(string? Text = null);

/// <summary>The queue of pre-filled MLAT drafts: agencies see theirs, oversight sees the backlog by country and age.</summary>
public static class MlatApi
{
    /// <summary>How many drafts one page lists unless the caller asks otherwise.</summary>
    public const int DraftsPageSize = 50;

    public static IEndpointRouteBuilder MapMlatApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/mlat").WithTags("MLAT queue").RequireAuthorization(BrokerPolicies.ReadRequests);
        group.MapGet("/drafts", ListAsync)
            .WithSummary("Open drafts visible to the caller (closed ones too with ?includeClosed=true), oldest first, one page at a time (page, pageSize up to 100; 50 unless asked), with age against the planning figure");
        group.MapGet("/drafts/{id:guid}", GetAsync).WithSummary("One pre-filled draft");
        group.MapPost("/drafts/{id:guid}/sent", (Guid id, MlatNote? note, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit, SlaClock sla, TimeProvider clock, CancellationToken ct) =>
            FireAsync(id, MlatDraftTrigger.Send, note, user, db, audit, sla, clock, ct))
            .TakenBy(Recorder)
            .ProducesProblem(StatusCodes.Status409Conflict); // the step is not possible for the draft now
        group.MapPost("/drafts/{id:guid}/executed", (Guid id, MlatNote? note, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit, SlaClock sla, TimeProvider clock, CancellationToken ct) =>
            FireAsync(id, MlatDraftTrigger.RecordExecution, note, user, db, audit, sla, clock, ct))
            .TakenBy(Recorder)
            .ProducesProblem(StatusCodes.Status409Conflict); // the step is not possible for the draft now
        group.MapPost("/drafts/{id:guid}/refused", (Guid id, MlatNote? note, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit, SlaClock sla, TimeProvider clock, CancellationToken ct) =>
            FireAsync(id, MlatDraftTrigger.RecordRefusal, note, user, db, audit, sla, clock, ct))
            .TakenBy(Recorder)
            .ProducesProblem(StatusCodes.Status409Conflict); // the step is not possible for the draft now
        app.MapGet("/api/v1/mlat/backlog", BacklogAsync).WithTags("MLAT queue")
            .RequireAuthorization(BrokerPolicies.OversightOrAdministration)
            .WithSummary("Open drafts by requesting and requested state and age");
        return app;
    }

    /// <summary>Who records an MLAT's progress: the requesting agency's officers.</summary>
    public static ActionRole Recorder { get; } = ActionRole.Officer.With("Only the requesting agency records the MLAT's progress.");

    private static IQueryable<MlatDraft> Visible(BrokerDbContext db, Caller caller) =>
        db.MlatDrafts.AsNoTracking().Where(d => db.RequestsVisibleTo(caller).Any(r => r.Id == d.RequestId));

    /// <summary>
    /// One page of the drafts the caller sees, oldest first, counted in the database and read without their texts.
    /// Open drafts only unless asked: an agency's history of closed ones would otherwise fill the pages before the work
    /// still to do.
    /// </summary>
    private static async Task<Results<Ok<ResultPage<MlatDraftSummary>>, ValidationProblem, ForbidHttpResult>> ListAsync(
        ClaimsPrincipal user, BrokerDbContext db, TimeProvider clock, CancellationToken ct, bool includeClosed = false, int page = 1,
        int pageSize = DraftsPageSize)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Forbid();
        }

        var errors = new Dictionary<string, string[]>();
        ResultPages.Check(page, pageSize, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var drafts = Visible(db, caller).Where(d => includeClosed || d.ClosedAt == null);
        var total = await drafts.CountAsync(ct);
        var rows = await drafts.OrderBy(d => d.DraftedAt).ThenBy(d => d.RequestId)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(d => new { d.RequestId, d.Reference, d.RequestingState, d.RequestedState, d.State, d.DraftedAt, d.PlanningDueAt, d.ClosedAt })
            .ToListAsync(ct);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(new ResultPage<MlatDraftSummary>(
            [.. rows.Select(d => new MlatDraftSummary(d.RequestId, d.Reference, d.RequestingState, d.RequestedState, d.State,
                d.DraftedAt, d.PlanningDueAt, (int)(now - d.DraftedAt).TotalDays, now > d.PlanningDueAt && d.ClosedAt is null))],
            page, pageSize, total));
    }

    private static async Task<Results<Ok<MlatDraft>, NotFoundProblem, ForbidHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, BrokerDbContext db, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Forbid();
        }

        var draft = await Visible(db, caller).SingleOrDefaultAsync(d => d.RequestId == id, ct);
        return draft is null ? new NotFoundProblem(RequestsApi.NotFoundProblem(id)) : TypedResults.Ok(draft);
    }

    private static async Task<Results<Ok<MlatDraft>, NotFoundProblem, ProblemHttpResult, ValidationProblem>> FireAsync(
        Guid id, MlatDraftTrigger trigger, MlatNote? note, ClaimsPrincipal user, BrokerDbContext db, AuditTrail audit, SlaClock sla, TimeProvider clock, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The token carries no tenant.");
        }

        if (RequestActions.TextProblem(note?.Text) is { } problem)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["text"] = [problem] });
        }

        // Both asked outside the writers' turn, which every node waits for: a guessed id, or a caller who sees the request
        // but may not record its MLAT's progress (oversight), must not hold it up. Decided inside it.
        if (!await db.SeesRequestAsync(caller, id, ct))
        {
            return new NotFoundProblem(RequestsApi.NotFoundProblem(id));
        }

        if (Recorder.RefusalOf(caller) is { } refused)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: refused);
        }

        await using var transaction = await db.BeginWriteAsync(ct);
        var draft = await db.MlatDrafts.Where(d => db.RequestsVisibleTo(caller).Any(r => r.Id == d.RequestId)).SingleOrDefaultAsync(d => d.RequestId == id, ct);
        if (draft is null)
        {
            return new NotFoundProblem(RequestsApi.NotFoundProblem(id));
        }

        if (!draft.CanFire(trigger))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: draft.ClosedAt is null ? "That step is not possible for this draft now." : "This draft is closed: its MLAT or its request has ended.",
                extensions: new Dictionary<string, object?>
                {
                    ["state"] = Wire.Name(draft.State),
                    ["allowedActions"] = draft.PermittedTriggers.Select(t => Wire.Name(t)).ToArray(),
                });
        }

        var before = draft.State;
        var now = clock.GetUtcNow();
        draft.Fire(trigger, now);
        if (draft.ClosedAt is not null)
        {
            // The MLAT was executed or refused: its planning figure no longer runs, and is reported missed only if it was.
            await sla.CompleteMlatPlanningAsync(await db.Requests.SingleAsync(r => r.Id == id, ct), now, ct);
        }

        await audit.AppendAsync(db, caller, new AuditRecord($"mlat.{Wire.Name(trigger)}", "request", id.ToString(),
            new { text = note?.Text }, Wire.Name(before), Wire.Name(draft.State)), ct);
        // The agency hears of everything about its request: its other systems learn of the treaty's progress too.
        OutboxEntries.Add(db, $"mlat.{Wire.Name(draft.State)}", OutboxEntries.Agency(caller.Tenant.Id), id,
            new { requestId = id, reference = draft.Reference, text = note?.Text }, now);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(draft);
    }

    /// <summary>Counted in the database, one row per pair of states: the backlog may hold many thousands of drafts.</summary>
    private static async Task<Ok<List<BacklogRow>>> BacklogAsync(BrokerDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        DateTimeOffset threeMonths = now.AddMonths(-3), sixMonths = now.AddMonths(-6), tenMonths = now.AddMonths(-10);
        var rows = await MlatBacklog.Open(db).AsNoTracking()
            .GroupBy(d => new { d.RequestingState, d.RequestedState })
            .Select(g => new BacklogRow(g.Key.RequestingState, g.Key.RequestedState,
                g.Count(d => d.DraftedAt > threeMonths),
                g.Count(d => d.DraftedAt <= threeMonths && d.DraftedAt > sixMonths),
                g.Count(d => d.DraftedAt <= sixMonths && d.DraftedAt > tenMonths),
                g.Count(d => d.DraftedAt <= tenMonths),
                g.Count()))
            .ToListAsync(ct);
        return TypedResults.Ok(rows.OrderByDescending(r => r.Total).ThenBy(r => r.RequestingState, StringComparer.Ordinal)
            .ThenBy(r => r.RequestedState, StringComparer.Ordinal).ToList());
    }
}
