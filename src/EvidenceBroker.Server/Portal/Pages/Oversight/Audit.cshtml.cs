using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Portal.Pages.Oversight;

/// <summary>
/// Audit-chain status: every hash recomputed now and checked against the signed checkpoints (which alone show a tail
/// cut off), as <c>GET /api/v1/audit/verify</c> does, and the latest entries.
/// </summary>
public sealed class AuditModel(BrokerDbContext db, AuditSigningKey key) : PageModel
{
    public ChainVerification Chain { get; private set; } = null!;
    public List<AuditEntry> Latest { get; private set; } = [];

    /// <summary>An entry among the latest holds a value the broker never writes, such as a time that is no instant.</summary>
    public bool LatestUnreadable { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Chain = await AuditVerifier.VerifyAsync(db, key, ct);
        try
        {
            Latest = await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Sequence).Take(30).ToListAsync(ct);
        }
        catch (Exception e) when (!Chain.Intact && e is ArgumentException or InvalidOperationException or FormatException)
        {
            // Reading the entries failed on a value written from outside; the verification above says where. An intact
            // chain holds no such value, so there the failure is the broker's own and goes on as one.
            LatestUnreadable = true;
        }
    }

    /// <summary>The first twelve characters of a hash, as the page shows it; all of one that is shorter (written from outside).</summary>
    public static string Abbreviated(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
