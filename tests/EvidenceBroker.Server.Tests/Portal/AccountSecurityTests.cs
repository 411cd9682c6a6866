using System.Net;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Development;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OtpNet;

namespace EvidenceBroker.Server.Tests.Portal;

/// <summary>
/// Passwords an administrator hands out work once; a user's own password and authenticator changes are audited; an
/// administrator can reset someone's sign-in.
/// </summary>
public sealed class AccountSecurityTests
{
    private const string Admin = "admin@broker.example";
    private const string Officer = "officer@met.example";
    private const string OwnPassword = "Correct-Horse-9-Battery";

    private sealed class WithSecurityStampInterval(string interval) : BrokerFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Portal:SecurityStampInterval", interval)];
    }

    [Fact]
    public async Task A_new_user_chooses_a_password_before_enrolling_and_the_one_time_password_then_fails()
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, Admin);
        var added = await admin.PostFormAsync("/portal/admin?handler=User", new()
        {
            ["Email"] = "new.officer@met.example", ["Name"] = "New Officer", ["Role"] = "officer", ["TenantId"] = "gb-met",
        });
        var oneTime = PortalHtml.ShownSecret(added.Body);

        using var newcomer = new PortalBrowser(broker, "new.officer@met.example");
        var afterPassword = await newcomer.PostFormAsync("/portal/account/login", new() { ["Email"] = "new.officer@met.example", ["Password"] = oneTime });
        var enrolFirst = await newcomer.Client.GetAsync("/portal/account/enrol");
        var weak = await newcomer.PostFormAsync(afterPassword.Path, new() { ["NewPassword"] = "short", ["ConfirmPassword"] = "short" });
        var chosen = await newcomer.PostFormAsync(afterPassword.Path, new() { ["NewPassword"] = OwnPassword, ["ConfirmPassword"] = OwnPassword });
        var signedIn = await newcomer.CodeStepAsync(chosen);

        using var replay = new PortalBrowser(broker, "new.officer@met.example");
        var withOneTime = await replay.PostFormAsync("/portal/account/login", new() { ["Email"] = "new.officer@met.example", ["Password"] = oneTime });

        Assert.Contains("/account/newpassword", afterPassword.Path, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("/account/newpassword", enrolFirst.RequestMessage!.RequestUri!.AbsolutePath, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("/account/newpassword", weak.Path, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("at least 12 characters", weak.Body, StringComparison.Ordinal);
        Assert.Contains("/account/enrol", chosen.Path, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("class=\"who\"", signedIn, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode("The email or password is not right"), withOneTime.Body, StringComparison.Ordinal);
        var id = await PortalBrowser.UserIdAsync(broker, "new.officer@met.example");
        Assert.Equal(["user.created", "user.password-set", "user.authenticator-enrolled"], await ActionsAsync(broker, id));
        Assert.Equal(id, (await broker.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "user.password-set"))).ActorId);
    }

    [Fact]
    public async Task A_session_in_constant_use_still_ends_eight_hours_after_its_sign_in()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, Officer);
        var pages = new List<string>();
        for (var hours = 3; hours <= 9; hours += 3)
        {
            broker.Clock.Advance(TimeSpan.FromHours(3)); // within the sliding window: each visit renews the cookie
            using var page = await officer.Client.GetAsync("/portal/officer");
            pages.Add(page.RequestMessage!.RequestUri!.AbsolutePath);
        }

        Assert.Equal(["/portal/officer", "/portal/officer", "/portal/account/login"], pages);
    }

    [Fact]
    public async Task A_session_cookie_from_before_sign_in_times_were_kept_lasts_eight_hours_from_when_it_was_issued()
    {
        await using var broker = new BrokerFactory();
        var now = broker.Clock.GetUtcNow();

        var within = await OfficerPageWithCookieIssuedAsync(broker, now - TimeSpan.FromHours(7));
        var beyond = await OfficerPageWithCookieIssuedAsync(broker, now - TimeSpan.FromHours(8) - TimeSpan.FromMinutes(1));

        Assert.Equal(["/portal/officer", "/portal/account/login"], new[] { within, beyond });
    }

    [Theory]
    [InlineData("00:01:00")]
    [InlineData("1.00:00:00")] // the cookie is renewed with no security stamp check to renew it again
    public async Task A_session_cookie_from_before_sign_in_times_were_kept_still_ends_eight_hours_after_it_was_issued_however_busy(string securityStampInterval)
    {
        await using var broker = new WithSecurityStampInterval(securityStampInterval);
        var cookie = await CookieFromBeforeSignInTimesAsync(broker, broker.Clock.GetUtcNow() - TimeSpan.FromHours(7));
        var pages = new List<string>();
        for (var visit = 0; visit < 2; visit++)
        {
            (var path, cookie) = await OfficerPageAsync(broker, cookie); // each visit renews the cookie
            pages.Add(path);
            broker.Clock.Advance(TimeSpan.FromHours(2));
        }

        Assert.Equal(["/portal/officer", "/portal/account/login"], pages);
    }

    [Fact]
    public async Task A_reset_sign_in_ends_the_old_password_and_authenticator_and_the_user_starts_again()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, Officer);
        var oldKey = officer.AuthenticatorKey;
        var id = await PortalBrowser.UserIdAsync(broker, Officer);

        var familiarBefore = await FamiliarNetworkAsync(broker, Officer);
        using var admin = await PortalBrowser.SignedInAsync(broker, Admin);
        var reset = await admin.PostFormAsync("/portal/admin?handler=ResetSignIn", new() { ["Id"] = id });
        var oneTime = PortalHtml.ShownSecret(reset.Body);
        var familiarAfter = await FamiliarNetworkAsync(broker, Officer);

        using var again = new PortalBrowser(broker, Officer);
        var oldPassword = await again.PostFormAsync("/portal/account/login", new() { ["Email"] = Officer, ["Password"] = DevelopmentSeed.DemoPassword });
        var withOneTime = await again.PostFormAsync("/portal/account/login", new() { ["Email"] = Officer, ["Password"] = oneTime });
        var chosen = await again.PostFormAsync(withOneTime.Path, new() { ["NewPassword"] = OwnPassword, ["ConfirmPassword"] = OwnPassword });
        var signedIn = await again.CodeStepAsync(chosen);

        Assert.Contains($"One-time password for {Officer}", reset.Body, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode("The email or password is not right"), oldPassword.Body, StringComparison.Ordinal);
        Assert.Contains("/account/newpassword", withOneTime.Path, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("class=\"who\"", signedIn, StringComparison.Ordinal);
        Assert.NotEqual(oldKey, again.AuthenticatorKey);
        Assert.Equal((true, false), (familiarBefore, familiarAfter)); // whoever signed in before may not have been the owner
        var entry = await broker.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "user.sign-in-reset"));
        Assert.Equal((id, "administrator"), (entry.SubjectId, entry.ActorRole));
        Assert.Equal(["user.authenticator-enrolled", "user.sign-in-reset", "user.password-set", "user.authenticator-enrolled"], await ActionsAsync(broker, id));
    }

    [Fact]
    public async Task A_sign_in_part_way_through_when_the_administrator_resets_it_leads_nowhere()
    {
        await using var broker = new BrokerFactory();
        using (await PortalBrowser.SignedInAsync(broker, Officer)) { }
        using var halfway = new PortalBrowser(broker, Officer); // knows the password, not the code
        var atCode = await halfway.PostFormAsync("/portal/account/login", new() { ["Email"] = Officer, ["Password"] = DevelopmentSeed.DemoPassword });

        using var admin = await PortalBrowser.SignedInAsync(broker, Admin);
        await admin.PostFormAsync("/portal/admin?handler=ResetSignIn", new() { ["Id"] = await PortalBrowser.UserIdAsync(broker, Officer) });
        using var newPassword = await halfway.Client.GetAsync("/portal/account/newpassword");
        using var enrol = await halfway.Client.GetAsync("/portal/account/enrol");
        using var code = await halfway.Client.GetAsync("/portal/account/twofactor");

        Assert.Contains("/account/twofactor", atCode.Path, StringComparison.OrdinalIgnoreCase);
        Assert.All([newPassword, enrol, code], page => Assert.Contains("/account/login", page.RequestMessage!.RequestUri!.AbsolutePath, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_administrator_does_not_reset_their_own_sign_in()
    {
        await using var broker = new BrokerFactory();
        using var admin = await PortalBrowser.SignedInAsync(broker, Admin);

        var page = await admin.PostFormAsync("/portal/admin?handler=ResetSignIn", new() { ["Id"] = await PortalBrowser.UserIdAsync(broker, Admin) });

        Assert.Contains("Another administrator resets your own sign-in.", page.Body, StringComparison.Ordinal);
        Assert.Equal(["user.authenticator-enrolled"], await ActionsAsync(broker, await PortalBrowser.UserIdAsync(broker, Admin)));
    }

    [Fact]
    public async Task Changing_ones_password_needs_the_current_one_and_is_audited_and_so_is_signing_out_everywhere()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, Officer);

        var wrong = await officer.PostFormAsync("/portal/account/security?handler=Password", new()
        {
            ["CurrentPassword"] = "not it", ["NewPassword"] = OwnPassword, ["ConfirmPassword"] = OwnPassword,
        });
        var changed = await officer.PostFormAsync("/portal/account/security?handler=Password", new()
        {
            ["CurrentPassword"] = DevelopmentSeed.DemoPassword, ["NewPassword"] = OwnPassword, ["ConfirmPassword"] = OwnPassword,
        });
        var everywhere = await officer.PostFormAsync("/portal/account/security", []);

        using var later = new PortalBrowser(broker, Officer);
        var withOld = await later.PostFormAsync("/portal/account/login", new() { ["Email"] = Officer, ["Password"] = DevelopmentSeed.DemoPassword });
        var withNew = await later.SignInAsync(OwnPassword);

        Assert.Contains("The current password is not right.", wrong.Body, StringComparison.Ordinal);
        Assert.Contains("Your password is changed.", changed.Body, StringComparison.Ordinal);
        Assert.Contains("/account/logout", everywhere.Path, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(WebUtility.HtmlEncode("The email or password is not right"), withOld.Body, StringComparison.Ordinal);
        Assert.Contains("class=\"who\"", withNew, StringComparison.Ordinal);
        Assert.Equal(["user.authenticator-enrolled", "user.password-set", "user.signed-out-everywhere"], await ActionsAsync(broker, await PortalBrowser.UserIdAsync(broker, Officer)));
    }

    [Fact]
    public async Task Guessing_the_current_password_on_the_account_page_counts_as_attempts_on_the_account()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, Officer); // one attempt from this network

        var answers = new List<string>();
        for (var i = 0; i < PasswordAttempts.Limit; i++)
        {
            var guess = i == PasswordAttempts.Limit - 1 ? DevelopmentSeed.DemoPassword : $"guess {i}";
            answers.Add((await officer.PostFormAsync("/portal/account/security?handler=Password", new()
            {
                ["CurrentPassword"] = guess, ["NewPassword"] = OwnPassword, ["ConfirmPassword"] = OwnPassword,
            })).Body);
        }

        Assert.All(answers[..^1], body => Assert.Contains("The current password is not right.", body, StringComparison.Ordinal));
        Assert.Contains("Too many attempts at this account", answers[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("user.password-set", await ActionsAsync(broker, await PortalBrowser.UserIdAsync(broker, Officer)));
    }

    [Fact]
    public async Task A_wrong_enrolment_code_is_refused_without_waiting_for_the_writers_turn()
    {
        await using var broker = new BrokerFactory();
        using var officer = new PortalBrowser(broker, Officer);
        var enrolment = await officer.PostFormAsync("/portal/account/login", new() { ["Email"] = Officer, ["Password"] = DevelopmentSeed.DemoPassword });
        var wrong = WrongCode(PortalHtml.EnrolmentKey(enrolment.Body), broker.Clock.GetUtcNow());

        // Another writer holds the turn, which every node's writers wait for: a code checked inside a turn would wait too.
        await using var holderScope = broker.Services.CreateAsyncScope();
        var held = await holderScope.ServiceProvider.GetRequiredService<BrokerDbContext>().BeginWriteAsync(CancellationToken.None);
        var posted = officer.PostFormAsync(enrolment.Path, new() { ["Code"] = wrong });
        var answeredWhileHeld = await Task.WhenAny(posted, Task.Delay(TimeSpan.FromSeconds(30))) == posted;
        await held.CommitAsync();
        await held.DisposeAsync();

        Assert.True(answeredWhileHeld, "The wrong code was answered only once the writers' turn was free.");
        Assert.Contains("That code is not right.", (await posted).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_enrolment_pages_opened_at_once_show_the_same_key()
    {
        await using var broker = new BrokerFactory();
        using var officer = new PortalBrowser(broker, Officer);
        await officer.PostFormAsync("/portal/account/login", new() { ["Email"] = Officer, ["Password"] = DevelopmentSeed.DemoPassword });

        var pages = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => officer.Client.GetAsync("/portal/account/enrol")));

        Assert.All(pages, page => Assert.Equal(HttpStatusCode.OK, page.StatusCode));
        var keys = await Task.WhenAll(pages.Select(async page => PortalHtml.EnrolmentKey(await page.Content.ReadAsStringAsync())));
        Assert.Single(keys.Distinct());
        Assert.NotEqual("", keys[0]);
    }

    /// <summary>
    /// Where the officer's page leads with a session cookie written as the broker wrote them before sessions carried
    /// their sign-in time, issued at <paramref name="issued"/>.
    /// </summary>
    private static async Task<string> OfficerPageWithCookieIssuedAsync(BrokerFactory broker, DateTimeOffset issued) =>
        (await OfficerPageAsync(broker, await CookieFromBeforeSignInTimesAsync(broker, issued))).Path;

    /// <summary>
    /// The officer's session cookie as the broker wrote them before sessions carried their sign-in time: the user's
    /// real claims, sealed with the host's own data protection, issued at <paramref name="issued"/>, unexpired, and
    /// without the sign-in time item.
    /// </summary>
    private static async Task<string> CookieFromBeforeSignInTimesAsync(BrokerFactory broker, DateTimeOffset issued)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>();
        var principal = await signIn.CreateUserPrincipalAsync((await signIn.UserManager.FindByEmailAsync(Officer))!);
        var properties = new AuthenticationProperties { IssuedUtc = issued, ExpiresUtc = broker.Clock.GetUtcNow().AddHours(1) };
        return SessionCookie(broker).TicketDataFormat.Protect(new AuthenticationTicket(principal, properties, IdentityConstants.ApplicationScheme));
    }

    /// <summary>Where the officer's page leads with <paramref name="cookie"/>, and the cookie the broker renewed it as (or the same).</summary>
    private static async Task<(string Path, string Cookie)> OfficerPageAsync(BrokerFactory broker, string cookie)
    {
        var name = SessionCookie(broker).Cookie.Name;
        using var browser = broker.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        browser.DefaultRequestHeaders.Add("Cookie", $"{name}={cookie}");
        using var page = await browser.GetAsync("/portal/officer");
        var renewed = page.Headers.TryGetValues("Set-Cookie", out var set)
            ? set.Select(c => c.Split(';')[0]).FirstOrDefault(c => c.StartsWith($"{name}=", StringComparison.Ordinal))?[(name!.Length + 1)..]
            : null;
        return (page.RequestMessage!.RequestUri!.AbsolutePath, renewed ?? cookie);
    }

    private static CookieAuthenticationOptions SessionCookie(BrokerFactory broker) =>
        broker.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);

    /// <summary>A six-digit code the authenticator key shown as <paramref name="shownKey"/> does not give at <paramref name="at"/>, nor a step either side.</summary>
    private static string WrongCode(string shownKey, DateTimeOffset at)
    {
        var codes = new Totp(Base32Encoding.ToBytes(shownKey.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()));
        return Enumerable.Range(0, 10).Select(digit => new string((char)('0' + digit), 6))
            .First(code => !codes.VerifyTotp(at.UtcDateTime, code, out _, new VerificationWindow(previous: 1, future: 1)));
    }

    /// <summary>Whether the test server's network (requests there carry no remote address) is one <paramref name="email"/> lately signed in from.</summary>
    private static async Task<bool> FamiliarNetworkAsync(BrokerFactory broker, string email)
    {
        await using var scope = broker.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        return await SignInNetworks.IsFamiliarAsync(users, (await users.FindByEmailAsync(email))!, "unknown");
    }

    /// <summary>The changes to a user's account in the audit trail; its sign-ins are SignInTests' business.</summary>
    private static Task<List<string>> ActionsAsync(BrokerFactory broker, string userId) =>
        broker.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectType == "portal-user" && e.SubjectId == userId && e.Action != "user.signed-in")
            .OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());


}
