using System.Globalization;
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

    /// <summary>
    /// Suspends the country. A suspension is one act, with its time, its author and its reason, which reviewers are
    /// quoted and a lift records: the same suspension asked for again (the same reason) is done already, but another
    /// reason is refused with the suspension in force, not taken in silence. To give another reason, lift it and
    /// suspend again, each recorded.
    /// </summary>
    public async Task<SuspendOutcome> SuspendAsync(Caller caller, string? country, string? reason, CancellationToken ct)
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
            return new SuspendOutcome.Invalid(errors);
        }

        await using var transaction = await db.BeginWriteAsync(ct);
        var existing = await db.CountrySuspensions.FindAsync([country!], ct);
        if (existing is null)
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
        return existing is null || existing.Reason == reason!.Trim() ? new SuspendOutcome.Suspended() : new SuspendOutcome.AlreadySuspended(existing);
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

/// <summary>What asking for a suspension came to.</summary>
public abstract record SuspendOutcome
{
    private SuspendOutcome()
    {
    }

    /// <summary>Suspended now, or already for the same reason.</summary>
    public sealed record Suspended : SuspendOutcome;

    /// <summary>Refused for its input, by field.</summary>
    public sealed record Invalid(Dictionary<string, string[]> Errors) : SuspendOutcome;

    /// <summary>Refused: the country is suspended already, for another reason.</summary>
    public sealed record AlreadySuspended(CountrySuspension Existing) : SuspendOutcome
    {
        public string Detail => string.Create(CultureInfo.InvariantCulture,
            $"{Existing.Country} has been suspended since {Existing.SuspendedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC: {Existing.Reason} ") +
            "Lift the suspension first to suspend it again with another reason.";
    }
}
