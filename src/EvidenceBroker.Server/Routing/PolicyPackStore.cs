using System.Text.Json;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Routing;

/// <summary>Stores pack versions and activates one, each step audited. A pack that does not load is never stored.</summary>
public sealed class PolicyPackStore(BrokerDbContext db, PolicyRegistry registry, AuditTrail audit, TimeProvider clock)
{
    public static Dictionary<string, string> ReadDirectory(string directory) =>
        Directory.EnumerateFiles(directory, "*.yaml", SearchOption.AllDirectories)
            .ToDictionary(path => Path.GetRelativePath(directory, path).Replace('\\', '/'), File.ReadAllText, StringComparer.Ordinal);

    /// <summary>
    /// Validates and stores a pack (idempotent by content hash: its version is the hash). Returns the load errors if it
    /// is malformed, and whether this call added it or found it stored.
    /// </summary>
    public async Task<PackStoring> StoreAsync(
        IReadOnlyDictionary<string, string> files, string actorId, string actorRole, string actorTenant, CancellationToken ct)
    {
        var result = PolicyPackLoader.Load(files);
        if (result.Pack is not { } pack || await db.PolicyPacks.AnyAsync(p => p.Version == pack.Version, ct))
        {
            return new PackStoring(result, Added: false);
        }

        await using var transaction = await db.BeginWriteAsync(ct);
        if (await db.PolicyPacks.AnyAsync(p => p.Version == pack.Version, ct))
        {
            return new PackStoring(result, Added: false); // stored meanwhile by another writer, such as a node starting with the same pack
        }

        db.PolicyPacks.Add(new PolicyPackVersion
        {
            Version = pack.Version,
            Label = pack.Label,
            EffectiveFrom = pack.EffectiveFrom,
            FilesJson = JsonSerializer.Serialize(files.OrderBy(f => f.Key, StringComparer.Ordinal).ToDictionary(f => f.Key, f => f.Value)),
            StoredAt = clock.GetUtcNow(),
            StoredBy = actorId,
        });
        await audit.AppendAsync(db, actorId, actorRole, actorTenant,
            new AuditRecord("policy.stored", "policy-pack", pack.Version, new { pack.Label, pack.EffectiveFrom }, PolicyVersion: pack.Version), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new PackStoring(result, Added: true);
    }

    /// <summary>
    /// Makes a stored version the one that decides new requests. Old decisions keep their own version. A pack is not
    /// activated before its effectiveFrom date unless <paramref name="evenBeforeEffective"/> (a first start, when no other
    /// pack could decide anything).
    /// </summary>
    public async Task<PackActivation> ActivateAsync(
        string version, string actorId, string actorRole, string actorTenant, CancellationToken ct, bool evenBeforeEffective = false)
    {
        await using var transaction = await db.BeginWriteAsync(ct);
        var target = await db.PolicyPacks.SingleOrDefaultAsync(p => p.Version == version, ct);
        if (target is null)
        {
            return PackActivation.NotFound();
        }

        if (target.IsActive)
        {
            return PackActivation.Activated(); // already the one in force: nothing changes, so nothing is recorded
        }

        if (!evenBeforeEffective && target.EffectiveFrom > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime))
        {
            return PackActivation.NotYetInEffect(target.EffectiveFrom);
        }

        // A pack stored before today's checks loads for replay as it was admitted, but it is not made the one in force
        // unless it passes them: an outcome the engine relies on, a duration the calendar can hold (PolicyPackLoader).
        if (!evenBeforeEffective && PolicyPackLoader.Load(target.Files()).Errors
                is { Count: > 0 } problems)
        {
            return PackActivation.FailsTodaysChecks(problems);
        }

        var previous = await db.PolicyPacks.Where(p => p.IsActive && p.Version != version).ToListAsync(ct);
        foreach (var old in previous)
        {
            old.IsActive = false;
        }

        // Loaded (and its files checked against its version) before anything is marked: a pack that no longer loads
        // must not become the one every node follows.
        var engine = await registry.EngineForAsync(db, version, ct);
        target.IsActive = true;
        target.ActivatedAt = clock.GetUtcNow();
        target.ActivatedBy = actorId;
        await audit.AppendAsync(db, actorId, actorRole, actorTenant,
            new AuditRecord("policy.activated", "policy-pack", version,
                new { target.Label, previous = previous.Select(p => p.Version).ToArray() },
                StateBefore: "stored", StateAfter: "active", PolicyVersion: version), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);

        registry.Activate(engine.Pack);
        return PackActivation.Activated();
    }
}

/// <summary>What asking to activate a stored pack came to; <paramref name="EffectiveFrom"/> when it is not yet in effect.</summary>
public sealed record PackActivation(PackActivationOutcome Outcome, IReadOnlyList<PackError> Problems, DateOnly? EffectiveFrom = null)
{
    public static PackActivation Activated() => new(PackActivationOutcome.Activated, []);

    public static PackActivation NotFound() => new(PackActivationOutcome.NotFound, []);

    public static PackActivation NotYetInEffect(DateOnly effectiveFrom) => new(PackActivationOutcome.NotYetInEffect, [], effectiveFrom);

    public static PackActivation FailsTodaysChecks(IReadOnlyList<PackError> problems) => new(PackActivationOutcome.FailsTodaysChecks, problems);
}

public enum PackActivationOutcome
{
    Activated,
    NotFound,

    /// <summary>Its effectiveFrom date is still ahead: the rules it states are not yet the ones in force.</summary>
    NotYetInEffect,

    /// <summary>Stored before a check it fails (an outcome the engine relies on, a duration too long): kept for replay only.</summary>
    FailsTodaysChecks,
}

/// <summary>What storing a pack came to: the loader's result, and whether the version was new (false: malformed, or already stored).</summary>
public sealed record PackStoring(PolicyPackLoadResult Load, bool Added);
