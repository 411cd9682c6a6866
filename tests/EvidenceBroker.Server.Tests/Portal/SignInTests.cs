using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Development;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>The portal's password step: it does not tell who has an account, and each address has a limit.</summary>
public sealed partial class SignInTests
{
    private const string NotSignedIn = "The email or password is not right, or there have been too many attempts: wait 15 minutes before trying again.";

    private sealed class TightSignIn : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("RateLimits:SignInPerAddressPerMinute", "3")];
    }

    [Fact]
    public async Task An_unknown_email_a_wrong_password_and_a_locked_account_get_the_same_answer()
    {
        await using var broker = new BrokerFactory();
        using var browser = broker.CreateClient();

        var unknown = await SignInAsync(browser, "nobody@met.example", "Demo-Passw0rd!");
        var wrong = await SignInAsync(browser, "supervisor@met.example", "not the password");
        for (var i = 0; i < 4; i++)
        {
            await SignInAsync(browser, "supervisor@met.example", "not the password");
        }

        var locked = await SignInAsync(browser, "supervisor@met.example", DevelopmentSeed.DemoPassword);

        Assert.All([unknown, wrong, locked], page => Assert.Contains(WebUtility.HtmlEncode(NotSignedIn), page.Body, StringComparison.Ordinal));
        Assert.All([unknown, wrong, locked], page => Assert.Equal(HttpStatusCode.OK, page.Status));
        Assert.DoesNotContain("locked for a while", locked.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_sign_in_takes_no_less_than_the_floor_whether_or_not_the_account_exists()
    {
        await using var broker = new BrokerFactory();
        using var browser = broker.CreateClient();
        await SignInAsync(browser, "nobody@met.example", "warm-up");

        var unknown = Stopwatch.StartNew();
        await SignInAsync(browser, "nobody@met.example", "Demo-Passw0rd!");
        unknown.Stop();
        var wrong = Stopwatch.StartNew();
        await SignInAsync(browser, "supervisor@met.example", "not the password");
        wrong.Stop();

        // A floor, not a speed: the answer may come later on a busy machine, never sooner.
        Assert.True(unknown.Elapsed >= EvidenceBroker.Server.Portal.Pages.Account.LoginModel.RefusalFloor, $"unknown email: {unknown.Elapsed}");
        Assert.True(wrong.Elapsed >= EvidenceBroker.Server.Portal.Pages.Account.LoginModel.RefusalFloor, $"wrong password: {wrong.Elapsed}");
    }

    [Fact]
    public async Task Each_failed_sign_in_checks_one_password_hash_whether_the_account_exists_or_is_locked()
    {
        var hasher = new CountingHasher();
        await using var broker = new WithHasher(hasher);
        using var browser = broker.CreateClient();

        var checks = new List<int>();
        foreach (var (email, password) in new[] { ("nobody@met.example", "guess") }
                     .Concat(Enumerable.Repeat(("supervisor@met.example", "not the password"), 5))
                     .Append(("supervisor@met.example", DevelopmentSeed.DemoPassword)))
        {
            var before = hasher.Verifications;
            await SignInAsync(browser, email, password);
            checks.Add(hasher.Verifications - before);
        }

        Assert.Equal([1, 1, 1, 1, 1, 1, 1], checks); // unknown, five wrong, then locked with the right password
    }

    [Fact]
    public async Task Codes_posted_to_the_enrolment_count_against_the_address_s_sign_in_limit()
    {
        await using var broker = new TightSignIn();
        using var browser = broker.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var posted = await browser.PostAsync("/portal/account/enrol", new FormUrlEncodedContent([new("Code", "123456")]));
            statuses.Add(posted.StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses.Take(3));
    }

    [Fact]
    public async Task Attempts_beyond_the_limit_for_one_address_get_429_and_reading_the_form_does_not_count()
    {
        await using var broker = new TightSignIn();
        using var browser = broker.CreateClient();

        var answers = new List<(HttpStatusCode Status, string Body)>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await SignInAsync(browser, $"guess{i}@met.example", "guess"));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers.Select(a => a.Status));
        Assert.Contains("Too many attempts from your network", answers[^1].Body, StringComparison.Ordinal); // a page, not JSON
    }

    [Fact]
    public async Task Wrong_passwords_sent_at_once_each_count_toward_the_lockout()
    {
        await using var broker = new BrokerFactory();
        var browsers = Enumerable.Range(0, PortalSignIn.FailedAttemptsBeforeLockout).Select(_ => broker.CreateClient()).ToList();

        await Task.WhenAll(browsers.Select(browser => SignInAsync(browser, "supervisor@met.example", "not the password")));
        browsers.ForEach(browser => browser.Dispose());

        var user = await broker.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == "supervisor@met.example"));
        Assert.True(user.LockoutEnd > broker.Clock.GetUtcNow(), $"Not locked after {PortalSignIn.FailedAttemptsBeforeLockout} wrong passwords at once; {user.AccessFailedCount} counted.");
    }

    [Fact]
    public async Task Wrong_passwords_from_strangers_do_not_lock_out_a_user_with_an_authenticator()
    {
        await using var broker = new FromNetworks();
        using (await PortalBrowser.SignedInAsync(broker, "supervisor@met.example"))
        {
            // enrolled an authenticator
        }

        using var stranger = broker.CreateClient();
        stranger.DefaultRequestHeaders.Add(NetworkFromHeader.Header, "198.51.100.7");
        for (var i = 0; i < PasswordAttempts.Limit + 2; i++)
        {
            await SignInAsync(stranger, "supervisor@met.example", "not the password");
        }

        using var supervisor = new PortalBrowser(broker, "supervisor@met.example");
        supervisor.Client.DefaultRequestHeaders.Add(NetworkFromHeader.Header, "203.0.113.20");
        var landed = await supervisor.SignInAsync();

        Assert.Contains("class=\"who\"", landed, StringComparison.Ordinal);
        var user = await broker.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == "supervisor@met.example"));
        Assert.Null(user.LockoutEnd);
    }

    [Fact]
    public async Task After_its_attempts_are_used_up_a_network_is_refused_that_account_even_with_the_right_password()
    {
        await using var broker = new FromNetworks();
        using (await PortalBrowser.SignedInAsync(broker, "supervisor@met.example"))
        {
            // enrolled an authenticator
        }

        using var guesser = new PortalBrowser(broker, "supervisor@met.example");
        guesser.Client.DefaultRequestHeaders.Add(NetworkFromHeader.Header, "198.51.100.7");
        for (var i = 0; i < PasswordAttempts.Limit; i++)
        {
            await SignInAsync(guesser.Client, "supervisor@met.example", "not the password");
        }

        var refused = await SignInAsync(guesser.Client, "supervisor@met.example", DevelopmentSeed.DemoPassword);
        var otherAccount = await SignInAsync(guesser.Client, "officer@met.example", DevelopmentSeed.DemoPassword);

        Assert.Contains(WebUtility.HtmlEncode(NotSignedIn), refused.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(WebUtility.HtmlEncode(NotSignedIn), otherAccount.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Of_right_passwords_sent_at_once_from_one_network_no_more_than_its_limit_are_accepted()
    {
        await using var broker = new FromNetworks();
        using (await PortalBrowser.SignedInAsync(broker, "supervisor@met.example"))
        {
            // enrolled an authenticator
        }

        // The right password each time: an attempt whose password is checked goes on to the code step.
        var browsers = Enumerable.Range(0, PasswordAttempts.Limit + 5).Select(_ =>
        {
            var browser = broker.CreateClient();
            browser.DefaultRequestHeaders.Add(NetworkFromHeader.Header, "198.51.100.9");
            return browser;
        }).ToList();
        var pages = await Task.WhenAll(browsers.Select(browser => SignInAsync(browser, "supervisor@met.example", DevelopmentSeed.DemoPassword)));
        browsers.ForEach(browser => browser.Dispose());

        Assert.Equal(PasswordAttempts.Limit, pages.Count(page => page.Body.Contains("name=\"Code\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Guessers_on_many_networks_share_one_limit_and_the_owner_s_usual_network_is_not_held_to_it()
    {
        await using var broker = new FromNetworks();
        using (var owner = new PortalBrowser(broker, "supervisor@met.example"))
        {
            owner.Client.DefaultRequestHeaders.Add(NetworkFromHeader.Header, "203.0.113.20");
            await owner.SignInAsync(); // enrols an authenticator there
        }

        // Each guessing network stays within its own limit; together they use up what unfamiliar networks share.
        var guessers = Enumerable.Range(1, PasswordAttempts.FromUnfamiliarNetworksLimit / PasswordAttempts.Limit).Select(n =>
        {
            var guesser = broker.CreateClient();
            guesser.DefaultRequestHeaders.Add(NetworkFromHeader.Header, $"198.51.100.{n}");
            return guesser;
        }).ToList();
        await Task.WhenAll(guessers.Select(async guesser =>
        {
            for (var i = 0; i < PasswordAttempts.Limit; i++)
            {
                await SignInAsync(guesser, "supervisor@met.example", "not the password");
            }
        }));
        guessers.ForEach(guesser => guesser.Dispose());

        using var newNetwork = broker.CreateClient();
        newNetwork.DefaultRequestHeaders.Add(NetworkFromHeader.Header, "192.0.2.44");
        var fromNewNetwork = await SignInAsync(newNetwork, "supervisor@met.example", DevelopmentSeed.DemoPassword);
        using var usualNetwork = broker.CreateClient();
        usualNetwork.DefaultRequestHeaders.Add(NetworkFromHeader.Header, "203.0.113.20");
        var fromUsualNetwork = await SignInAsync(usualNetwork, "supervisor@met.example", DevelopmentSeed.DemoPassword);

        Assert.Contains(WebUtility.HtmlEncode(NotSignedIn), fromNewNetwork.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(WebUtility.HtmlEncode(NotSignedIn), fromUsualNetwork.Body, StringComparison.Ordinal);
        Assert.Contains("name=\"Code\"", fromUsualNetwork.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_account_remembers_the_networks_it_last_signed_in_from()
    {
        await using var broker = new BrokerFactory();
        await using var scope = broker.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = (await users.FindByEmailAsync("officer@met.example"))!;
        var networks = Enumerable.Range(1, SignInNetworks.Kept + 1).Select(n => $"198.51.100.{n}").ToList();
        // The first again before the last: the second, not the first, is then the oldest and forgotten.
        foreach (var network in networks.SkipLast(1).Append(networks[0]).Append(networks[^1]))
        {
            Assert.True((await SignInNetworks.RememberAsync(users, user, network)).Succeeded);
        }

        var familiar = new List<bool>();
        foreach (var network in networks)
        {
            familiar.Add(await SignInNetworks.IsFamiliarAsync(users, user, network));
        }

        Assert.Equal([true, false, true, true, true, true], familiar);
    }

    [Fact]
    public async Task Wrong_codes_lock_an_account_with_an_authenticator()
    {
        await using var broker = new BrokerFactory();
        using (await PortalBrowser.SignedInAsync(broker, "supervisor@met.example"))
        {
            // enrolled an authenticator
        }

        using var holder = new PortalBrowser(broker, "supervisor@met.example");
        var codeStep = await holder.PostFormAsync("/portal/account/login", new() { ["Email"] = "supervisor@met.example", ["Password"] = DevelopmentSeed.DemoPassword });
        for (var i = 0; i < PortalSignIn.FailedAttemptsBeforeLockout; i++)
        {
            await holder.PostFormAsync(codeStep.Path, new() { ["Code"] = "000000" });
        }

        var user = await broker.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == "supervisor@met.example"));
        Assert.True(user.LockoutEnd > broker.Clock.GetUtcNow(), $"Not locked after {PortalSignIn.FailedAttemptsBeforeLockout} wrong codes; {user.AccessFailedCount} counted.");
        var refused = await SignInAsync(holder.Client, "supervisor@met.example", DevelopmentSeed.DemoPassword);
        Assert.Contains(WebUtility.HtmlEncode(NotSignedIn), refused.Body, StringComparison.Ordinal);
        var lockout = Assert.Single(await AuditOfAsync(broker, user.Id, "user.locked-out"));
        Assert.Equal(AccountSecurity.LockoutActor, lockout.ActorId);
        Assert.Contains("\"step\":\"code\"", lockout.PayloadJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_completed_sign_in_is_in_the_audit_trail_and_a_refused_one_is_not()
    {
        await using var broker = new BrokerFactory();
        using (await PortalBrowser.SignedInAsync(broker, "supervisor@met.example"))
        {
            // the first sign-in enrols an authenticator
        }

        using (await PortalBrowser.SignedInAsync(broker, "supervisor@met.example"))
        {
            // the second enters a code
        }

        using var stranger = broker.CreateClient();
        await SignInAsync(stranger, "supervisor@met.example", "not the password");

        var user = await broker.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == "supervisor@met.example"));
        var signedIn = await AuditOfAsync(broker, user.Id, "user.signed-in");
        Assert.Equal(2, signedIn.Count);
        Assert.All(signedIn, entry => Assert.Equal(user.Id, entry.ActorId));
        Assert.Empty(await AuditOfAsync(broker, user.Id, "user.locked-out"));
    }

    [Fact]
    public async Task An_account_without_an_authenticator_locked_by_wrong_passwords_is_recorded_once()
    {
        await using var broker = new BrokerFactory();
        using var stranger = broker.CreateClient();
        for (var i = 0; i < PortalSignIn.FailedAttemptsBeforeLockout + 2; i++)
        {
            await SignInAsync(stranger, "supervisor@met.example", "not the password");
        }

        var user = await broker.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == "supervisor@met.example"));
        var lockout = Assert.Single(await AuditOfAsync(broker, user.Id, "user.locked-out"));
        Assert.Contains("\"step\":\"password\"", lockout.PayloadJson, StringComparison.Ordinal);
    }

    private static Task<List<EvidenceBroker.Server.Audit.AuditEntry>> AuditOfAsync(BrokerFactory broker, string userId, string action) =>
        broker.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SubjectId == userId && e.Action == action).ToListAsync());

    /// <summary>A broker that takes each request's network address from <see cref="NetworkFromHeader.Header"/>.</summary>
    private sealed class FromNetworks : BrokerFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            NetworkFromHeader.Install(builder);
        }
    }

    private sealed class CountingHasher : IPasswordHasher<PortalUser>
    {
        private readonly PasswordHasher<PortalUser> inner = new(Options.Create(new PasswordHasherOptions { IterationCount = 1_000 }));
        private int verifications;

        public int Verifications => Volatile.Read(ref verifications);

        public string HashPassword(PortalUser user, string password) => inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(PortalUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref verifications);
            return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    private sealed class WithHasher(IPasswordHasher<PortalUser> hasher) : BrokerFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton(hasher));
        }
    }

    /// <summary>Reads the form (for its antiforgery token), then posts it.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> SignInAsync(HttpClient browser, string email, string password)
    {
        var form = await browser.GetStringAsync("/portal/account/login");
        var token = AntiforgeryToken().Match(form).Groups["token"].Value;
        using var response = await browser.PostAsync("/portal/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = password, ["__RequestVerificationToken"] = token,
        }));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("""name="__RequestVerificationToken"[^>]*?value="(?<token>[^"]+)""")]
    private static partial Regex AntiforgeryToken();
}
