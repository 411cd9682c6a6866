using System.Globalization;
using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Auth;
using EvidenceBroker.Server.Exports.Pdf;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Requests;
using EvidenceBroker.Server.Routing;
using Microsoft.EntityFrameworkCore;
using SlaDeadline = EvidenceBroker.Server.Sla.Deadline;

namespace EvidenceBroker.Server.Exports;

/// <summary>The reviewer's decision on a request the engine sent to human review, kept beside the engine's reasons.</summary>
public sealed record HumanReviewSummary(string Reviewer, DateTimeOffset DecidedAt, string Outcome, string Reasons);

/// <summary>
/// Everything the dossier of one request shows, read in one go. The provider's copy (<see cref="ProviderView"/>) lists
/// the audit entries from the request's release to it, not the reviewer's reasons, not who in the agency filed it, and
/// dates only the deadlines that bind the provider.
/// </summary>
public sealed record DossierData(
    EvidenceRequest Request,
    string AgencyName,
    string ProviderName,
    StoredDecision? Stored,
    Decision? Decision,
    HumanReviewSummary? Review,
    IReadOnlyList<AuditEntry> Audit,
    IReadOnlyList<AuditCheckpoint> Checkpoints,
    IReadOnlyList<SlaDeadline> Clocks,
    DateTimeOffset GeneratedAt,
    bool ProviderCopy = false)
{
    /// <summary>
    /// When and how the decision in force replaced the one made at filing (a supervisor's confirmation, a conversion, a
    /// reviewer's release), from the whole audit trail; null when it never was. In the provider's copy, one made before
    /// the request reached the provider is only said to have happened.
    /// </summary>
    public string? Revision { get; init; }

    /// <summary>
    /// When the decision in force was made, if it replaced the one made at filing and the reader may see how; the
    /// stored decision keeps the filing's time, which the reports measure from.
    /// </summary>
    public DateTimeOffset? RevisedAt { get; init; }

    /// <summary>The outcome and policy version decided at filing, when <see cref="RevisedAt"/> is set, as the audit entry keeps them.</summary>
    public string? DecidedAtFiling { get; init; }
}

public static class DossierQuery
{
    /// <summary>Null when the caller may not see the request (the endpoint answers 404).</summary>
    public static async Task<DossierData?> LoadAsync(
        BrokerDbContext db, AuditSigningKey key, Caller caller, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(key);
        var request = await db.RequestsVisibleTo(caller).AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (request is null)
        {
            return null;
        }

        var stored = await db.Decisions.AsNoTracking().SingleOrDefaultAsync(d => d.RequestId == id, ct);
        var agency = await db.Agencies.AsNoTracking().Where(a => a.Id == request.AgencyId).Select(a => a.Name).SingleOrDefaultAsync(ct);
        var provider = await db.Providers.AsNoTracking().Where(p => p.Id == request.ProviderId).Select(p => p.Name).SingleOrDefaultAsync(ct);
        var subject = id.ToString();
        var audit = await db.AuditEntries.AsNoTracking()
            .Where(e => e.SubjectType == "request" && e.SubjectId == subject)
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        var providerCopy = ProviderView.IsFor(caller);
        var revision = Revision(audit);
        if (providerCopy)
        {
            audit = ProviderView.Events(audit);
            if (revision is not null && !audit.Any(e => e.Sequence == revision.Value.Entry.Sequence))
            {
                revision = (revision.Value.Entry, "yes, before the request reached you: the decision shown is the one in force", Hidden: true, revision.Value.DecidedAtFiling);
            }
        }

        // For each entry the first checkpoint at or after it, and only those: a request's entries can lie months apart
        // (an MLAT request's breach at ten months), with a checkpoint every quarter of an hour in between.
        var checkpoints = new List<AuditCheckpoint>();
        foreach (var entry in audit)
        {
            if (checkpoints.Count > 0 && checkpoints[^1].Sequence >= entry.Sequence)
            {
                continue; // the one found for an earlier entry is the first at or after this one too
            }

            if (await FirstSignedCheckpointAsync(db, key, entry.Sequence, ct) is not { } covering)
            {
                break; // none yet for this entry, so none for the later ones either
            }

            checkpoints.Add(covering);
        }

        var clocks = (await db.Deadlines.AsNoTracking().Where(d => d.RequestId == id).ToListAsync(ct))
            .Where(d => !providerCopy || ProviderView.Keeps(d.Kind)).OrderBy(d => d.StartsAt).ThenBy(d => d.Id).ToList();
        var review = await db.RequestNotes.AsNoTracking()
            .Where(n => n.RequestId == id && n.Kind == RequestNote.ReviewKind)
            .OrderByDescending(n => n.At)
            .FirstOrDefaultAsync(ct);
        return new DossierData(
            request, agency ?? request.AgencyId, provider ?? request.ProviderId, stored,
            DecisionJsonReader.ReadOrNull(stored?.DecisionJson),
            review is null ? null : new HumanReviewSummary(review.Author, review.At, ReviewOutcome(review.Grounds), review.Text),
            audit, checkpoints, clocks, now, providerCopy)
        {
            Revision = revision?.Text,
            RevisedAt = revision is { Hidden: false } shown ? shown.Entry.At : null,
            DecidedAtFiling = revision is { Hidden: false } told ? told.DecidedAtFiling : null,
        };
    }

