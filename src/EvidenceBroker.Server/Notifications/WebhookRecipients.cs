using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Notifications;

/// <summary>Where a recipient wants its webhooks, and the secrets to sign them with (current first).</summary>
public sealed record WebhookTarget(bool Known, string? Url, IReadOnlyList<string> Secrets);

/// <summary>Resolves agency:&lt;id&gt; / provider:&lt;id&gt; recipients and checks webhook URLs.</summary>
public static class WebhookRecipients
{
    public const string AgencyPrefix = "agency:";
    public const string ProviderPrefix = "provider:";
    public const int MaxUrlLength = 500;

    public static string Agency(string id) => OutboxEntries.Agency(id);

    public static string Provider(string id) => OutboxEntries.Provider(id);

    /// <summary>Whether <paramref name="recipient"/> has the form of one: agency:&lt;id&gt; or provider:&lt;id&gt;, the id a slug.</summary>
    public static bool IsWellFormed(string recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var id = recipient.StartsWith(AgencyPrefix, StringComparison.Ordinal) ? recipient[AgencyPrefix.Length..]
            : recipient.StartsWith(ProviderPrefix, StringComparison.Ordinal) ? recipient[ProviderPrefix.Length..]
            : null;
        return id is not null && RequestContentValidator.IsSlug(id);
    }

    public static async Task<WebhookTarget> ResolveAsync(
        BrokerDbContext db, WebhookSecretVault vault, string recipient, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(recipient);
        bool known;
        string? url;
        if (recipient.StartsWith(AgencyPrefix, StringComparison.Ordinal))
        {
            var id = recipient[AgencyPrefix.Length..];
            var agency = await db.Agencies.AsNoTracking().Where(a => a.Id == id).Select(a => new { a.WebhookUrl }).SingleOrDefaultAsync(ct);
            (known, url) = (agency is not null, agency?.WebhookUrl);
        }
        else if (recipient.StartsWith(ProviderPrefix, StringComparison.Ordinal))
        {
            var id = recipient[ProviderPrefix.Length..];
            var provider = await db.Providers.AsNoTracking().Where(p => p.Id == id).Select(p => new { p.WebhookUrl }).SingleOrDefaultAsync(ct);
            (known, url) = (provider is not null, provider?.WebhookUrl);
        }
        else
        {
            (known, url) = (false, null);
        }

        var secrets = new List<string>(2);
        if (known && url is not null)
        {
            var secret = await db.WebhookSecrets.AsNoTracking().SingleOrDefaultAsync(s => s.Recipient == recipient, ct);
            if (secret is not null)
            {
                secrets.Add(vault.Open(secret.Secret));
                // One that cannot be opened any more is left out rather than failing the delivery the current one signs.
                if (secret.PreviousSecret is not null && secret.PreviousValidUntil > now && vault.TryOpen(secret.PreviousSecret, out var previous))
                {
                    secrets.Add(previous);
                }
            }
        }

        return new WebhookTarget(known, string.IsNullOrWhiteSpace(url) ? null : url, secrets);
    }

    /// <summary>
    /// Null when <paramref name="url"/> is acceptable. Absolute http(s) only; plain http only in Development, because
    /// the body names requests and agencies and must not cross a network in clear; no internal host unless
    /// <paramref name="privateAddresses"/> (<see cref="WebhookAddresses"/>); no credentials in the URL, because
    /// URLs are shown to administrators and the signature already authenticates the broker.
    /// </summary>
    public static string? CheckUrl(string url, bool development, bool privateAddresses)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Length > MaxUrlLength)
        {
            return $"At most {MaxUrlLength} characters.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "Use an absolute http or https URL.";
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !development)
        {
            return "Use https: plain http is accepted only in Development.";
        }

        if (!privateAddresses && WebhookAddresses.NamesInternalHost(uri))
        {
            return "A loopback, private or link-local address is refused (Webhooks:AllowPrivateAddresses allows it where receivers sit on an internal network).";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "Do not put credentials in the URL: every delivery is signed with the recipient's webhook secret.";
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return "A URL fragment is never sent to the server; remove it.";
        }

        return null;
    }

    /// <summary>
    /// What of a webhook URL may go into logs and the audit trail: its scheme, host and port, with its path and query
    /// left out (receivers such as chat and automation services put their token in the path, others in the query)
    /// and a fingerprint of the whole URL, so that two URLs on one host can still be told apart.
    /// </summary>
    public static string Redacted(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "(invalid)";
        }

        var fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(url)))[..8];
        var withheld = uri.AbsolutePath != "/" || uri.Query.Length > 0 ? "/…" : "/";
        return $"{uri.GetLeftPart(UriPartial.Authority)}{withheld} [{fingerprint}]";
    }
}
