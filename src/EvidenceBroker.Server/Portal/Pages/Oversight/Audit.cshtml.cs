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

    public async Task OnGetAsync(CancellationToken ct)
    {
        Chain = await AuditVerifier.VerifyAsync(db, key, ct);
        Latest = await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Sequence).Take(30).ToListAsync(ct);
    }
}