    /// <summary>
    /// The first checkpoint at or after <paramref name="sequence"/> whose signature the broker's key verifies: a row
    /// written into the table from outside, or signed by a key the broker cannot check, is not presented as a checkpoint.
    /// </summary>
    private static async Task<AuditCheckpoint?> FirstSignedCheckpointAsync(BrokerDbContext db, AuditSigningKey key, long sequence, CancellationToken ct)
    {
        var candidates = db.AuditCheckpoints.AsNoTracking().Where(c => c.Sequence >= sequence).OrderBy(c => c.Sequence).ThenBy(c => c.Id);
        await foreach (var checkpoint in candidates.AsAsyncEnumerable().WithCancellation(ct))
        {
            if (checkpoint.SignatureValid(key))
            {
                return checkpoint;
            }
        }

        return null;
    }

    /// <summary>The latest entry that replaced the decision made at filing, and what the dossier says of it.</summary>
    private static (AuditEntry Entry, string Text, bool Hidden, string DecidedAtFiling)? Revision(IReadOnlyList<AuditEntry> audit)
    {
        foreach (var entry in audit.OrderByDescending(e => e.Sequence))
        {
            // Payloads are written with the public model's camelCase names (RevisedDecision.AuditRecordReplacing).
            using var payload = JsonDocument.Parse(entry.PayloadJson);
            if (payload.RootElement.TryGetProperty("decision", out var revised) && revised.ValueKind == JsonValueKind.Object
                && revised.TryGetProperty("superseded", out var superseded))
            {
                var outcome = superseded.TryGetProperty("outcome", out var o) ? o.ToString() : "?";
                var hash = superseded.TryGetProperty("decisionHash", out var h) ? h.GetString() : "";
                var version = superseded.TryGetProperty("policyVersion", out var v) ? v.ToString() : "?";
                return (entry, $"{Formatting.Time(entry.At)}, by {entry.Action} (audit entry #{entry.Sequence.ToString(CultureInfo.InvariantCulture)}), " +
                               $"replacing the decision made at filing: {outcome}, hash {hash}", Hidden: false, $"{outcome}, policy {version}");
            }
        }

        return null;
    }

    /// <summary>The review note keeps the trigger the reviewer chose; the dossier says where it sent the request.</summary>
    private static string ReviewOutcome(string? trigger) => trigger switch
    {
        "approve-direct" => "approved for the direct channel",
        "send-to-mlat" => "MLAT",
        "reject" => "rejected",
        _ => trigger ?? "recorded",
    };
}

