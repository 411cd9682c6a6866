using System.Net;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using EvidenceBroker.Server.Development;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>
/// Someone using the portal over HTTP, without a browser: a client that keeps its cookies, signs in with a password
/// and an authenticator code (enrolling an authenticator the first time), and posts forms with their antiforgery token.
/// </summary>
/// <remarks>
/// Codes are made for the broker's fake clock, and each is accepted once: a second sign-in of the same user needs the
/// clock moved on by a 30-second step (<see cref="NextCode"/> does it).
/// </remarks>
public sealed partial class PortalBrowser(BrokerFactory broker, string email) : IDisposable
{
    /// <summary>Each broker's enrolled authenticator keys by email, for every browser signing in to it.</summary>
    private static readonly ConditionalWeakTable<BrokerFactory, Dictionary<string, string>> Keys = new();

    public HttpClient Client { get; } = broker.CreateClient();

    /// <summary>The authenticator key the portal showed this user at enrolment.</summary>
    public string? AuthenticatorKey => Keys.GetOrCreateValue(broker).GetValueOrDefault(email);

    public static async Task<PortalBrowser> SignedInAsync(BrokerFactory broker, string email, string password = DevelopmentSeed.DemoPassword)
    {
        var browser = new PortalBrowser(broker, email);
        var landed = await browser.SignInAsync(password);
        Assert.True(landed.Contains("class=\"who\"", StringComparison.Ordinal), $"{email} did not reach a signed-in page:{Environment.NewLine}{landed}");
        return browser;
    }

    /// <summary>Password, then the code; returns the page the sign-in ends on.</summary>
    public async Task<string> SignInAsync(string password = DevelopmentSeed.DemoPassword, string? code = null) =>
        await CodeStepAsync(await PostFormAsync("/portal/account/login", new() { ["Email"] = email, ["Password"] = password }), code);

    /// <summary>The id of the portal user signed in as <paramref name="email"/>.</summary>
    public static Task<string> UserIdAsync(BrokerFactory broker, string email) =>
        broker.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());

    /// <summary>
    /// From the page a password step led to: enrols an authenticator from the key shown, or enters the code of the
    /// one enrolled earlier (the next step's, unless <paramref name="code"/> is given).
    /// </summary>
    public async Task<string> CodeStepAsync((HttpStatusCode Status, string Path, string Body) page, string? code = null)
    {
        if (PortalHtml.EnrolmentKey(page.Body) is { Length: > 0 } shown)
        {
            Keys.GetOrCreateValue(broker)[email] = shown.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
            return (await PostFormAsync(page.Path, new() { ["Code"] = code ?? CodeNow() })).Body;
        }

        Assert.True(page.Path.Contains("/account/twofactor", StringComparison.OrdinalIgnoreCase), $"The password step led to {page.Path}.");
        return (await PostFormAsync(page.Path, new() { ["Code"] = code ?? NextCode() })).Body;
    }

    /// <summary>The code of the fake clock's current step.</summary>
    public string CodeNow() =>
        new Totp(Base32Encoding.ToBytes(AuthenticatorKey ?? throw new InvalidOperationException("Not enrolled yet."))).ComputeTotp(broker.Clock.GetUtcNow().UtcDateTime);

    /// <summary>Moves the fake clock to the next 30-second step, whose code no sign-in has used yet.</summary>
    public string NextCode()
    {
        broker.Clock.Advance(TimeSpan.FromSeconds(30));
        return CodeNow();
    }

    /// <summary>Reads the page at <paramref name="path"/> for its antiforgery token, then posts the form there (following redirects).</summary>
    public async Task<(HttpStatusCode Status, string Path, string Body)> PostFormAsync(string path, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await FormTokenAsync(path);
        return await PostAsync(path, new FormUrlEncodedContent(fields));
    }

    /// <summary>The antiforgery token of the form on the page at <paramref name="path"/>.</summary>
    public async Task<string> FormTokenAsync(string path) => AntiforgeryToken().Match(await Client.GetStringAsync(path)).Groups["token"].Value;

    /// <summary>Posts <paramref name="content"/>, following redirects.</summary>
    public async Task<(HttpStatusCode Status, string Path, string Body)> PostAsync(string path, HttpContent content)
    {
        using var response = await Client.PostAsync(path, content);
        return (response.StatusCode, response.RequestMessage?.RequestUri?.PathAndQuery ?? path, await response.Content.ReadAsStringAsync());
    }

    public void Dispose() => Client.Dispose();

    [GeneratedRegex("""name="__RequestVerificationToken"[^>]*?value="(?<token>[^"]+)""")]
    private static partial Regex AntiforgeryToken();

}
