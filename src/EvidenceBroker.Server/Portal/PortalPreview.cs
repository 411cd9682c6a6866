using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.ReferenceData;
using EvidenceBroker.Server.Routing;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace EvidenceBroker.Server.Portal;

/// <summary>What the officer sees while typing: the fields still wrong, and what the active pack would decide.</summary>
public sealed record PreviewResult(IDictionary<string, string[]> Errors, PreviewDecision? Decision);

public sealed record PreviewDecision(
    string Outcome, string OutcomeLabel, string Explanation, string Channel, string ChannelLabel,
    IReadOnlyList<string> Deadlines, IReadOnlyList<PreviewReason> Reasons, string PolicyVersion);

public sealed record PreviewReason(string Rule, string Status, string StatusLabel, string Message, string Source, bool Deciding);

/// <summary>
/// The dry run of the policy API, for the portal: same validator, same active engine, same suspensions, nothing
/// stored. The engine still decides when some fields are wrong, so the officer sees both at once.
/// </summary>
public sealed class PortalPreview(
    IValidator<RequestContent> validator, PolicyRegistry registry, BrokerDbContext db, ProviderJurisdictions providers, TimeProvider clock)
{
    public async Task<PreviewResult> PreviewAsync(RequestContent content, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        foreach (var (field, messages) in (await validator.ValidateAsync(content, ct)).Errors.ToProblemErrors())
        {
            errors.TryAdd(field, messages);
        }

        var jurisdiction = await providers.FindAsync(db, content.ProviderId, ct);
        if (jurisdiction is null)
        {
            errors.TryAdd("providerId", ["Choose the provider the request is addressed to."]);
            return new PreviewResult(errors, null);
        }

        if (CrossBorder.Refusal(content.RequestingCountry, jurisdiction) is { } domestic)
        {
            errors.TryAdd("providerId", [domestic]);
            return new PreviewResult(errors, null);
        }

        var policy = await registry.InForceAsync(db, ct);
        var decision = policy.Evaluate(content, jurisdiction, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        return new PreviewResult(errors, Describe(decision));
    }

    public static PreviewDecision Describe(Decision decision)
    {
        var deciding = decision.Deciding.ToHashSet(StringComparer.Ordinal);
        return new PreviewDecision(
            Errors.Wire.Name(decision.Outcome), PortalText.Outcome(decision.Outcome),
            PortalText.OutcomeExplained(decision.Outcome, decision.Channel),
            Errors.Wire.Name(decision.Channel), PortalText.Channel(decision.Channel),
            [.. decision.Deadlines.Select(PortalText.Deadline)],
            [.. decision.Reasons
                .OrderBy(r => r.Status == RuleStatus.Failed ? 0 : 1)
                .Select(r => new PreviewReason(r.Rule, r.Status.ToString(), PortalText.RuleStatusText(r.Status), r.Message, r.Source, deciding.Contains(r.Rule)))],
            decision.PolicyVersion);
    }
}