/// <summary>The decision dossier of one request, as a court or oversight body would read it.</summary>
public static class DossierDocument
{
    public static byte[] Render(DossierData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var request = data.Request;
        var content = request.Content;
        using var pdf = new PdfLayout();
        pdf.Title($"Decision dossier {request.Reference}",
            $"Request {request.Id} · state {Formatting.Name(request.State)} · generated {Formatting.Time(data.GeneratedAt)}");

        pdf.Heading("1. Request");
        pdf.Fields(
        [
            ("Reference", request.Reference),
            ("Requesting", $"{request.RequestingCountry} · {data.AgencyName} ({request.AgencyId})"),
            ("Provider", $"{data.ProviderName} ({request.ProviderId}), jurisdiction {request.ProviderJurisdiction}"),
            ("Filed", data.ProviderCopy ? Formatting.Time(request.FiledAt) : $"{Formatting.Time(request.FiledAt)} by {request.FiledBy}"),
            ("Legal instrument asked", content.LegalInstrument is { } asked ? Formatting.Name(asked) : "none named: broker picks the channel"),
            ("Urgency", Formatting.Name(content.Urgency) + (content.EmergencyThreat is { } threat ? $" — threat: {threat}" : string.Empty)),
            ("Data categories", string.Join(", ", content.DataCategories.Select(c => Formatting.Name(c)))),
            ("Identifiers", string.Join("\n", content.Identifiers.Select(i => $"{Formatting.Name(i.Type)}: {i.Value}" +
                (i.From is not null || i.To is not null ? $" ({Formatting.Instant(i.From, "…")} – {Formatting.Instant(i.To, "…")})" : string.Empty)))),
            ("Time range", content.TimeRange is { } range ? $"{Formatting.Instant(range.From)} – {Formatting.Instant(range.To)}" : "not stated"),
            ("Offence", $"{content.Offence.Description}" + (content.Offence.Code is { } code ? $" [{code}]" : string.Empty) +
                        string.Create(CultureInfo.InvariantCulture, $"; max. penalty {content.Offence.MaxPenaltyYears} years") +
                        (content.Offence.ListedOffence ? "; listed offence" : string.Empty)),
            ("Issuing authority", $"{Formatting.Name(content.IssuingAuthority.Type)}: {content.IssuingAuthority.Name}"),
            ("Validated by", content.ValidatedBy is { } v ? $"{Formatting.Name(v.Type)}: {v.Name}" : "—"),
            ("Target", content.Target is { } t ? $"nationality {t.Nationality ?? "?"}, residence {t.Residence ?? "?"}, located in {t.LocatedIn ?? "?"}" : "nothing stated"),
            ("Flags", content.Flags.Count == 0 ? "none" : string.Join(", ", content.Flags.Select(f => Formatting.Name(f)))),
            ("Use limits acknowledged", content.UseLimitsAcknowledged ? "yes" : "no"),
            ("Non-disclosure until", content.NonDisclosureUntil is { } until ? Formatting.Date(until) : "—"),
            ("Justification", content.Justification),
        ]);

        pdf.Heading("2. Decision");
        if (data.Decision is not { } decision || data.Stored is not { } stored)
        {
            pdf.Paragraph("No decision has been recorded for this request.");
        }
        else
        {
            pdf.Fields(
            [
                ("Outcome", Formatting.Name(decision.Outcome)),
                ("Channel", Formatting.Name(decision.Channel) + (decision.EvaluatedChannel is { } evaluated && evaluated != decision.Channel
                    ? $" (evaluated: {Formatting.Name(evaluated)})" : string.Empty)),
                ("Deciding rules", decision.Deciding.Count == 0 ? "none failed" : string.Join(", ", decision.Deciding)),
                ("Policy version", $"{decision.PolicyVersion} — {decision.PolicyLabel}"),
                ("Engine", decision.Engine ?? "not recorded (decided before the engine's build was kept with each decision)"),
                ("Evaluated on", Formatting.Date(decision.EvaluatedOn)),
                ("Decided at", Formatting.Time(data.RevisedAt ?? stored.DecidedAt)),
                ("Decision hash", AuditHashing.Sha256Hex(stored.DecisionJson)),
                ("Revised", data.Revision ?? "no: the decision made at filing"),
                ("Notifications", decision.Notifications.Count == 0 ? "none" : string.Join("\n", decision.Notifications.Select(n => $"{n.Country}: {n.Message} ({n.Source})"))),
            ]);
            pdf.Table(
                [new("Rule", 0.55f, Style: PdfStyle.SmallBold), new("Result", 0.95f), new("Message", 4.2f), new("Source", 2.3f)],
                decision.Reasons.Select(r => (IReadOnlyList<string>)
                [
                    r.Rule,
                    Formatting.Name(r.Status) + (r.Status == RuleStatus.Failed && r.OnFailure is { } onFailure ? $" → {Formatting.Name(onFailure)}" : string.Empty),
                    r.Message,
                    r.Source,
                ]));
        }

        pdf.Heading("3. Human review");
        if (data.Review is { } reviewed && data.ProviderCopy)
        {
            pdf.Fields([("Decided", Formatting.Time(reviewed.DecidedAt)), ("Outcome", reviewed.Outcome),
                ("Reasons", "Kept by the requesting agency, the review desk and oversight; not part of the provider's copy.")]);
        }
        else if (data.Review is { } review)
        {
            pdf.Fields([("Reviewer", review.Reviewer), ("Decided", Formatting.Time(review.DecidedAt)), ("Outcome", review.Outcome), ("Reasons", review.Reasons)]);
        }
        else
        {
            pdf.Paragraph("None: no human review has been recorded for this request.");
        }

        pdf.Heading("4. Timeline and deadlines");
        var events = new List<(DateTimeOffset At, string Event, string Detail)> { (request.FiledAt, "Filed", data.ProviderCopy ? data.AgencyName : request.FiledBy) };
        if (data.Stored is { } decided)
        {
            events.Add((decided.DecidedAt, "Decided", data.DecidedAtFiling ?? $"{Formatting.Name(decided.Outcome)}, policy {decided.PolicyVersion}"));
            if (data.RevisedAt is { } revisedAt)
            {
                events.Add((revisedAt, "Decided again", $"{Formatting.Name(decided.Outcome)}, policy {decided.PolicyVersion}"));
            }
        }

        if (request.ReleasedToProviderAt is { } released)
        {
            events.Add((released, "Released to provider", request.ProviderId));
        }

        events.AddRange(data.Audit.Select(e => (e.At, $"Audit #{e.Sequence.ToString(CultureInfo.InvariantCulture)}: {e.Action}",
            $"{e.ActorRole} {ActorId(data, e)}".TrimEnd() + (e.StateAfter is null ? string.Empty : $"; {e.StateBefore ?? "—"} → {e.StateAfter}"))));
        pdf.Table([new("When", 1.3f), new("Event", 1.8f), new("Detail", 3.4f)],
            events.OrderBy(e => e.At).Select(e => (IReadOnlyList<string>)[Formatting.Time(e.At), e.Event, e.Detail]));
        pdf.Fields(
        [
            ("Filed → decided", Formatting.Duration(data.Stored?.DecidedAt - request.FiledAt)),
            ("Filed → released", request.ReleasedToProviderAt is { } r2 ? Formatting.Duration(r2 - request.FiledAt) : "not released to the provider"),
        ]);
        Deadlines(pdf, data);

        pdf.Heading("5. Audit trail");
        if (data.ProviderCopy)
        {
            pdf.Paragraph("The provider's copy lists this request's entries from its release to the provider onwards.", PdfStyle.Small);
        }

        pdf.Paragraph("Each entry's hash covers its fields and the previous entry's hash (SHA-256 over the canonical encoding). " +
                      "The checkpoint is the first signed checkpoint whose chain head is at or after the entry.", PdfStyle.Small);
        pdf.Table(
            [new("#", 0.45f, PdfAlign.Right), new("When / actor", 1.9f), new("Action / state", 1.75f), new("Hash, previous hash, checkpoint", 4.6f, Style: PdfStyle.Hash)],
            data.Audit.Select(e =>
            {
                var checkpoint = data.Checkpoints.FirstOrDefault(c => c.Sequence >= e.Sequence);
                return (IReadOnlyList<string>)
                [
                    e.Sequence.ToString(CultureInfo.InvariantCulture),
                    $"{Formatting.PreciseTime(e.At)}\n{e.ActorRole} {ActorId(data, e)}".TrimEnd() + $"\n{e.ActorTenant}",
                    e.Action + (e.StateAfter is null ? string.Empty : $"\n{e.StateBefore ?? "—"} → {e.StateAfter}") +
                    (e.PolicyVersion is null ? string.Empty : $"\npolicy {e.PolicyVersion}"),
                    $"hash {e.Hash}\nprev {e.PreviousHash}\n" + (checkpoint is null
                        ? "checkpoint: none yet (the next signed checkpoint will cover it)"
                        : string.Create(CultureInfo.InvariantCulture, $"checkpoint #{checkpoint.Id} at entry {checkpoint.Sequence}, {Formatting.Time(checkpoint.At)}, key {checkpoint.KeyId}")),
                ];
            }));
        if (data.Checkpoints.Count > 0)
        {
            pdf.Paragraph("A checkpoint's signature covers these four lines, each ended by a line feed (UTF-8): " +
                          "\"evidence-broker audit checkpoint v1\", the entry it covers up to, its head hash, and its signing time as " +
                          "shown. A checkpoint that also vouches that the broker wrote the entries (it found each under the broker's " +
                          "seal) says \"v2\" instead of \"v1\" and adds a fifth line: the entry from which every entry is sealed, " +
                          "shown as \"sealed from\". The public keys, by key id, are in the broker's audit verification report.", PdfStyle.Small);
            pdf.Table(
                [new("Checkpoint", 0.8f), new("Covers up to", 0.75f), new("Signed", 1.75f), new("Head hash and signature (ECDSA P-256, base64)", 4.4f, Style: PdfStyle.Hash)],
                data.Checkpoints.Select(c => (IReadOnlyList<string>)
                [
                    string.Create(CultureInfo.InvariantCulture, $"#{c.Id}"),
                    c.SealedFrom is { } sealedFrom
                        ? string.Create(CultureInfo.InvariantCulture, $"{c.Sequence}\nsealed from {sealedFrom}")
                        : c.Sequence.ToString(CultureInfo.InvariantCulture),
                    $"{AuditCheckpoint.SignedTime(c.At)}\nkey {c.KeyId}", $"{c.HeadHash}\n{c.Signature}",
                ]));
        }

        return pdf.Render(new PdfInfo(
            $"Decision dossier {request.Reference}", $"Decision dossier of request {request.Id}", "Evidence Broker",
            "decision dossier; audit trail", $"{request.Reference} · generated {Formatting.Time(data.GeneratedAt)}", data.GeneratedAt));
    }

