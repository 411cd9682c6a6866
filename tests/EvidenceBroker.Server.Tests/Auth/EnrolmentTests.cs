using System.Security.Claims;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace EvidenceBroker.Server.Tests.Auth;

/// <summary>A portal user or an API client exists only with its audit entry: if the entry cannot be written, neither is.</summary>
public sealed class EnrolmentTests
{
    private static readonly Caller Administrator =
        new("admin@broker.example", "Administrator Lea Martin", Tenant.Administration("broker"), new ClaimsPrincipal());

    [Fact]
    public async Task A_user_whose_audit_entry_fails_is_not_created()
    {
        await using var broker = new BrokerFactory();
        await RefuseAuditOfAsync(broker, "user.created");

        await Assert.ThrowsAnyAsync<DbUpdateException>(() => EnrolAsync(broker, (enrolment, by) =>
            enrolment.CreateUserAsync(by, NewUser("new.officer@met.example"), "Eb-Initial-Password-1!", CancellationToken.None)));

        Assert.False(await broker.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "new.officer@met.example")));
    }

    [Fact]
    public async Task A_client_whose_audit_entry_fails_is_not_registered()
    {
        await using var broker = new BrokerFactory();
        await RefuseAuditOfAsync(broker, "client.registered");

        await Assert.ThrowsAnyAsync<DbUpdateException>(() => EnrolAsync(broker, (enrolment, by) =>
            enrolment.RegisterClientAsync(by, "met-new-system", "secret-of-the-new-system", "New system", Tenant.Agency("GB", "gb-met"), BrokerScopes.DefaultFor(TenantKind.Agency), CancellationToken.None)));

        Assert.False(await broker.WithDbAsync(db => db.ApiClients.AnyAsync(c => c.ClientId == "met-new-system")));
        await using var scope = broker.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        Assert.Null(await applications.FindByClientIdAsync("met-new-system"));
    }

    [Fact]
    public async Task A_user_and_a_client_are_created_with_their_audit_entries()
    {
        await using var broker = new BrokerFactory();

        await EnrolAsync(broker, (enrolment, by) =>
            enrolment.CreateUserAsync(by, NewUser("second.officer@met.example"), "Eb-Initial-Password-1!", CancellationToken.None));
        await EnrolAsync(broker, (enrolment, by) =>
            enrolment.RegisterClientAsync(by, "met-second-system", "secret-of-the-second-system", "Second system", Tenant.Agency("GB", "gb-met"), BrokerScopes.DefaultFor(TenantKind.Agency), CancellationToken.None));

        await using (var scope = broker.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>();
            var created = await users.FindByEmailAsync("second.officer@met.example");
            Assert.True(await users.CheckPasswordAsync(created!, "Eb-Initial-Password-1!"));
            Assert.False(await users.CheckPasswordAsync(created!, "Eb-Initial-Password-2!"));
        }

        var weak = await EnrolAsync(broker, (enrolment, by) =>
            enrolment.CreateUserAsync(by, NewUser("third.officer@met.example"), "short", CancellationToken.None));
        Assert.False(weak.Succeeded);
        Assert.False(await broker.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "third.officer@met.example")));
        Assert.True(await broker.WithDbAsync(db => db.ApiClients.AnyAsync(c => c.ClientId == "met-second-system")));
        Assert.False(await EnrolAsync(broker, (enrolment, by) =>
            enrolment.RegisterClientAsync(by, "met-second-system", "another-secret", "Same id again", Tenant.Agency("GB", "gb-met"), BrokerScopes.DefaultFor(TenantKind.Agency), CancellationToken.None)));
        Assert.Equal(2, await broker.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == "user.created" || e.Action == "client.registered")));
    }

    [Fact]
    public async Task A_supervisors_desk_registered_outside_the_demo_confirms_its_agency_s_emergencies_and_files_nothing()
    {
        await using var broker = new BrokerFactory();
        Assert.True(await EnrolAsync(broker, (enrolment, by) => enrolment.RegisterClientAsync(
            by, "met-night-desk", "secret-of-the-night-desk", "Met night desk", Tenant.Agency("GB", "gb-met"),
            BrokerScopes.DeskFor(TenantKind.Agency)!, CancellationToken.None)));
        var emergency = await broker.FileAsync("met-case-system", SampleRequests.MetEmergencyByPolice());
        using var desk = await broker.ClientWithSecretAsync("met-night-desk", "secret-of-the-night-desk");

        using var confirmed = await desk.PostJsonAsync($"/api/v1/requests/{emergency}/emergency/confirmation", new { text = "Called back." });
        using var filed = await desk.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber());

        Assert.Equal(System.Net.HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, filed.StatusCode);
        Assert.Contains("requests.supervise", await broker.WithDbAsync(db => db.AuditEntries
            .Where(e => e.Action == "client.registered" && e.SubjectId == "met-night-desk").Select(e => e.PayloadJson).SingleAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_cannot_be_registered_with_a_scope_its_tenant_kind_may_never_hold()
    {
        await using var broker = new BrokerFactory();

        await Assert.ThrowsAsync<ArgumentException>(() => EnrolAsync(broker, (enrolment, by) => enrolment.RegisterClientAsync(
            by, "northwind-desk", "secret-of-the-desk", "Northwind desk", Tenant.Provider("northwind-mail"),
            [BrokerScopes.RequestsSupervise], CancellationToken.None)));

        Assert.False(await broker.WithDbAsync(db => db.ApiClients.AnyAsync(c => c.ClientId == "northwind-desk")));
    }

    private static PortalUser NewUser(string email) => new()
    {
        UserName = email, Email = email, EmailConfirmed = true, DisplayName = "New Officer", Role = "officer",
        TenantKind = TenantKind.Agency, TenantId = "gb-met", Country = "GB",
    };

    private static async Task<T> EnrolAsync<T>(BrokerFactory broker, Func<Enrolment, Caller, Task<T>> enrol)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        return await enrol(scope.ServiceProvider.GetRequiredService<Enrolment>(), Administrator);
    }

    /// <summary>A database that refuses one kind of audit entry, as a full disk or a lost connection would.</summary>
    private static Task<int> RefuseAuditOfAsync(BrokerFactory broker, string action)
    {
        Assert.Matches("^[a-z.]+$", action); // spliced into DDL, which takes no parameters
        var trigger = "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries WHEN NEW.\"Action\" = '" + action + "' " +
                      "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;";
        return broker.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(trigger));
    }
}
