using System.Net;
using System.Security.Claims;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Auth;

/// <summary>
/// An administrator disables an API client whose secret leaked. What must hold: the tokens it already holds stop
/// working at once on this node (even one this node had validated and remembered), it gets no new token, the switch
/// is audited, enabling it restores access with new tokens but not with those issued before (a leaked secret's), a new
/// secret ends the tokens the old one got, and another node learns of the switch when it re-reads the list.
/// </summary>
public sealed class DisabledClientTests
{
    private const string Client = "met-case-system";

    private static readonly Caller Administrator = new(
        "admin-test", "Administrator", Tenant.Administration("broker"), new ClaimsPrincipal(new ClaimsIdentity("test")));

    [Fact]
    public async Task A_disabled_client_is_refused_with_the_token_it_holds_and_gets_no_new_one_until_enabled_again()
    {
        await using var broker = new BrokerFactory();
        using var api = await broker.ClientAsync(Client);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/requests")).StatusCode); // validated and remembered
        broker.Clock.Advance(TimeSpan.FromMilliseconds(300)); // the switch comes in the second the token was issued

        await SwitchAsync(broker, disable: true);

        using (var refused = await api.GetAsync("/api/v1/requests"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Bearer error=\"invalid_token\", error_description=\"The client this token was issued to is disabled, or the token was issued before the client was disabled or given a new secret.\"",
                string.Join(" | ", refused.Headers.WwwAuthenticate));
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => broker.NewTokenAsync(Client));
        var audited = await broker.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectId == Client).Select(e => e.Action).ToListAsync());
        Assert.Equal(["client.disabled"], audited);

        await SwitchAsync(broker, disable: false);
        broker.Clock.Advance(TimeSpan.FromSeconds(1));
        using var renewed = broker.CreateClient();
        renewed.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await broker.NewTokenAsync(Client));
        await RefreshAsync(broker); // as every node re-reads the list: the date stays with it

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/requests")).StatusCode); // the token from before the switch
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/api/v1/requests")).StatusCode);
    }

    [Fact]
    public async Task A_new_secret_ends_the_tokens_the_old_one_got()
    {
        await using var broker = new BrokerFactory();
        using var api = await broker.ClientAsync(Client);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/requests")).StatusCode);
        broker.Clock.Advance(TimeSpan.FromMilliseconds(300)); // the renewal comes in the second the token was issued

        await using (var scope = broker.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<Enrolment>()
                .RenewClientSecretAsync(Administrator, Client, "a-new-secret-for-the-case-system", CancellationToken.None));
        }

        broker.Clock.Advance(TimeSpan.FromSeconds(1)); // the administrator hands the new secret over
        using var withNewSecret = await broker.ClientWithSecretAsync(Client, "a-new-secret-for-the-case-system");
        await RefreshAsync(broker);

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/requests")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.PostAsync("/api/v1/requests", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withNewSecret.GetAsync("/api/v1/requests")).StatusCode);
    }

    private static async Task RefreshAsync(BrokerFactory broker)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        await broker.Services.GetRequiredService<DisabledClients>()
            .RefreshAsync(scope.ServiceProvider.GetRequiredService<BrokerDbContext>(), CancellationToken.None);
    }

    [Fact]
    public async Task Another_node_refuses_the_client_once_it_re_reads_the_list()
    {
        await using var broker = new BrokerFactory();
        using var api = await broker.ClientAsync(Client);
        await broker.WithDbAsync(db => db.ApiClients.Where(c => c.ClientId == Client)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.Disabled, true))); // as another node's switch leaves it
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/requests")).StatusCode);

        await using (var scope = broker.Services.CreateAsyncScope())
        {
            await broker.Services.GetRequiredService<DisabledClients>()
                .RefreshAsync(scope.ServiceProvider.GetRequiredService<BrokerDbContext>(), CancellationToken.None);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/requests")).StatusCode);
    }

    private static async Task SwitchAsync(BrokerFactory broker, bool disable)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        Assert.True(await scope.ServiceProvider.GetRequiredService<ApiClientSwitch>()
            .SetDisabledAsync(Administrator, Client, disable, CancellationToken.None));
    }
}
