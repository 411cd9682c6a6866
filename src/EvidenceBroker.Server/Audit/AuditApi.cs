using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EvidenceBroker.Server.Audit;

public sealed record VerifyReport(
    bool Intact,
    string Summary,
    long Entries,
    long IntactUpTo,
    long? BrokenAt,
    string? Reason,
    CheckpointCheck? Checkpoint,
    int UnverifiableCheckpoints,
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
            .WithSummary("Recompute the whole audit chain: intact up to N, or the first broken entry and why")
            .WithDescription("Also holds the chain against the latest checkpoint signed by the broker's audit key, which " +
                             "detects a truncated tail. The public key is returned so the signature can be checked independently.");
        return app;
    }

    private static async Task<Ok<VerifyReport>> VerifyAsync(BrokerDbContext db, AuditSigningKey key, TimeProvider clock, CancellationToken ct)
    {
        var result = await AuditVerifier.VerifyAsync(db, key, ct);
        return TypedResults.Ok(new VerifyReport(
            result.Intact, result.Summary, result.Entries, result.IntactUpTo, result.BrokenAt, result.Reason, result.Checkpoint,
            result.UnverifiableCheckpoints, key.KeyId, key.PublicKeyPem, key.PreviousPublicKeysPem, clock.GetUtcNow()));
    }
}
