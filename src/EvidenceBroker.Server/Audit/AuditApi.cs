using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Hosting;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EvidenceBroker.Server.Audit;

public sealed record VerifyReport(
    bool Intact,
    string Summary,
    long Entries,
    long IntactUpTo,
    string? Head,
    long? BrokenAt,
    string? Reason,
    CheckpointCheck? Checkpoint,
    int UnverifiableCheckpoints,
    long? SealedFrom,
    string KeyId,
    string PublicKeyPem,
    IReadOnlyDictionary<string, string> PreviousPublicKeysPem,
    DateTimeOffset VerifiedAt);

public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit").WithTags("Audit");
        group.MapGet("/verify", VerifyAsync)
            .RequireAuthorization(BrokerPolicies.OversightOrAdministration)
            .WithMetadata(WholeStoreLimited.Instance)
            .WithSummary("Recompute the whole audit chain: intact up to N, or the first broken entry and why")
            .WithDescription("Also holds the chain against the latest checkpoint signed by the broker's audit key, which " +
                             "detects a truncated tail. The public key is returned so the signature can be checked independently. " +
                             "The report's head (N:HASH) is worth keeping outside the broker: given back as knownHead, it detects a " +
                             "tail cut off together with the checkpoints over it, or a chain rewritten since.");
        return app;
    }

    private static async Task<Results<Ok<VerifyReport>, ValidationProblem, ProblemHttpResult>> VerifyAsync(
        BrokerDbContext db, AuditSigningKey key, TimeProvider clock, WholeStoreLimit limit, HttpContext http, CancellationToken ct, string? knownHead = null)
    {
        var known = KnownHead.Parse(knownHead);
        if (knownHead is not null && known is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["knownHead"] = ["An entry and its hash as an earlier verification's head gave them: N:HASH (64 lower-case hex digits)."],
            });
        }

        if (limit.Refusal(http) is { } tooMany)
        {
            return tooMany;
        }

        var result = await AuditVerifier.VerifyAsync(db, key, known, ct);
        return TypedResults.Ok(new VerifyReport(
            result.Intact, result.Summary, result.Entries, result.IntactUpTo, result.Head, result.BrokenAt, result.Reason, result.Checkpoint,
            result.UnverifiableCheckpoints, result.SealedFrom, key.KeyId, key.PublicKeyPem, key.PreviousPublicKeysPem, clock.GetUtcNow()));
    }
}
