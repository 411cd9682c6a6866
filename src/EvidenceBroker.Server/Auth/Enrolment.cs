using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace EvidenceBroker.Server.Auth;

/// <summary>
/// Adds a portal user or an API client together with its audit entry, in one transaction: either both are written
/// or neither. Identity and OpenIddict save through the same scoped context, so their rows join the transaction.
/// </summary>
public sealed class Enrolment(
    BrokerDbContext db, UserManager<PortalUser> users, IOpenIddictApplicationManager applications, AuditTrail audit, TimeProvider clock,
    DisabledClients disabledClients)
{
    /// <summary>
    /// Creates <paramref name="user"/> with a first-time password; Identity's refusal (a weak password, a taken name)
    /// writes nothing. The password is checked and hashed (100,000 PBKDF2 rounds) before the write begins, so other
    /// writers do not wait for it.
    /// </summary>
    public async Task<IdentityResult> CreateUserAsync(Caller by, PortalUser user, string password, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(user);
        if (await AccountSecurity.WeakPasswordAsync(users, user, password) is { } weak)
        {
            return weak;
        }

        user.PasswordHash = users.PasswordHasher.HashPassword(user, password);
        await using var transaction = await db.BeginWriteAsync(ct);
        var created = await users.CreateAsync(user);
        if (!created.Succeeded)
        {
            return created;
        }

        await audit.AppendAsync(db, by, new AuditRecord(
            "user.created", "portal-user", user.Id, new { user.Email, user.Role, tenant = user.Tenant.ToString() }), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return created;
    }

    /// <summary>
    /// Registers an API client of <paramref name="tenant"/> with <paramref name="scopes"/> (the tenant kind's default, or
    /// its desk's: <see cref="BrokerScopes.DeskFor"/>); false, writing nothing, when the id is taken (checked inside the
    /// write, so two administrators cannot both register it).
    /// </summary>
    public async Task<bool> RegisterClientAsync(
        Caller by, string clientId, string secret, string displayName, Tenant tenant, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(scopes);
        await using var transaction = await db.BeginWriteAsync(ct);
        if (await db.ApiClients.AnyAsync(c => c.ClientId == clientId, ct) || await applications.FindByClientIdAsync(clientId, ct) is not null)
        {
            return false;
        }

        await ApiClients.RegisterAsync(db, applications, clientId, secret, displayName, tenant, scopes, clock.GetUtcNow(), ct);
        await audit.AppendAsync(db, by, new AuditRecord("client.registered", "api-client", clientId, new { tenant = tenant.ToString(), scopes }), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Gives an API client <paramref name="secret"/> instead of the one it had (lost, or handed to someone it should not
    /// have been); false, writing nothing, when no client has this id. Access tokens issued before are refused from then
    /// on (<see cref="ApiClient.TokensValidFrom"/>).
    /// </summary>
    public async Task<bool> RenewClientSecretAsync(Caller by, string clientId, string secret, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(by);
        await using var transaction = await db.BeginWriteAsync(ct);
        if (await db.ApiClients.FindAsync([clientId], ct) is not { } client || await applications.FindByClientIdAsync(clientId, ct) is not { } application)
        {
            return false;
        }

        await applications.UpdateAsync(application, secret, ct);
        client.TokensValidFrom = ApiClient.TokensValidFromAt(clock.GetUtcNow()); // what the old secret got stops working too
        await audit.AppendAsync(db, by, new AuditRecord("client.secret-renewed", "api-client", clientId, new { tenant = client.Tenant.ToString() }), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        disabledClients.Set(clientId, client.Disabled, client.TokensValidFrom);
        return true;
    }
}
