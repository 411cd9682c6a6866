using System.Net;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OtpNet;

namespace EvidenceBroker.Portal.Tests;

/// <summary>
/// The real broker on a real Kestrel port (Chromium cannot reach the in-memory test server), with a fresh SQLite
/// file and the Development demo users, and one headless system Chromium shared by the tests.
/// </summary>
public sealed class PortalFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("eb-portal-").FullName;
    private readonly Dictionary<string, string> authenticatorKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> lastSteps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> signedIn = new(StringComparer.Ordinal); // email → its browser storage state
    private IPlaywright? playwright;

    public PortalFixture()
    {
        // Kestrel binds a port of its own choosing and keeps it: a port found free and bound later could be taken in
        // between by another test process on this machine. The address is read back once it listens.
        this.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>Where the broker listens, known once <see cref="InitializeAsync"/> has started it.</summary>
    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;

    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("Database:ConnectionString", $"Data Source={Path.Combine(directory, "broker.db")}");
        // Auth:Issuer keeps its Development default: the port is not known before Kestrel binds it, and a token's
        // issuer need not be the address it was fetched from (a cluster's second node issues tokens naming the first).
        builder.UseSetting("Storage:Root", Path.Combine(directory, "files"));
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Portal:SecurityStampInterval", "00:00:00");
        builder.UseSetting("RateLimits:SignInPerAddressPerMinute", "1000"); // every journey signs in from this one address
    }

    public async Task InitializeAsync()
    {
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Directory.CreateDirectory(ScreenshotDirectory);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public Task<IPage> NewPageAsync(int width = 1366, int height = 900) => NewPageAsync(width, height, storageState: null);

    private async Task<IPage> NewPageAsync(int width, int height, string? storageState)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = width, Height = height }, AcceptDownloads = true,
            StorageState = storageState,
        });
        // Generous: on a 2-core machine a first filing (JIT, first SQLite write, policy decision) under a full test
        // run can take well over the usual few seconds; a slow machine must not turn into a red build.
        context.SetDefaultTimeout(45_000);
        context.SetDefaultNavigationTimeout(60_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        var page = await context.NewPageAsync();
        Record(page);
        return page;
    }

    /// <summary>
    /// Keeps the page's recent events (navigations, console messages, failed requests and error answers), so that a
    /// wait that runs out can say what the page was doing (see <see cref="ReachedAsync"/>).
    /// </summary>
    private static void Record(IPage page)
    {
        var log = PageLogs.GetOrCreateValue(page);
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) { log.Add($"navigated to {frame.Url}"); } };
        page.Console += (_, message) => log.Add($"console {message.Type}: {message.Text}");
        page.RequestFailed += (_, request) => log.Add($"request failed: {request.Method} {request.Url} ({request.Failure})");
        page.Response += (_, response) => { if (response.Status >= 400) { log.Add($"answer {response.Status}: {response.Url}"); } };
    }

    /// <summary>
    /// A new page, signed in as <paramref name="email"/>: through the portal's sign-in the first time, and afterwards
    /// with that sign-in's cookies, as a browser that stayed signed in. An authenticator code is taken once per 30-second
    /// step, so a user signed in through the form in every journey (the officer in eight) waited up to half a minute for
    /// a fresh step from the third sign-in on; the sign-in itself is the subject of its own test.
    /// </summary>
    public async Task<IPage> SignedInPageAsync(string email, int width = 1366, int height = 900)
    {
        if (signedIn.TryGetValue(email, out var cookies))
        {
            var again = await NewPageAsync(width, height, cookies);
            await again.GotoAsync("/portal"); // where a sign-in lands: the page the user's role works from
            await again.WaitForSelectorAsync("header .who");
            return again;
        }

        var page = await NewPageAsync(width, height);
        await SignInAsync(page, email);
        signedIn[email] = await page.Context.StorageStateAsync();
        return page;
    }

    /// <summary>
    /// Signs a demo user in through the portal: password, then enrolment from the key printed beside the QR code
    /// on first sign-in, or the code from the key enrolled earlier.
    /// </summary>
    public async Task SignInAsync(IPage page, string email, string? screenshotPrefix = null)
    {
        await page.GotoAsync("/portal/account/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(EvidenceBroker.Server.Development.DevelopmentSeed.DemoPassword);
        if (screenshotPrefix is not null) { await ShotAsync(page, screenshotPrefix + "-login"); }
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        // Wait for where the password step leads (enrolment the first time, the code afterwards): reading page.Url
        // straight after the click could still see the login page under load, and then waited for the wrong page.
        await ReachedAsync(page, "/account/(enrol|twofactor)");
        if (page.Url.Contains("/account/enrol", StringComparison.Ordinal))
        {
            var key = (await page.GetByTestId("authenticator-key").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
            authenticatorKeys[email] = key;
            if (screenshotPrefix is not null) { await ShotAsync(page, screenshotPrefix + "-enrol"); }
            await page.GetByLabel("Code shown by the app").FillAsync(await CodeForAsync(email));
            await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and sign in" }).ClickAsync();
        }
        else
        {
            await page.GetByLabel("Code").FillAsync(await CodeForAsync(email));
            if (screenshotPrefix is not null) { await ShotAsync(page, screenshotPrefix + "-code"); }
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        }

        await page.WaitForSelectorAsync("header .who");
    }

    /// <summary>
    /// Waits until the page's address matches <paramref name="pattern"/> (a regular expression), reading the address
    /// again and again instead of waiting for the navigation's events. In full CI runs, with other test assemblies
    /// loading both cores, a WaitForURLAsync after a click twice waited out its whole 60 s on this session's runs
    /// while the browser reported the network idle; polling the address does not depend on catching those events.
    /// </summary>
    /// <remarks>
    /// Should the wait run out, the failure says where the page stayed and what it did last, and a screenshot and the
    /// page's HTML go to TestResults/screenshots: why such waits stalled has not been seen yet.
    /// </remarks>
    public static async Task ReachedAsync(IPage page, string pattern)
    {
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(new Regex(pattern), new() { Timeout = 60_000 });
        }
        catch (PlaywrightException e)
        {
            var name = $"stalled-{DateTime.UtcNow:HHmmss-fff}";
            var evidence = Path.Combine(ScreenshotDirectory, name);
            try
            {
                await ShotAsync(page, name);
                await File.WriteAllTextAsync(evidence + ".html", await page.ContentAsync());
            }
            catch (PlaywrightException)
            {
                evidence = "(the page could not be captured)";
            }

            var events = PageLogs.TryGetValue(page, out var log) ? log.Last(20) : "(none recorded)";
            throw new TimeoutException(
                $"Waited for an address matching {pattern}; the page stayed at {page.Url}. Evidence: {evidence}.png/.html. " +
                $"Its last events:{Environment.NewLine}{events}", e);
        }
    }

    private static readonly ConditionalWeakTable<IPage, PageLog> PageLogs = new();

    /// <summary>A page's events, oldest first; written by Playwright's event threads, read after a failed wait.</summary>
    private sealed class PageLog
    {
        private readonly List<string> entries = [];

        public void Add(string entry)
        {
            lock (entries)
            {
                entries.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {entry}");
            }
        }

        public string Last(int count)
        {
            lock (entries)
            {
                return string.Join(Environment.NewLine, entries.TakeLast(count));
            }
        }
    }

    public bool IsEnrolled(string email) => authenticatorKeys.ContainsKey(email);

    /// <summary>
    /// A code for <paramref name="email"/> that no sign-in has used yet. The broker takes each 30-second step's code
    /// once, and a code one step early as well: a user signing in again within the same step gets the next step's
    /// code, and waits only when that one is taken too.
    /// </summary>
    public async Task<string> CodeForAsync(string email)
    {
        long step;
        lock (lastSteps)
        {
            step = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30, lastSteps.GetValueOrDefault(email) + 1);
            lastSteps[email] = step;
        }

        var usable = DateTimeOffset.FromUnixTimeSeconds((step - 1) * 30) - DateTimeOffset.UtcNow;
        if (usable > TimeSpan.Zero)
        {
            await Task.Delay(usable);
        }

        return new Totp(Base32Encoding.ToBytes(authenticatorKeys[email])).ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * 30).UtcDateTime);
    }

    public static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Browser is not null) { await Browser.CloseAsync(); }
        playwright?.Dispose();
        await DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EvidenceBroker.sln"))) { dir = dir.Parent; }
        return dir?.FullName ?? AppContext.BaseDirectory;
    }
}

[CollectionDefinition(Name)]
public sealed class PortalGroup : ICollectionFixture<PortalFixture>
{
    public const string Name = "portal";
}
