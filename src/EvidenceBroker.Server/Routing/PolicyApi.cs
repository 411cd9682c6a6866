using System.Security.Claims;
using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Errors;
using EvidenceBroker.Server.Hosting;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Requests;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Routing;

public sealed record PolicyPackUpload(IReadOnlyDictionary<string, string> Files);

public sealed record PolicyPackSummary(string Version, string Label, DateOnly EffectiveFrom, bool IsActive, DateTimeOffset StoredAt, DateTimeOffset? ActivatedAt);

public sealed record SuspensionRequest(string Country, string Reason);

public static class PolicyApi
{
    /// <summary>A whole pack (every country file) is far larger than a request.</summary>
    private const long MaxPackBytes = 4 * 1024 * 1024;

    public static IEndpointRouteBuilder MapPolicyApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/requests/{id:guid}/decision", GetDecisionAsync)
            .RequireAuthorization(BrokerPolicies.ReadRequests)
            .WithTags("Requests")
            .Produces<Decision>(StatusCodes.Status200OK)
            .WithSummary("The stored decision: outcome, channel, every rule's reason and the policy version that decided");

        var policy = app.MapGroup("/api/v1/policy").WithTags("Policy");
        policy.MapPost("/evaluate", EvaluateAsync)
            .RequireAuthorization(BrokerPolicies.DryRun)
            .Produces<Decision>(StatusCodes.Status200OK)
            .WithSummary("Dry run: what the active pack would decide for this request. Nothing is stored.");
        policy.MapGet("/versions", ListVersionsAsync).RequireAuthorization(BrokerPolicies.OversightOrAdministration);
        policy.MapPost("/versions", UploadAsync).RequireAuthorization(BrokerPolicies.Administration)
            .WithMetadata(new RequestSizeLimitAttribute(MaxPackBytes))
            .WithSummary("Store a new pack version (not yet active): 201, or 200 with the version already stored from the same files. A malformed pack is refused with every error.");
        policy.MapPost("/versions/{version}/activate", ActivateAsync).RequireAuthorization(BrokerPolicies.Administration)
            .ProducesProblem(StatusCodes.Status409Conflict) // not yet in effect, or fails today's checks
            .WithSummary("Make a stored version decide new requests. Audited; old decisions keep their version.");
        policy.MapPost("/what-if", WhatIfUploadAsync).RequireAuthorization(BrokerPolicies.OversightOrAdministration)
            .WithMetadata(WholeStoreLimited.Instance)
            .WithMetadata(new RequestSizeLimitAttribute(MaxPackBytes))
            .WithSummary("Re-decide every stored request under a candidate pack (not stored) and list what would change");
        policy.MapGet("/versions/{version}/what-if", WhatIfStoredAsync).RequireAuthorization(BrokerPolicies.OversightOrAdministration)
            .WithMetadata(WholeStoreLimited.Instance)
            .WithSummary("Re-decide every stored request under a stored pack version and list what would change");
        policy.MapGet("/suspensions", async Task<Ok<List<CountrySuspension>>> (BrokerDbContext db, CancellationToken ct) =>
                TypedResults.Ok(await db.CountrySuspensions.AsNoTracking().OrderBy(s => s.Country).ToListAsync(ct)))
            .RequireAuthorization(BrokerPolicies.OversightOrAdministration);
        policy.MapPost("/suspensions", SuspendAsync).RequireAuthorization(BrokerPolicies.Administration)
            .ProducesProblem(StatusCodes.Status409Conflict) // already suspended, for another reason
            .WithSummary("C11: take a country off every direct channel at once, with a reason.")
            .WithDescription("The same suspension asked for again (the same reason) is done already (204, nothing recorded). A country " +
                             "already suspended for another reason is refused (409, naming when and why): lift it first.");
        policy.MapDelete("/suspensions/{country}", LiftAsync).RequireAuthorization(BrokerPolicies.Administration);
        return app;
    }

    private static async Task<Results<ContentHttpResult, NotFoundProblem, ForbidHttpResult>> GetDecisionAsync(
        Guid id, ClaimsPrincipal user, BrokerDbContext db, CancellationToken ct)
    {
        if (Caller.From(user) is not { } caller)
        {
            return TypedResults.Forbid();
        }

        var visible = await db.SeesRequestAsync(caller, id, ct);
        var decision = visible ? await db.Decisions.AsNoTracking().SingleOrDefaultAsync(d => d.RequestId == id, ct) : null;
        if (decision is null)
        {
            return new NotFoundProblem(RequestsApi.NotFoundProblem(id));
        }

        // A provider reads it less the deadlines that bind the agency alone, as on its request page and in its dossier.
        return TypedResults.Content(ProviderView.IsFor(caller)
            ? JsonSerializer.Serialize(ProviderView.DecisionFor(caller, DecisionJsonReader.Read(decision.DecisionJson)), DecisionJson.Compact)
            : decision.DecisionJson, "application/json");
    }

    private static async Task<Results<ContentHttpResult, ValidationProblem>> EvaluateAsync(
        RequestContent request, IValidator<RequestContent> validator, PolicyRegistry registry, BrokerDbContext db,
        ProviderJurisdictions providers, TimeProvider clock, CancellationToken ct)
    {
        var errors = (await validator.ValidateAsync(request, ct)).Errors.ToProblemErrors();
        foreach (var relaxed in RequestContentValidator.DryRunRelaxed)
        {
            errors.Remove(relaxed);
        }

        string? jurisdiction = request.ProviderJurisdiction;
        if (request.ProviderId is not null)
        {
            jurisdiction = await providers.FindAsync(db, request.ProviderId, ct);
            if (jurisdiction is null)
            {
                errors["providerId"] = ["No provider with this id is registered."];
            }
        }
        else if (jurisdiction is null)
        {
            errors["providerJurisdiction"] = ["Give providerId, or providerJurisdiction."];
        }
        else if (!CountryCode.IsValid(jurisdiction))
        {
            errors["providerJurisdiction"] = [CountryCode.Rule];
        }

        if (CrossBorder.Refusal(request.RequestingCountry, jurisdiction) is { } domestic)
        {
            errors[request.ProviderId is not null ? "providerId" : "providerJurisdiction"] = [domestic];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var policy = await registry.InForceAsync(db, ct);
        var decision = policy.Evaluate(request, jurisdiction!, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        return TypedResults.Content(JsonSerializer.Serialize(decision, DecisionJson.Compact), "application/json");
    }

    private static async Task<Results<Ok<WhatIfReport>, ValidationProblem, ProblemHttpResult>> WhatIfUploadAsync(
        PolicyPackUpload upload, ClaimsPrincipal user, PolicyWhatIf whatIf, WholeStoreLimit limit, HttpContext http, CancellationToken ct)
    {
        if (UploadErrors(upload) is { } invalid)
        {
            return TypedResults.ValidationProblem(invalid);
        }

        var result = PolicyPackLoader.Load(upload.Files);
        if (result.Pack is null)
        {
            return TypedResults.ValidationProblem(PackErrors(result), title: "The candidate policy pack is malformed.");
        }

        if (limit.Refusal(http) is { } tooMany)
        {
            return tooMany;
        }

        return TypedResults.Ok(await whatIf.CompareAsync(new PolicyEngine(result.Pack), Caller.From(user)!, ct));
    }

    private static async Task<Results<Ok<WhatIfReport>, NotFoundProblem, ProblemHttpResult>> WhatIfStoredAsync(
        string version, ClaimsPrincipal user, PolicyWhatIf whatIf, PolicyRegistry registry, BrokerDbContext db, WholeStoreLimit limit, HttpContext http,
        CancellationToken ct)
    {
        if (!await db.PolicyPacks.AnyAsync(p => p.Version == version, ct))
        {
            return new NotFoundProblem(new ProblemDetails { Status = 404, Title = "No such policy pack version.", Detail = version });
        }

        if (limit.Refusal(http) is { } tooMany)
        {
            return tooMany;
        }

        return TypedResults.Ok(await whatIf.CompareAsync(await registry.EngineForAsync(db, version, ct), Caller.From(user)!, ct));
    }

    /// <summary>The envelope of an upload: paths and texts present and sane, before the loader judges the content.</summary>
    private static Dictionary<string, string[]>? UploadErrors(PolicyPackUpload upload)
    {
        if (upload.Files is not { Count: > 0 and <= 500 } files)
        {
            return new() { ["files"] = ["Send the pack's files as an object of relative path → text (1 to 500 files)."] };
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (path, text) in files)
        {
            if (string.IsNullOrWhiteSpace(path) || path.Length > 200 || path.Any(char.IsControl) || path.Contains("..", StringComparison.Ordinal))
            {
                errors["files"] = ["File paths are relative, at most 200 characters, without '..' or control characters."];
            }
            else if (text is null)
            {
                errors[$"files.{path}"] = ["The file's text is missing."];
            }
        }

        return errors.Count == 0 ? null : errors;
    }

    private static Dictionary<string, string[]> PackErrors(PolicyPackLoadResult result) =>
        result.Errors.GroupBy(e => e.Line > 0 ? $"{e.File}:{e.Line}:{e.Field}" : $"{e.File}:{e.Field}")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());

    private static async Task<Ok<List<PolicyPackSummary>>> ListVersionsAsync(BrokerDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.PolicyPacks.AsNoTracking()
            .OrderByDescending(p => p.StoredAt)
            .Select(p => new PolicyPackSummary(p.Version, p.Label, p.EffectiveFrom, p.IsActive, p.StoredAt, p.ActivatedAt))
            .ToListAsync(ct));

    private static async Task<Results<Created<PolicyPackSummary>, Ok<PolicyPackSummary>, ValidationProblem>> UploadAsync(
        PolicyPackUpload upload, ClaimsPrincipal user, PolicyPackStore store, BrokerDbContext db, CancellationToken ct)
    {
        if (UploadErrors(upload) is { } invalid)
        {
            return TypedResults.ValidationProblem(invalid);
        }

        var caller = Caller.From(user)!;
        var storing = await store.StoreAsync(upload.Files, caller.Subject, caller.Role, caller.Tenant.ToString(), ct);
        if (storing.Load.Pack is not { } pack)
        {
            return TypedResults.ValidationProblem(PackErrors(storing.Load), title: "The policy pack is malformed; nothing was stored.");
        }

        var stored = await db.PolicyPacks.AsNoTracking().SingleAsync(p => p.Version == pack.Version, ct);
        var summary = new PolicyPackSummary(stored.Version, stored.Label, stored.EffectiveFrom, stored.IsActive, stored.StoredAt, stored.ActivatedAt);
        // The version is the content's hash: the same files sent again are the version already stored, not a new one.
        return storing.Added ? TypedResults.Created($"/api/v1/policy/versions/{stored.Version}", summary) : TypedResults.Ok(summary);
    }

    private static async Task<Results<NoContent, NotFoundProblem, ProblemHttpResult>> ActivateAsync(
        string version, ClaimsPrincipal user, PolicyPackStore store, CancellationToken ct)
    {
        var caller = Caller.From(user)!;
        var activation = await store.ActivateAsync(version, caller.Subject, caller.Role, caller.Tenant.ToString(), ct);
        return activation.Outcome switch
        {
            PackActivationOutcome.Activated => TypedResults.NoContent(),
            PackActivationOutcome.NotYetInEffect => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "This policy pack is not yet in effect.",
                detail: $"Its effectiveFrom is {activation.EffectiveFrom:yyyy-MM-dd}; " +
                        "it can be activated from that day. A what-if shows what it would change meanwhile.",
                extensions: new Dictionary<string, object?> { ["field"] = "effectiveFrom" }),
            PackActivationOutcome.FailsTodaysChecks => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "This policy pack fails checks added since it was stored.",
                detail: "It is kept to replay the decisions it made, but cannot be made the pack in force. Store a corrected copy.",
                extensions: new Dictionary<string, object?> { ["errors"] = activation.Problems }),
            _ => new NotFoundProblem(new ProblemDetails { Status = 404, Title = "No such policy pack version.", Detail = version }),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SuspendAsync(
        SuspensionRequest body, ClaimsPrincipal user, SuspensionSwitch suspensions, CancellationToken ct) =>
        await suspensions.SuspendAsync(Caller.From(user)!, body.Country, body.Reason, ct) switch
        {
            SuspendOutcome.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors),
            SuspendOutcome.AlreadySuspended already => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "This country is already suspended, for another reason.",
                detail: already.Detail,
                extensions: new Dictionary<string, object?>
                {
                    ["country"] = already.Existing.Country, ["suspendedAt"] = already.Existing.SuspendedAt, ["reason"] = already.Existing.Reason,
                }),
            _ => TypedResults.NoContent(),
        };

    private static async Task<Results<NoContent, NotFoundProblem, ValidationProblem>> LiftAsync(
        string country, ClaimsPrincipal user, SuspensionSwitch suspensions, CancellationToken ct)
    {
        // A suspension is kept under the code in capitals; "gb" answered "not suspended" while GB was.
        if (!CountryCode.IsValid(country))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["country"] = [CountryCode.Rule] });
        }

        return await suspensions.ReinstateAsync(Caller.From(user)!, country, ct)
            ? TypedResults.NoContent()
            : new NotFoundProblem(new ProblemDetails { Status = 404, Title = "This country is not suspended.", Detail = country });
    }
}