    /// <summary>
    /// The clocks as they run (an extension or a clarification's pause moves a due date; an emergency's validation runs
    /// from the filing, the others from the release), then every deadline the decision sets, as durations.
    /// </summary>
    /// <summary>
    /// When the decision in force replaced the one made at filing (a supervisor's confirmation of an emergency, a
    /// preservation converted to a production): when, by which action, and what it replaced, from the audit entry that
    /// recorded it. Null when it was never revised.
    /// </summary>
    /// <summary>The provider's copy names the agency's and the review desk's actors by role and tenant only.</summary>
    private static string ActorId(DossierData data, AuditEntry entry) =>
        data.ProviderCopy ? ProviderView.ActorId(entry, data.Request.ProviderId) : entry.ActorId;

    private static void Deadlines(PdfLayout pdf, DossierData data)
    {
        if (data.Clocks.Count > 0)
        {
            pdf.Paragraph("The clocks as they run.", PdfStyle.Small);
            pdf.Table(
                [new("Clock", 1.5f), new("Started", 1.3f), new("Due", 1.3f), new("Status", 1.4f), new("Source", 2.5f)],
                data.Clocks.Select(c => (IReadOnlyList<string>)
                    [Formatting.Name(c.Kind), Formatting.Time(c.StartsAt), Formatting.Time(c.DueAt), ClockStatus(c, data.GeneratedAt), c.Source]));
        }

        var set = data.Decision?.Deadlines.Where(d => !data.ProviderCopy || ProviderView.Keeps(d.Kind)).ToList() ?? [];
        if (set.Count > 0)
        {
            pdf.Paragraph("What the decision sets" + (data.Request.ReleasedToProviderAt is null ? " (the provider's clocks start on release)." : "."),
                PdfStyle.Small);
            pdf.Table([new("Deadline", 1.5f), new("Duration", 1.2f), new("Source", 4.2f)],
                set.Select(d => (IReadOnlyList<string>)
                    [Formatting.Name(d.Kind), Formatting.Length(d),
                        d.Source + (d.BrokerDefault && !d.Source.Contains("broker default", StringComparison.OrdinalIgnoreCase) ? " (broker default)" : string.Empty)]));
        }
    }

    private static string ClockStatus(SlaDeadline clock, DateTimeOffset now) => clock switch
    {
        { BreachedAt: not null, CompletedAt: { } completed } => $"missed; stopped {Formatting.Time(completed)}",
        { BreachedAt: not null } => "missed",
        { CompletedAt: { } completed } => $"stopped {Formatting.Time(completed)}",
        { PausedAt: { } paused } => $"paused since {Formatting.Time(paused)}",
        _ when clock.DueAt < now => $"passed {Formatting.Duration(now - clock.DueAt)} ago",
        _ => $"{Formatting.Duration(clock.DueAt - now)} left",
    };
}
