using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Routing;

public sealed record WhatIfChange(
    Guid RequestId, string Reference, Outcome Before, LegalInstrument BeforeChannel, Outcome After, LegalInstrument AfterChannel,
    IReadOnlyList<string> DecidingAfter);

/// <summary>How many stored decisions a candidate pack would decide differently, and which.</summary>
public sealed record WhatIfReport(
    string CandidateVersion, string CandidateLabel, string? ActiveVersion, int Replayed, int Changed,
    IReadOnlyDictionary<string, int> Transitions, IReadOnlyList<WhatIfChange> Changes);

/// <summary>
/// Re-decides every stored request under a candidate pack, with the exact input each was decided on (same date,
/// same suspensions), so that the only difference is the pack. Nothing changes but the audit trail: each comparison
/// is recorded with who asked and its totals, since the list it returns (references, outcomes and the rules that
/// decide after) says something of each request, and comparing many candidates could say more.
/// </summary>
public sealed class PolicyWhatIf(BrokerDbContext db, AuditTrail audit)
{
    public const int MaxListedChanges = 1000;

    public async Task<WhatIfReport> CompareAsync(PolicyEngine candidate, Caller caller, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var report = await CompareAsync(candidate, ct);
        await using var transaction = await db.BeginWriteAsync(ct);
        await audit.AppendAsync(db, caller, new AuditRecord("policy.what-if", "policy", report.CandidateVersion,
            new { report.CandidateLabel, report.ActiveVersion, report.Replayed, report.Changed, report.Transitions }), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return report;
    }

    private async Task<WhatIfReport> CompareAsync(PolicyEngine candidate, CancellationToken ct)
    {
        var active = await PolicyRegistry.ActiveVersionAsync(db, ct);
        var stored = db.Decisions.AsNoTracking()
            .Join(db.Requests.AsNoTracking(), d => d.RequestId, r => r.Id,
                (d, r) => new { d.RequestId, r.Reference, d.Outcome, d.Channel, d.InputJson })
            .OrderBy(d => d.RequestId)
            .AsAsyncEnumerable();

        var replayed = 0;
        var changed = 0;
        var transitions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var changes = new List<WhatIfChange>();
        await foreach (var decision in stored.WithCancellation(ct))
        {
            replayed++;
            var after = candidate.Evaluate(StoredPolicyInput.FromJson(decision.InputJson).ToInput());
            var beforeChannel = decision.Channel ?? LegalInstrument.Mlat;
            if (after.Outcome == decision.Outcome && after.Channel == beforeChannel)
            {
                continue;
            }

            changed++;
            var key = $"{Errors.Wire.Name(decision.Outcome)} ({Errors.Wire.Name(beforeChannel)}) → {Errors.Wire.Name(after.Outcome)} ({Errors.Wire.Name(after.Channel)})";
            transitions[key] = transitions.GetValueOrDefault(key) + 1;
            if (changes.Count < MaxListedChanges)
            {
                changes.Add(new WhatIfChange(decision.RequestId, decision.Reference, decision.Outcome, beforeChannel, after.Outcome, after.Channel, after.Deciding));
            }
        }

        return new WhatIfReport(candidate.Pack.Version, candidate.Pack.Label, active, replayed, changed, transitions, changes);
    }
}
