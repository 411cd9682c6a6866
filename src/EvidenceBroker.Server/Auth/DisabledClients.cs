using System.Collections.Frozen;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// The API clients an administrator has disabled, and the instant before which each client's tokens are refused (set
/// when it was disabled or given a new secret), as this node knows them. The token endpoint already refuses a disabled
/// client new tokens; this refuses the access tokens clients hold, which would otherwise stay good until they expire,
/// and keeps refusing those issued before a client was disabled after it is enabled again. The node where the
/// administrator acted knows at once; the others read the list from the database every
/// <see cref="AuthOptions.DisabledClientsRefresh"/>, and once at start before serving.
/// </summary>
public sealed class DisabledClients(IOptions<AuthOptions> options, TimeProvider clock)
{
    private readonly Lock changing = new();
    private FrozenDictionary<string, ClientTokens> clients = FrozenDictionary<string, ClientTokens>.Empty;
    private long localChanges;

    /// <summary>
    /// One lookup, on every authenticated call: whether a token issued to <paramref name="clientId"/> at <paramref name="issuedAt"/> is refused: its client is
    /// disabled, or it was issued before the client was last disabled or given a new secret.
    /// </summary>
    public bool Refuses(string clientId, DateTimeOffset? issuedAt) =>
        Volatile.Read(ref clients).TryGetValue(clientId, out var state)
        && (state.Disabled || (state.TokensValidFrom is { } from && issuedAt is { } issued && issued < from));

    /// <summary>Reads the list from the database (at start, and on the refresh period).</summary>
    public async Task RefreshAsync(BrokerDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var changesBefore = Interlocked.Read(ref localChanges);
        // A token outlives its issue by at most its lifetime: a date older than that refuses no token still valid.
        var stillMatters = clock.GetUtcNow() - options.Value.AccessTokenLifetime;
        var stored = await db.ApiClients.AsNoTracking()
            .Where(c => c.Disabled || c.TokensValidFrom > stillMatters)
            .Select(c => new { c.ClientId, c.Disabled, c.TokensValidFrom })
            .ToListAsync(ct);
        lock (changing)
        {
            // A switch on this node while the list was being read is not in what was read: keep this node's own
            // list until the next refresh, which will see the switch.
            if (Interlocked.Read(ref localChanges) == changesBefore)
            {
                Volatile.Write(ref clients, stored.ToFrozenDictionary(c => c.ClientId, c => new ClientTokens(c.Disabled, c.TokensValidFrom), StringComparer.Ordinal));
            }
        }
    }

    /// <summary>Called once a switch or a new secret on this node is committed.</summary>
    internal void Set(string clientId, bool isDisabled, DateTimeOffset? tokensValidFrom)
    {
        lock (changing)
        {
            var next = new Dictionary<string, ClientTokens>(clients, StringComparer.Ordinal) { [clientId] = new ClientTokens(isDisabled, tokensValidFrom) };
            Interlocked.Increment(ref localChanges);
            Volatile.Write(ref clients, next.ToFrozenDictionary(StringComparer.Ordinal));
        }
    }

    private readonly record struct ClientTokens(bool Disabled, DateTimeOffset? TokensValidFrom);
}

/// <summary>Re-reads <see cref="DisabledClients"/> on every node, so a switch made on another node takes effect here.</summary>
internal sealed class DisabledClientsRefresher(
    DisabledClients clients, IServiceScopeFactory scopes, IOptions<AuthOptions> options, ILogger<DisabledClientsRefresher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Wall-clock polling, not the broker's TimeProvider: moving the broker's clock (tests move it by days) must
        // not fire a re-read for every period it skips.
        using var timer = new PeriodicTimer(options.Value.DisabledClientsRefresh);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await clients.RefreshAsync(scope.ServiceProvider.GetRequiredService<BrokerDbContext>(), stoppingToken);
                }
#pragma warning disable CA1031 // A failed read (database restarting) keeps the last list; the next tick tries again.
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    logger.LogWarning(e, "Could not re-read the disabled API clients; keeping the last list");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }
}
