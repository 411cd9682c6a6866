using System.Collections.Concurrent;
using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Routing;

/// <summary>
/// Holds compiled packs: the active one for new decisions, and any stored version on demand for replay.
/// The database says which version is active, so every broker node follows an activation made on another.
/// </summary>
public sealed class PolicyRegistry : IPolicyCatalogue
{
    private readonly ConcurrentDictionary<string, PolicyEngine> engines = new(StringComparer.Ordinal);
    private static readonly CompiledPerModel<Func<BrokerDbContext, CancellationToken, Task<string?>>> ActiveVersionQuery =
        new(() => EF.CompileAsyncQuery((BrokerDbContext db, CancellationToken ct) =>
            db.PolicyPacks.AsNoTracking().Where(p => p.IsActive).Select(p => p.Version).SingleOrDefault()));

    // Asked on every decision: the active version and the suspended countries, in one statement (one snapshot, one
    // round trip), compiled once rather than translated from LINQ each time.
    private static readonly CompiledPerModel<Func<BrokerDbContext, IAsyncEnumerable<InForceRow>>> InForceQuery =
        new(() => EF.CompileAsyncQuery((BrokerDbContext db) =>
            db.PolicyPacks.AsNoTracking().Where(p => p.IsActive).Select(p => new InForceRow { IsVersion = true, Value = p.Version })
                .Concat(db.CountrySuspensions.AsNoTracking().Select(s => new InForceRow { IsVersion = false, Value = s.Country }))));

    private PolicyEngine? active; // swapped atomically; readers may see the previous engine for one request

    public PolicyEngine Active => active ?? throw new InvalidOperationException("No policy pack is active yet.");

    public string ActiveVersion => Active.Pack.Version;

    public void Activate(PolicyPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        active = engines.GetOrAdd(pack.Version, _ => new PolicyEngine(pack));
    }

    /// <summary>
    /// The active engine (switching first if another node activated a different version) and the countries whose
    /// direct requests are suspended now, in code order: what every new decision runs on.
    /// </summary>
    public async Task<PolicyInForce> InForceAsync(BrokerDbContext db, CancellationToken ct)
    {
        string? version = null;
        var suspended = new List<string>();
        await foreach (var row in InForceQuery.For(db)(db).WithCancellation(ct))
        {
            if (row.IsVersion)
            {
                version = row.Value;
            }
            else
            {
                suspended.Add(row.Value);
            }
        }

        suspended.Sort(StringComparer.Ordinal);
        if (version is not null && version != active?.Pack.Version)
        {
            active = await EngineForAsync(db, version, ct);
        }

        return new PolicyInForce(Active, suspended);
    }

    /// <summary>The version the database marks active (which every node follows), or null before any is active.</summary>
    public static Task<string?> ActiveVersionAsync(BrokerDbContext db, CancellationToken ct) => ActiveVersionQuery.For(db)(db, ct);

    /// <summary>The engine of any stored version, for replaying a decision with the pack that made it.</summary>
    public async Task<PolicyEngine> EngineForAsync(BrokerDbContext db, string version, CancellationToken ct)
    {
        if (engines.TryGetValue(version, out var cached))
        {
            return cached;
        }

        var stored = await db.PolicyPacks.AsNoTracking().SingleOrDefaultAsync(p => p.Version == version, ct)
                     ?? throw new InvalidOperationException($"Policy pack {version} is not stored.");
        var files = JsonSerializer.Deserialize<Dictionary<string, string>>(stored.FilesJson)!;
        var result = PolicyPackLoader.Load(files);
        if (result.Pack is null)
        {
            throw new InvalidOperationException($"Stored policy pack {version} no longer loads: {result.Errors[0]}");
        }

        return engines.GetOrAdd(version, _ => new PolicyEngine(result.Pack));
    }

    public bool KnowsCountry(string code) => Active.Pack.Countries.Any(c => c.Code == code);

    public IReadOnlyList<CountryResource> Countries() =>
        [.. Active.Pack.Countries.OrderBy(c => c.Code, StringComparer.Ordinal)
            .Select(c => new CountryResource(c.Code, c.Name, c.EuMember, c.BoundByEuEvidenceRegulation, c.ReviewDue))];

    /// <summary>One row of the policy-in-force query: the active version, or a suspended country.</summary>
    private sealed class InForceRow
    {
        public bool IsVersion { get; init; }

        public string Value { get; init; } = "";
    }
}

/// <summary>The engine new decisions run on, and the suspensions in force alongside it.</summary>
public sealed record PolicyInForce(PolicyEngine Engine, IReadOnlyList<string> SuspendedCountries)
{
    /// <summary>What a new request would be decided as today, by these rules and suspensions.</summary>
    public Decision Evaluate(RequestContent content, string providerJurisdiction, DateOnly evaluatedOn) =>
        Engine.Evaluate(new PolicyInput(content, providerJurisdiction, evaluatedOn) { Suspensions = new CountrySuspensions(SuspendedCountries) });
}

