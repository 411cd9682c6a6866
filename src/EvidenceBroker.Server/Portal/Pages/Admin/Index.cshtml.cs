using System.Security.Cryptography;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Routing;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace EvidenceBroker.Server.Portal.Pages.Admin;

/// <summary>
/// The directory: agencies, providers, portal users and API clients. Each addition is audited; an API client's
/// secret is generated here and shown exactly once, in the response to the POST that created it. An API client can
/// be disabled here, and enabled again, each switch audited too.
/// </summary>
public sealed class IndexModel(
    BrokerDbContext db, Enrolment enrolment, IOpenIddictApplicationManager applications, AuditTrail audit, IPolicyCatalogue catalogue) : PageModel
{
    public List<Agency> Agencies { get; private set; } = [];
    public List<ReferenceData.Provider> Providers { get; private set; } = [];
    public List<PortalUser> Users { get; private set; } = [];
    public List<ApiClient> Clients { get; private set; } = [];
    public Dictionary<string, string> Errors { get; } = [];

    /// <summary>The form the post was refused in, shown again with what was typed; the other forms stay empty.</summary>
    public RefusedForm RefusedForm { get; private set; } = RefusedForm.None;

    public const string AgencyForm = "agency";
    public const string ProviderForm = "provider";
    public const string UserForm = "user";
    public const string ClientForm = "client";

    public string? ShownSecret { get; private set; }
    public string? ShownSecretFor { get; private set; }

    [BindProperty] public string? Kind { get; set; }
    [BindProperty] public string? Id { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Country { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Role { get; set; }
    [BindProperty] public string? TenantId { get; set; }
    [BindProperty] public bool? Disable { get; set; }
    [BindProperty] public bool Desk { get; set; }

    private Caller Me => Caller.From(User)!;

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAgencyAsync(CancellationToken ct)
    {
        var country = Country?.Trim() ?? "";
        Check(RequestContentValidator.IsSlug(Id ?? ""), "agency.id", "Lower-case letters, digits and hyphens, at most 64.");
        Check(CountryCode.IsValid(country), "agency.country", CountryCode.Rule);
        Check(!CountryCode.IsValid(country) || await catalogue.KnowsCountryAsync(db, country, ct), "agency.country",
            "Not a country of the active policy pack: its agencies could file nothing.");
        CheckName("agency.name", "Name the agency");
        if (Errors.Count == 0 && !await RegisterAsync(
                db.Agencies, new Agency { Id = Id!, Country = country, Name = Name!.Trim() },
                new AuditRecord("agency.registered", "agency", Id!, new { country, name = Name.Trim() }), ct))
        {
            Errors["agency.id"] = "This id is taken.";
        }

        if (Errors.Count > 0) { return await RefusedFormAsync(AgencyForm, ct); }

        TempData["Flash"] = $"Agency {Id} registered.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostProviderAsync(CancellationToken ct)
    {
        var country = Country?.Trim() ?? "";
        Check(RequestContentValidator.IsSlug(Id ?? ""), "provider.id", "Lower-case letters, digits and hyphens, at most 64.");
        Check(CountryCode.IsValid(country), "provider.country", CountryCode.Rule);
        Check(!CountryCode.IsValid(country) || CountryCode.IsAssigned(country), "provider.country", "Not a country ISO 3166-1 assigns.");
        CheckName("provider.name", "Name the provider");
        if (Errors.Count == 0 && !await RegisterAsync(
                db.Providers, new ReferenceData.Provider { Id = Id!, Jurisdiction = country, Name = Name!.Trim() },
                new AuditRecord("provider.registered", "provider", Id!, new { jurisdiction = country, name = Name.Trim() }), ct))
        {
            Errors["provider.id"] = "This id is taken.";
        }

        if (Errors.Count > 0) { return await RefusedFormAsync(ProviderForm, ct); }

        TempData["Flash"] = $"Provider {Id} registered.";
        return RedirectToPage();
    }

    /// <summary>A new user gets a one-time password shown here; at first sign-in they choose their own, then enrol an authenticator.</summary>
    public async Task<IActionResult> OnPostUserAsync(CancellationToken ct)
    {
        var tenant = await TenantAsync(Role is null ? null : PortalRoles.TenantKindFor(Role), "user", ct);
        Check(!string.IsNullOrWhiteSpace(Email) && Email.Contains('@', StringComparison.Ordinal) && Email.Length <= 256, "user.email", "An email address.");
        CheckName("user.name", "The person's name");
        if (Errors.Count > 0 || tenant is null) { return await RefusedFormAsync(UserForm, ct); }

        var password = AccountSecurity.OneTimePassword();
        var user = new PortalUser
        {
            UserName = Email!.Trim(), Email = Email.Trim(), EmailConfirmed = true, DisplayName = Name!.Trim(), Role = Role!,
            TenantKind = tenant.Kind, TenantId = tenant.Id, Country = tenant.Country, PasswordChangeRequired = true,
        };
        var created = await enrolment.CreateUserAsync(Me, user, password, ct);
        if (!created.Succeeded)
        {
            Errors["user.email"] = string.Join(" ", created.Errors.Select(e => e.Description));
            return await RefusedFormAsync(UserForm, ct);
        }

        return await ShowOnceAsync($"First-time password for {user.Email}", password, ct);
    }

    public async Task<IActionResult> OnPostClientAsync(CancellationToken ct)
    {
        // Only the names the form offers: Enum.TryParse would also read "3" as a kind, and "99" as none of them.
        TenantKind? kind = Enum.GetValues<TenantKind>().Select(k => (TenantKind?)k).FirstOrDefault(k => k.ToString() == Kind);
        Check(kind is not null, "client.kind", "Choose the tenant kind.");
        var tenant = await TenantAsync(kind, "client", ct);
        Check(RequestContentValidator.IsSlug(Id ?? ""), "client.id", "Lower-case letters, digits and hyphens, at most 64.");
        CheckName("client.name", "Name the client");
        var scopes = kind is not { } chosen ? null : Desk ? BrokerScopes.DeskFor(chosen) : BrokerScopes.DefaultFor(chosen);
        Check(kind is null || scopes is not null, "client.desk", "Only an agency (its supervisors) or the administration (the review desk) has a desk.");
        if (Errors.Count == 0 && (await db.ApiClients.AnyAsync(c => c.ClientId == Id, ct) || await applications.FindByClientIdAsync(Id!, ct) is not null))
        {
            Errors["client.id"] = "This client id is taken.";
        }

        if (Errors.Count > 0 || tenant is null) { return await RefusedFormAsync(ClientForm, ct); }

        var secret = NewClientSecret();
        if (!await enrolment.RegisterClientAsync(Me, Id!, secret, Name!.Trim(), tenant, scopes!, ct))
        {
            Errors["client.id"] = "This client id is taken.";
            return await RefusedFormAsync(ClientForm, ct);
        }

        return await ShowOnceAsync($"Client secret for {Id}", secret, ct);
    }

    /// <summary>
    /// For someone who lost their password or authenticator: a new one-time password shown here once, the
    /// authenticator and every session gone. Administrators do not reset their own: another administrator does.
    /// </summary>
    public async Task<IActionResult> OnPostResetSignInAsync([FromServices] AccountSecurity accounts, CancellationToken ct)
    {
        if (Id is not null && Id == Me.Subject)
        {
            return await RefusedAsync("user.reset", "Another administrator resets your own sign-in.", ct);
        }

        return Id is not null && await accounts.ResetSignInAsync(Me, Id, ct) is { } password
            ? await ShowOnceAsync($"One-time password for {await db.Users.Where(u => u.Id == Id).Select(u => u.Email).SingleAsync(ct)}", password, ct)
            : await RefusedAsync("user.reset", "No portal user with this id.", ct);
    }

    /// <summary>A new secret for an API client, shown here once; the old one stops working.</summary>
    public async Task<IActionResult> OnPostClientSecretAsync(CancellationToken ct)
    {
        var secret = NewClientSecret();
        return Id is not null && await enrolment.RenewClientSecretAsync(Me, Id, secret, ct)
            ? await ShowOnceAsync($"New client secret for {Id}", secret, ct)
            : await RefusedAsync("client.switch", "No API client with this id.", ct);
    }

    /// <summary>Disables an API client (its tokens are refused from now on) or enables it again.</summary>
    public async Task<IActionResult> OnPostClientSwitchAsync([FromServices] ApiClientSwitch clients, CancellationToken ct)
    {
        // A missing or unreadable choice is refused, not read as "enable".
        if (Disable is not { } disable)
        {
            Errors["client.switch"] = "Say whether to disable or enable the client.";
            await LoadAsync(ct);
            return Page();
        }

        if (Id is null || !await clients.SetDisabledAsync(Me, Id, disable, ct))
        {
            Errors["client.switch"] = "No API client with this id.";
            await LoadAsync(ct);
            return Page();
        }

        TempData["Flash"] = disable ? $"API client {Id} disabled: the tokens it holds are refused from now on." : $"API client {Id} enabled.";
        return RedirectToPage();
    }

    private async Task<Tenant?> TenantAsync(TenantKind? kind, string form, CancellationToken ct)
    {
        var id = TenantId?.Trim() ?? "";
        switch (kind)
        {
            case TenantKind.Agency:
                var agency = await db.Agencies.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct);
                Check(agency is not null, $"{form}.tenant", "No agency with this id.");
                return agency is null ? null : Tenant.Agency(agency.Country, agency.Id);
            case TenantKind.Provider:
                var known = await db.Providers.AnyAsync(p => p.Id == id, ct);
                Check(known, $"{form}.tenant", "No provider with this id.");
                return known ? Tenant.Provider(id) : null;
            case TenantKind.Oversight:
                Check(RequestContentValidator.IsSlug(id), $"{form}.tenant", "The oversight body's id.");
                return Tenant.Oversight(id);
            case TenantKind.Administration:
                Check(RequestContentValidator.IsSlug(id), $"{form}.tenant", "The administration's id.");
                return Tenant.Administration(id);
            default:
                Check(false, $"{form}.role", "Choose a role.");
                return null;
        }
    }

    /// <summary>
    /// Adds <paramref name="entry"/> with its audit record; false, writing nothing, when its id is taken. The id is
    /// looked up inside the write, which serialises writers, so a double-click cannot pass the check twice.
    /// </summary>
    private async Task<bool> RegisterAsync<TEntry>(DbSet<TEntry> directory, TEntry entry, AuditRecord record, CancellationToken ct)
        where TEntry : class
    {
        await using var transaction = await db.BeginWriteAsync(ct);
        if (await directory.FindAsync([record.SubjectId], ct) is not null)
        {
            return false;
        }

        directory.Add(entry);
        await audit.AppendAsync(db, Me, record, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>The page again, showing <paramref name="secret"/> once: the broker keeps only its hash.</summary>
    private async Task<IActionResult> ShowOnceAsync(string title, string secret, CancellationToken ct)
    {
        ShownSecretFor = title;
        ShownSecret = secret;
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>The page again, <paramref name="form"/> holding what was typed and showing <see cref="Errors"/>, the other forms empty.</summary>
    private async Task<IActionResult> RefusedFormAsync(string form, CancellationToken ct)
    {
        RefusedForm = new RefusedForm(form, Errors);
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>The page again, with <paramref name="message"/> under the table that <paramref name="field"/> names (a reset, a client's secret).</summary>
    private async Task<IActionResult> RefusedAsync(string field, string message, CancellationToken ct)
    {
        Errors[field] = message;
        await LoadAsync(ct);
        return Page();
    }

    private static string NewClientSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private void Check(bool ok, string field, string message)
    {
        if (!ok) { Errors.TryAdd(field, message); }
    }

    /// <summary>
    /// A name the directory stores is printed in dossiers and MLAT drafts ("Investigating agency") and shown in the
    /// portal: the API's rules for free text (no control characters) and for identifiers (no invisible,
    /// direction-changing or look-alike characters) hold for it too, or "Bad\u202Eevil" would print reversed.
    /// </summary>
    private void CheckName(string field, string ask) =>
        Check(!string.IsNullOrWhiteSpace(Name) && Name.Length <= MaxNameLength && FreeText.IsValid(Name) && IdentifierText.IsPlain(Name), field,
            $"{ask} (at most {MaxNameLength} characters, without control, invisible or direction-changing characters).");

    private const int MaxNameLength = 200;

    private async Task LoadAsync(CancellationToken ct)
    {
        Agencies = await db.Agencies.AsNoTracking().OrderBy(a => a.Country).ThenBy(a => a.Name).ToListAsync(ct);
        Providers = await db.Providers.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct);
        Users = await db.Users.AsNoTracking().OrderBy(u => u.TenantKind).ThenBy(u => u.Email).ToListAsync(ct);
        Clients = await db.ApiClients.AsNoTracking().OrderBy(c => c.ClientId).ToListAsync(ct);
    }
}
