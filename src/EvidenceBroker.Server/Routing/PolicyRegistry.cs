using System.Collections.Concurrent;
using System.Data.Common;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

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

    // The active version and the suspended countries, in one statement (one snapshot, one round trip): compiled once
    // for reads through a context, and run as SQL by the write batch inside its turn (TurnState).
    private static readonly Expression<Func<BrokerDbContext, IQueryable<InForceRow>>> InForceRows = db =>
        db.PolicyPacks.AsNoTracking().Where(p => p.IsActive).Select(p => new InForceRow { IsVersion = true, Value = p.Version })
            .Concat(db.CountrySuspensions.AsNoTracking().Select(s => new InForceRow { IsVersion = false, Value = s.Country }));

    private static readonly CompiledPerModel<Func<BrokerDbContext, IAsyncEnumerable<InForceRow>>> InForceQuery =
        new(() => EF.CompileAsyncQuery(InForceRows));

    private readonly ConditionalWeakTable<IModel, StateInTurn> turnStates = [];
    private PolicyEngine? active; // swapped atomically; readers may see the previous engine for one request
    private PolicyState? lastSeen; // as this node last read it, in a write batch's turn or through a context

    public PolicyEngine Active => active ?? throw new InvalidOperationException("No policy pack is active yet.");

    public string ActiveVersion => Active.Pack.Version;

    public void Activate(PolicyPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        active = engines.GetOrAdd(pack.Version, _ => new PolicyEngine(pack));
        ForgetLastSeen();
    }

    /// <summary>After this node changed the policy: the next decision reads the state instead of deciding on the old one.</summary>
    public void ForgetLastSeen() => Volatile.Write(ref lastSeen, null);

    /// <summary>
    /// The policy in force as the database holds it now (through the context's connection and transaction): the
    /// active engine, switching first if another node activated a different version, and the suspensions.
    /// </summary>
    public async Task<PolicyInForce> InForceAsync(BrokerDbContext db, CancellationToken ct)
    {
        var rows = new List<InForceRow>();
        await foreach (var row in InForceQuery.For(db)(db).WithCancellation(ct))
        {
            rows.Add(row);
        }

        return await InForceAsync(db, Seen(rows), ct);
    }

    /// <summary>
    /// The policy in force as this node last saw it, without asking the database unless it never did: what new
    /// requests are decided on. Another node may have changed it since, so a decision made on it is written only if the
    /// write batch finds the same state in its turn (<see cref="TurnState"/>); every turn's reading is seen here too.
    /// </summary>
    public Task<PolicyInForce> LastSeenAsync(BrokerDbContext db, CancellationToken ct) =>
        Volatile.Read(ref lastSeen) is { } state ? InForceAsync(db, state, ct) : InForceAsync(db, ct);

    /// <summary>The policy state, as the write batch reads it inside its turn, where no writer can change it.</summary>
    internal ITurnState TurnState(BrokerDbContext db) =>
        turnStates.GetValue(db.Model, _ => new StateInTurn(this, InForceRows.Compile()(db).ToQueryString(), db.Database.IsNpgsql()));

    private async Task<PolicyInForce> InForceAsync(BrokerDbContext db, PolicyState state, CancellationToken ct)
    {
        var engine = active;
        if (state.ActiveVersion is not null && state.ActiveVersion != engine?.Pack.Version)
        {
            engine = await EngineForAsync(db, state.ActiveVersion, ct);
            active = engine;
        }

        return new PolicyInForce(engine ?? Active, state);
    }

    private PolicyState Seen(List<InForceRow> rows)
    {
        var version = rows.Find(row => row.IsVersion)?.Value;
        List<string> suspended = [.. rows.Where(row => !row.IsVersion).Select(row => row.Value)];
        suspended.Sort(StringComparer.Ordinal);
        var state = new PolicyState(version, suspended);
        Volatile.Write(ref lastSeen, state);
        return state;
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
        var files = stored.Files();
        var result = PolicyPackLoader.LoadStored(files);
        if (result.Pack is null)
        {
            throw new InvalidOperationException($"Stored policy pack {version} no longer loads: {result.Errors[0]}");
        }

        // The version is the files' hash: files that give another one were changed after they were stored.
        if (result.Pack.Version != version)
        {
            throw new InvalidOperationException(
                $"Stored policy pack {version} was altered: its files are now version {result.Pack.Version}. It decides nothing.");
        }

        return engines.GetOrAdd(version, _ => new PolicyEngine(result.Pack));
    }

    public bool KnowsCountry(string code) => Active.Pack.Countries.Any(c => c.Code == code);

    public async Task<bool> KnowsCountryAsync(BrokerDbContext db, string code, CancellationToken ct) =>
        KnowsCountry(code) || (await InForceAsync(db, ct)).Engine.Pack.Countries.Any(c => c.Code == code);

    public async Task<IReadOnlyList<CountryResource>> CountriesAsync(BrokerDbContext db, CancellationToken ct) =>
        [.. (await InForceAsync(db, ct)).Engine.Pack.Countries.OrderBy(c => c.Code, StringComparer.Ordinal)
            .Select(c => new CountryResource(c.Code, c.Name, c.EuMember, c.BoundByEuEvidenceRegulation, c.ReviewDue))];

    /// <summary>One row of the policy-in-force query: the active version, or a suspended country.</summary>
    private sealed class InForceRow
    {
        public bool IsVersion { get; init; }

        public string Value { get; init; } = "";
    }

    /// <summary>The policy-in-force query's SQL, run by the write batch; each reading is seen by the registry.</summary>
    private sealed class StateInTurn(PolicyRegistry registry, string sql, bool postgres) : ITurnState
    {
        /// <summary>
        /// On PostgreSQL: the active version and the suspended countries (in code order, as <see cref="Seen"/> sorts
        /// them) are still the expected ones. Null elsewhere.
        /// </summary>
        private readonly string? guardCondition = postgres
            ? $$"""
               (SELECT coalesce(array_agg(s."Value"::text) FILTER (WHERE s."IsVersion"), '{}') = @policy_version
                   AND coalesce(array_agg(s."Value"::text ORDER BY s."Value" COLLATE "C") FILTER (WHERE NOT s."IsVersion"), '{}') = @policy_suspended
                FROM ({{sql}}) AS s)
               """
            : null;

        public string Query => sql;

        public RoundTripGuard? Guard(object expected) => guardCondition is not null && expected is PolicyState state
            ? new RoundTripGuard(
                "the policy in force",
                guardCondition,
                [new("policy_version", state.ActiveVersion is { } version ? new[] { version } : Array.Empty<string>()),
                 new("policy_suspended", state.SuspendedCountries.ToArray())])
            : null;

        public async Task<object> ReadAsync(DbDataReader reader)
        {
            var rows = new List<InForceRow>();
            while (await reader.ReadAsync())
            {
                rows.Add(new InForceRow { IsVersion = reader.GetBoolean(0), Value = reader.GetString(1) });
            }

            return registry.Seen(rows);
        }
    }
}

/// <summary>The engine new decisions run on, and the state it was found in (its version, and the suspensions in force).</summary>
public sealed record PolicyInForce(PolicyEngine Engine, PolicyState State)
{
    public IReadOnlyList<string> SuspendedCountries => State.SuspendedCountries;

    /// <summary>What a new request would be decided as today, by these rules and suspensions.</summary>
    public Decision Evaluate(RequestContent content, string providerJurisdiction, DateOnly evaluatedOn) =>
        Engine.Evaluate(new PolicyInput(content, providerJurisdiction, evaluatedOn) { Suspensions = new CountrySuspensions(SuspendedCountries) });
}

