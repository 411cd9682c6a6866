using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Notifications;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.ReferenceData;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace EvidenceBroker.Server.Development;

/// <summary>
/// Demo agencies, providers, API clients and portal users for Development only. The secrets here are public
/// by design and never exist in any other environment.
/// </summary>
public static class DevelopmentSeed
{
    public const string DemoPassword = "Demo-Passw0rd!";

    public static IReadOnlyList<Agency> Agencies { get; } =
    [
        new() { Id = "gb-met", Country = "GB", Name = "Metropolitan Police Service" },
        new() { Id = "gb-nca", Country = "GB", Name = "National Crime Agency" },
        new() { Id = "us-fbi", Country = "US", Name = "Federal Bureau of Investigation" },
        new() { Id = "de-bka", Country = "DE", Name = "Bundeskriminalamt" },
        new() { Id = "fr-ofac", Country = "FR", Name = "Office anti-cybercriminalité" },
        new() { Id = "au-afp", Country = "AU", Name = "Australian Federal Police" },
        new() { Id = "br-pf", Country = "BR", Name = "Polícia Federal" },
        new() { Id = "ru-mvd", Country = "RU", Name = "Ministry of Internal Affairs" },
    ];

    public static IReadOnlyList<Provider> Providers { get; } =
    [
        new() { Id = "northwind-mail", Name = "Northwind Mail Inc.", Jurisdiction = "US" },
        new() { Id = "emerald-cloud", Name = "Emerald Cloud Ltd (EU representative)", Jurisdiction = "IE" },
        new() { Id = "rheinhost", Name = "Rheinhost GmbH", Jurisdiction = "DE" },
        new() { Id = "thames-social", Name = "Thames Social plc", Jurisdiction = "GB" },
    ];

    public sealed record DemoClient(string ClientId, string Secret, string DisplayName, Tenant Tenant, IReadOnlyList<string>? Scopes = null)
    {
        public IReadOnlyList<string> GrantedScopes => Scopes ?? BrokerScopes.DefaultFor(Tenant.Kind);
    }

    public static IReadOnlyList<DemoClient> Clients { get; } =
    [
        new("met-case-system", "dev-met-secret", "Met Police case system", Tenant.Agency("GB", "gb-met")),
        new("nca-case-system", "dev-nca-secret", "NCA case system", Tenant.Agency("GB", "gb-nca")),
        new("bka-case-system", "dev-bka-secret", "BKA case system", Tenant.Agency("DE", "de-bka")),
        new("fbi-case-system", "dev-fbi-secret", "FBI case system", Tenant.Agency("US", "us-fbi")),
        new("mvd-case-system", "dev-mvd-secret", "MVD case system", Tenant.Agency("RU", "ru-mvd")),
        new("met-supervisor-desk", "dev-met-supervisor-secret", "Met Police supervisors' desk", Tenant.Agency("GB", "gb-met"),
            BrokerScopes.DeskFor(TenantKind.Agency)),
        new("bka-supervisor-desk", "dev-bka-supervisor-secret", "BKA supervisors' desk", Tenant.Agency("DE", "de-bka"),
            BrokerScopes.DeskFor(TenantKind.Agency)),
        new("northwind-legal", "dev-northwind-secret", "Northwind Mail legal team", Tenant.Provider("northwind-mail")),
        new("emerald-legal", "dev-emerald-secret", "Emerald Cloud legal team", Tenant.Provider("emerald-cloud")),
        new("ipco-oversight", "dev-ipco-secret", "Oversight body (demo)", Tenant.Oversight("demo-oversight")),
        new("broker-admin", "dev-admin-secret", "Broker administration", Tenant.Administration("broker")),
        new("broker-review-desk", "dev-review-secret", "Broker legal review desk", Tenant.Administration("broker"),
            BrokerScopes.DeskFor(TenantKind.Administration)),
    ];

    public sealed record DemoUser(string Email, string DisplayName, string Role, Tenant Tenant);

