using System.Collections.Concurrent;
using System.Text.Json;
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
    // Both asked on every decision, so compiled once rather than translated from LINQ each time.
    private static readonly CompiledPerModel<Func<BrokerDbContext, CancellationToken, Task<string?>>> ActiveVersionQuery =
        new(() => EF.CompileAsyncQuery((BrokerDbContext db, CancellationToken ct) =>
            db.PolicyPacks.AsNoTracking().Where(p => p.IsActive).Select(p => p.Version).SingleOrDefault()));

    private static readonly CompiledPerModel<Func<BrokerDbContext, IAsyncEnumerable<string>>> SuspendedCountriesQuery =
        new(() => EF.CompileAsyncQuery((BrokerDbContext db) =>
            db.CountrySuspensions.AsNoTracking().OrderBy(s => s.Country).Select(s => s.Country)));

    private PolicyEngine? active; // swapped atomically; readers may see the previous engine for one request

    public PolicyEngine Active => active ?? throw new InvalidOperationException("No policy pack is active yet.");

    public string ActiveVersion => Active.Pack.Version;

    public void Activate(PolicyPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        active = engines.GetOrAdd(pack.Version, _ => new PolicyEngine(pack));
    }

    /// <summary>The active engine, switching first if another node activated a different version.</summary>
    public async Task<PolicyEngine> ActiveEngineAsync(BrokerDbContext db, CancellationToken ct)
    {
        var version = await ActiveVersionAsync(db, ct);
        if (version is null || version == active?.Pack.Version)
        {
            return Active;
        }

        var engine = await EngineForAsync(db, version, ct);
        active = engine;
        return engine;
    }

    /// <summary>The version the database marks active (which every node follows), or null before any is active.</summary>
    public static Task<string?> ActiveVersionAsync(BrokerDbContext db, CancellationToken ct) => ActiveVersionQuery.For(db)(db, ct);

    /// <summary>The countries whose direct requests are suspended now, in code order: part of every decision's input.</summary>
    public static async Task<IReadOnlyList<string>> SuspendedCountriesAsync(BrokerDbContext db, CancellationToken ct)
    {
        var suspended = new List<string>();
        await foreach (var country in SuspendedCountriesQuery.For(db)(db).WithCancellation(ct))
        {
            suspended.Add(country);
        }

        return suspended;
    }

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
}
