using System.Net;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Development;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace EvidenceBroker.Server.Tests.Auth;

/// <summary>
/// A portal user's authenticator key is stored sealed with the broker's data-protection keys, so a copy of the
/// database does not hold anyone's second factor. Keys an earlier version stored in clear keep working and are sealed
/// at the next start; a key that cannot be opened leads to a reset, never to a 500 or to enrolling on a password alone.
/// </summary>
public sealed class AuthenticatorKeyAtRestTests
{
    private const string Officer = "officer@met.example";
    private const string Admin = "admin@broker.example";
    private const string OwnPassword = "Correct-Horse-9-Battery";

    /// <summary>Where Identity keeps the key among a user's tokens (its own names, not the broker's).</summary>
    private const string IdentityLoginProvider = "[AspNetUserStore]";
    private const string IdentityKeyName = "AuthenticatorKey";

    [Fact]
    public async Task The_stored_authenticator_key_is_not_the_key_the_enrolment_page_showed()
    {
        await using var broker = new BrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, Officer);

        var stored = await StoredKeyAsync(broker, Officer);

        Assert.DoesNotContain(officer.AuthenticatorKey!, stored, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith(AuthenticatorKeyVault.SealedPrefix, stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_enrolled_user_signs_in_with_their_authenticator_after_a_restart_on_the_same_database()
    {
        var (folder, database) = MigratedSqliteFile();
        string key;
        await using (var first = new OnDatabase(DatabaseProvider.Sqlite, database))
        {
            using var enrolled = await PortalBrowser.SignedInAsync(first, Officer);
            key = enrolled.AuthenticatorKey!;
        }

        await using var second = new OnDatabase(DatabaseProvider.Sqlite, database);
        var page = await SignInWithAsync(second, key);

        Assert.Contains("class=\"who\"", page, StringComparison.Ordinal);
        DeleteQuietly(folder);
    }

    [Fact]
    public async Task A_key_stored_in_clear_by_an_earlier_version_signs_in_and_is_sealed_at_the_next_start()
    {
        var (folder, database) = MigratedSqliteFile();
        string key;
        string beforeRestart;
        await using (var first = new OnDatabase(DatabaseProvider.Sqlite, database))
        {
            using (var enrolled = await PortalBrowser.SignedInAsync(first, Officer))
            {
                key = enrolled.AuthenticatorKey!;
            }

            await StoreKeyAsync(first, Officer, key); // as an earlier version stored it
            beforeRestart = await SignInWithAsync(first, key);
        }

        await using var second = new OnDatabase(DatabaseProvider.Sqlite, database);
        var stored = await StoredKeyAsync(second, Officer);
        second.Clock.Advance(TimeSpan.FromSeconds(30)); // its clock starts again where the first's did: past the steps used
        var afterRestart = await SignInWithAsync(second, key);

        Assert.Contains("class=\"who\"", beforeRestart, StringComparison.Ordinal);
        Assert.StartsWith(AuthenticatorKeyVault.SealedPrefix, stored, StringComparison.Ordinal);
        Assert.Contains("class=\"who\"", afterRestart, StringComparison.Ordinal);
        DeleteQuietly(folder);
    }

    [PostgresFact]
    public async Task On_PostgreSQL_the_stored_key_is_sealed_and_another_node_signs_in_with_it()
    {
        await using var broker = new PostgresBrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, Officer);
        var stored = await StoredKeyAsync(broker, Officer);

        await using var otherNode = new OnDatabase(DatabaseProvider.Postgres, broker.ConnectionString);
        var page = await SignInWithAsync(otherNode, officer.AuthenticatorKey!);

        Assert.DoesNotContain(officer.AuthenticatorKey!, stored, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("class=\"who\"", page, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task On_PostgreSQL_a_key_stored_in_clear_is_sealed_when_a_node_starts_and_still_signs_in()
    {
        await using var broker = new PostgresBrokerFactory();
        using var officer = await PortalBrowser.SignedInAsync(broker, Officer);
        await StoreKeyAsync(broker, Officer, officer.AuthenticatorKey!);

        await using var startedLater = new OnDatabase(DatabaseProvider.Postgres, broker.ConnectionString);
        var stored = await StoredKeyAsync(startedLater, Officer);
        var page = await SignInWithAsync(startedLater, officer.AuthenticatorKey!);

        Assert.StartsWith(AuthenticatorKeyVault.SealedPrefix, stored, StringComparison.Ordinal);
        Assert.Contains("class=\"who\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_whose_key_cannot_be_opened_is_asked_for_no_code_and_signs_in_again_after_a_reset()
    {
        await using var broker = new BrokerFactory();
        using (var enrolled = await PortalBrowser.SignedInAsync(broker, Officer))
        {
            await StoreKeyAsync(broker, Officer, await SealedElsewhereAsync(broker, Officer, enrolled.AuthenticatorKey!));
        }

        using var locked = new PortalBrowser(broker, Officer);
        var formToken = await locked.FormTokenAsync("/portal/account/login"); // the code step shows no form to take it from
        var codeStep = await locked.PostFormAsync("/portal/account/login", new() { ["Email"] = Officer, ["Password"] = DevelopmentSeed.DemoPassword });
        var posted = await locked.PostAsync(codeStep.Path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Code"] = "123456", ["__RequestVerificationToken"] = formToken,
        }));
        var failures = await broker.WithDbAsync(db => db.Users.Where(u => u.Email == Officer).Select(u => u.AccessFailedCount).SingleAsync());

        using var admin = await PortalBrowser.SignedInAsync(broker, Admin);
        var reset = await admin.PostFormAsync("/portal/admin?handler=ResetSignIn", new() { ["Id"] = await PortalBrowser.UserIdAsync(broker, Officer) });
        using var again = new PortalBrowser(broker, Officer);
        var withOneTime = await again.PostFormAsync("/portal/account/login", new()
        {
            ["Email"] = Officer, ["Password"] = PortalHtml.ShownSecret(reset.Body),
        });
        var chosen = await again.PostFormAsync(withOneTime.Path, new() { ["NewPassword"] = OwnPassword, ["ConfirmPassword"] = OwnPassword });
        var signedIn = await again.CodeStepAsync(chosen);

        Assert.Equal(HttpStatusCode.OK, codeStep.Status);
        Assert.Contains("data-testid=\"authenticator-unreadable\"", codeStep.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"Code\"", codeStep.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, posted.Status);
        Assert.Contains("data-testid=\"authenticator-unreadable\"", posted.Body, StringComparison.Ordinal);
        Assert.Equal(0, failures);
        Assert.Contains("class=\"who\"", signedIn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_not_yet_enrolled_whose_key_cannot_be_opened_is_shown_a_new_one_and_enrols_with_it()
    {
        await using var broker = new BrokerFactory();
        using var officer = new PortalBrowser(broker, Officer);
        var enrolment = await officer.PostFormAsync("/portal/account/login", new() { ["Email"] = Officer, ["Password"] = DevelopmentSeed.DemoPassword });
        var shown = PortalHtml.EnrolmentKey(enrolment.Body).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        await StoreKeyAsync(broker, Officer, await SealedElsewhereAsync(broker, Officer, shown));

        using var again = await officer.Client.GetAsync(enrolment.Path);
        var page = await again.Content.ReadAsStringAsync();
        var signedIn = await officer.CodeStepAsync((again.StatusCode, enrolment.Path, page));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.NotEqual(shown, officer.AuthenticatorKey);
        Assert.Contains("class=\"who\"", signedIn, StringComparison.Ordinal);
    }

    /// <summary>A broker on a database the test names, migrated already: a restart, or a second node.</summary>
    private sealed class OnDatabase(DatabaseProvider provider, string connectionString) : BrokerFactory(provider, connectionString, migrated: true);

    private static (string Folder, string ConnectionString) MigratedSqliteFile()
    {
        var folder = Directory.CreateTempSubdirectory("eb-authenticator-").FullName;
        var file = Path.Combine(folder, "broker.db");
        MigratedDatabases.CopySqliteTo(file);
        return (folder, $"Data Source={file}");
    }

    private static void DeleteQuietly(string folder)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a finishing background task; the OS temp cleaner takes it.
        }
    }

    /// <summary>
    /// Password and the code <paramref name="key"/> gives for the next 30-second step, on a browser new to
    /// <paramref name="broker"/> (the step of the sign-in before is used).
    /// </summary>
    private static async Task<string> SignInWithAsync(BrokerFactory broker, string key)
    {
        using var browser = new PortalBrowser(broker, Officer);
        broker.Clock.Advance(TimeSpan.FromSeconds(30));
        var code = new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(broker.Clock.GetUtcNow().UtcDateTime);
        return await browser.SignInAsync(code: code);
    }

    private static Task<string> StoredKeyAsync(BrokerFactory broker, string email) =>
        broker.WithDbAsync(db => KeyRow(db, email).Select(t => t.Value!).SingleAsync());

    /// <summary>Writes <paramref name="value"/> over the user's stored key, as an earlier version or another deployment wrote it.</summary>
    private static Task<int> StoreKeyAsync(BrokerFactory broker, string email, string value) =>
        broker.WithDbAsync(db => KeyRow(db, email).ExecuteUpdateAsync(set => set.SetProperty(t => t.Value, value)));

    private static IQueryable<Microsoft.AspNetCore.Identity.IdentityUserToken<string>> KeyRow(BrokerDbContext db, string email) =>
        db.UserTokens.Where(t => t.LoginProvider == IdentityLoginProvider && t.Name == IdentityKeyName
                                 && db.Users.Any(u => u.Id == t.UserId && u.Email == email));

    /// <summary><paramref name="key"/> sealed with data-protection keys this broker does not have, as if its own were lost.</summary>
    private static async Task<string> SealedElsewhereAsync(BrokerFactory broker, string email, string key) =>
        new AuthenticatorKeyVault(new EphemeralDataProtectionProvider()).Seal(await PortalBrowser.UserIdAsync(broker, email), key);


}
