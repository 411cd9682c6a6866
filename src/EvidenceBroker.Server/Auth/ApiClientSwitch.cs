using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Disables an API client (a leaked secret, a decommissioned case system) or enables it again. Disabling refuses the
/// client new tokens and the tokens it already holds (see <see cref="DisabledClients"/>). Each switch is audited.
/// </summary>
public sealed class ApiClientSwitch(BrokerDbContext db, DisabledClients disabledClients, AuditTrail audit, TimeProvider clock)
{
    /// <summary>False when no client has this id; switching to the state it is in already changes nothing.</summary>
    public async Task<bool> SetDisabledAsync(Caller caller, string clientId, bool disable, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using (var transaction = await db.BeginWriteAsync(ct))
        {
            if (await db.ApiClients.FindAsync([clientId], ct) is not { } client)
            {
                return false;
            }

            if (client.Disabled != disable)
            {
                client.Disabled = disable;
                if (disable)
                {
                    client.TokensValidFrom = ApiClient.TokensValidFromAt(clock.GetUtcNow());
                }

                var (before, after) = disable ? ("enabled", "disabled") : ("disabled", "enabled");
                await audit.AppendAsync(db, caller, new AuditRecord(
                    $"client.{after}", "api-client", clientId, new { tenant = client.Tenant.ToString() }, StateBefore: before, StateAfter: after), ct);
                await db.SaveChangesAsync(ct);
            }

            await transaction.CommitAsync(ct);
            disabledClients.Set(clientId, disable, client.TokensValidFrom);
        }

        return true;
    }
}
