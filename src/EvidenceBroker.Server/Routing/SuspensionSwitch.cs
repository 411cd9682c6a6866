using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;

namespace EvidenceBroker.Server.Routing;

/// <summary>
/// C11, the operator's instant switch: suspend a country (no direct channel for its new requests, and none of its
/// requests waiting for a supervisor or a reviewer released to a provider) with a reason, or reinstate it. Each change is audited. The API and the portal both come through here.
/// </summary>
public sealed class SuspensionSwitch(BrokerDbContext db, PolicyRegistry registry, AuditTrail audit, TimeProvider clock)
{
    public const int MaxReasonLength = 2000;

    /// <summary>Suspends the country; returns the bad fields instead when the input is not acceptable.</summary>
    public async Task<Dictionary<string, string[]>?> SuspendAsync(Caller caller, string? country, string? reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!CountryCode.IsValid(country))
        {
            errors["country"] = [CountryCode.Rule];
        }
        else if (!await registry.KnowsCountryAsync(db, country, ct))
        {
            errors["country"] = ["Not a country of the active policy pack."];
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            errors["reason"] = ["State the reason."];
        }
        else if (FreeText.Problem(reason, MaxReasonLength) is { } problem)
        {
            errors["reason"] = [problem];
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        await using var transaction = await db.BeginWriteAsync(ct);
        if (await db.CountrySuspensions.FindAsync([country!], ct) is null)
        {
            db.CountrySuspensions.Add(new CountrySuspension
            {
                Country = country!, Reason = reason!.Trim(), SuspendedAt = clock.GetUtcNow(), SuspendedBy = caller.Subject,
            });
            await audit.AppendAsync(db, caller, new AuditRecord("country.suspended", "country", country!,
                new { reason = reason!.Trim() }, StateBefore: "eligible", StateAfter: "suspended"), ct);
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        registry.ForgetLastSeen();
        return null;
    }

    /// <summary>Lifts a suspension; false when the country was not suspended.</summary>
    public async Task<bool> ReinstateAsync(Caller caller, string country, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var transaction = await db.BeginWriteAsync(ct);
        var suspension = await db.CountrySuspensions.FindAsync([country], ct);
        if (suspension is null)
        {
            return false;
        }

        db.CountrySuspensions.Remove(suspension);
        await audit.AppendAsync(db, caller, new AuditRecord("country.reinstated", "country", country,
            new { previousReason = suspension.Reason }, StateBefore: "suspended", StateAfter: "eligible"), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        registry.ForgetLastSeen();
        return true;
    }
}