    public static IReadOnlyList<DemoUser> Users { get; } =
    [
        new("officer@met.example", "Officer Ada Clarke", "officer", Tenant.Agency("GB", "gb-met")),
        new("supervisor@met.example", "Supervisor Ben Okafor", "supervisor", Tenant.Agency("GB", "gb-met")),
        new("officer@bka.example", "Kommissarin Eva Braun-Lehmann", "officer", Tenant.Agency("DE", "de-bka")),
        new("legal@northwind.example", "Priya Raman (Northwind legal)", "provider-legal", Tenant.Provider("northwind-mail")),
        new("legal@emerald.example", "Sean Byrne (Emerald legal)", "provider-legal", Tenant.Provider("emerald-cloud")),
        new("reviewer@broker.example", "Reviewer Clara Vidal", "reviewer", Tenant.Administration("broker")),
        new("auditor@oversight.example", "Auditor Tomas Novak", "oversight", Tenant.Oversight("demo-oversight")),
        new("admin@broker.example", "Administrator Lea Martin", "administrator", Tenant.Administration("broker")),
    ];

    /// <summary>The agencies and providers whose webhooks Development signs with fixed secrets (docs/webhooks.md).</summary>
    public static IEnumerable<string> WebhookRecipients =>
        Agencies.Select(a => Notifications.WebhookRecipients.Agency(a.Id)).Concat(Providers.Select(p => Notifications.WebhookRecipients.Provider(p.Id)));

    /// <summary>
    /// Outside Development, refuses to start on a database where a demo client or user still opens with its published
    /// secret or password: one a Development run seeded (the default SQLite file is the same in every environment). A
    /// disabled client gets no token, so it does not count. Likewise a webhook secret published in docs/webhooks.md.
    /// Data-protection keys stored unencrypted (Development has no certificate to encrypt them with) are reported.
    /// </summary>
    public static async Task RefuseDemoAccessAsync(IServiceProvider services, string environment, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        await using var scope = services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var disabled = (await scope.ServiceProvider.GetRequiredService<BrokerDbContext>().ApiClients.AsNoTracking()
            .Where(c => c.Disabled).Select(c => c.ClientId).ToListAsync(ct)).ToHashSet();
        var open = new List<string>();
        foreach (var client in Clients.Where(c => !disabled.Contains(c.ClientId)))
        {
            if (await applications.FindByClientIdAsync(client.ClientId, ct) is { } application
                && await applications.ValidateClientSecretAsync(application, client.Secret, ct))
            {
                open.Add($"client {client.ClientId}");
            }
        }

        foreach (var demo in Users)
        {
            if (await users.FindByEmailAsync(demo.Email) is { } user && await users.CheckPasswordAsync(user, DemoPassword))
            {
                open.Add($"user {demo.Email}");
            }
        }

        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var vault = scope.ServiceProvider.GetRequiredService<Notifications.WebhookSecretVault>();
        foreach (var secret in await db.WebhookSecrets.AsNoTracking().Where(s => WebhookRecipients.Contains(s.Recipient)).ToListAsync(ct))
        {
            if (IsPublished(vault, secret.Secret, secret.Recipient) || IsPublished(vault, secret.PreviousSecret, secret.Recipient))
            {
                open.Add($"webhook secret of {secret.Recipient}");
            }
        }

        if (open.Count > 0)
        {
            throw new InvalidOperationException(
                $"The broker will not start in the '{environment}' environment on this database: the demo {string.Join(", ", open)} " +
                "still open with the secrets and passwords published in the source. Start on a database of its own, not one a " +
                "Development run seeded, or first remove those accounts or change their secrets and passwords (or disable the clients; " +
                "rotate the webhook secrets).");
        }

        // Keys (not revocations) stored in clear: by a Development run, or by a Production node of a build from before
        // keys were encrypted, so a warning rather than a refusal.
        var clearKeys = await db.DataProtectionKeys.AsNoTracking()
            .Where(k => k.Xml != null && k.Xml.StartsWith("<key") && !k.Xml.Contains("encryptedSecret")).Select(k => k.FriendlyName).ToListAsync(ct);
        if (clearKeys.Count > 0)
        {
            logger.LogWarning(
                "Data-protection keys {Keys} are stored unencrypted in this database, so a copy of it opens what they protected " +
                "(webhook secrets, authenticator keys, sign-in tokens). Keys made from now on are encrypted; rotate the webhook secrets " +
                "once those keys have expired", string.Join(", ", clearKeys));
        }
    }

    private static bool IsPublished(Notifications.WebhookSecretVault vault, string? stored, string recipient)
    {
        try
        {
            return stored is not null && vault.Open(stored) == WebhookSecret.ForDevelopment(recipient);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false; // sealed with a key this node does not have: not one it could have seeded
        }
    }

    public static async Task SeedAsync(IServiceProvider services, ILogger logger, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BrokerDbContext>();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();

        foreach (var agency in Agencies)
        {
            if (await db.Agencies.FindAsync([agency.Id], ct) is null)
            {
                db.Agencies.Add(new Agency { Id = agency.Id, Country = agency.Country, Name = agency.Name });
            }
        }

        foreach (var provider in Providers)
        {
            if (await db.Providers.FindAsync([provider.Id], ct) is null)
            {
                db.Providers.Add(new Provider { Id = provider.Id, Name = provider.Name, Jurisdiction = provider.Jurisdiction });
            }
        }

        await db.SaveChangesAsync(ct);

        foreach (var client in Clients)
        {
            await ApiClients.RegisterAsync(db, applications, client.ClientId, client.Secret, client.DisplayName, client.Tenant, client.GrantedScopes,
                scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow(), ct);
        }

        foreach (var demo in Users)
        {
            if (await users.FindByEmailAsync(demo.Email) is not null)
            {
                continue;
            }

            var user = new PortalUser
            {
                UserName = demo.Email, Email = demo.Email, EmailConfirmed = true, DisplayName = demo.DisplayName,
                Role = demo.Role, TenantKind = demo.Tenant.Kind, TenantId = demo.Tenant.Id, Country = demo.Tenant.Country,
            };
            var created = await users.CreateAsync(user, DemoPassword);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException($"Seeding {demo.Email} failed: {string.Join("; ", created.Errors.Select(e => e.Description))}");
            }
        }

        await SeedWebhookSecretsAsync(db, scope.ServiceProvider.GetRequiredService<WebhookSecretVault>(),
            scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow(), ct);

        var lines = new System.Text.StringBuilder()
            .AppendLine("Development demo data (never present outside Development).")
            .AppendLine("API clients — POST /connect/token with grant_type=client_credentials:");
        foreach (var client in Clients)
        {
            lines.AppendLine(System.FormattableString.Invariant($"  {client.ClientId,-18} secret {client.Secret,-22} {client.Tenant}"));
        }

        lines.AppendLine(System.FormattableString.Invariant($"Portal users — password {DemoPassword}:"));
        foreach (var user in Users)
        {
            lines.AppendLine(System.FormattableString.Invariant($"  {user.Email,-28} {user.Role,-15} {user.Tenant}"));
        }

        logger.LogInformation("{DemoData}", lines.ToString());
    }

    /// <summary>Fixed demo secrets for every seeded agency and provider (see docs/webhooks.md), sealed as any other.</summary>
    private static async Task SeedWebhookSecretsAsync(BrokerDbContext db, WebhookSecretVault vault, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var recipient in WebhookRecipients)
        {
            if (!await db.WebhookSecrets.AnyAsync(s => s.Recipient == recipient, ct))
            {
                db.WebhookSecrets.Add(new WebhookSecret { Recipient = recipient, Secret = vault.Seal(WebhookSecret.ForDevelopment(recipient)), CreatedAt = now });
            }
        }

        await db.SaveChangesAsync(ct);
    }
}
