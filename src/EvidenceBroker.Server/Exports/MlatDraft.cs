using System.Globalization;
using EvidenceBroker.Domain.Lifecycle;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Policies;
using EvidenceBroker.Server.Exports.Pdf;

namespace EvidenceBroker.Server.Exports;

/// <summary>
/// The pre-filled MLAT request a central authority starts from: the route from the decision, the facts and the
/// assistance sought from the request, up to the signature; then, in an annex for the central authority only, why no
/// direct channel was open.
/// </summary>
public static class MlatDraftDocument
{
    public static byte[] Render(DossierData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var request = data.Request;
        var content = request.Content;
        var route = data.Decision?.MlatRoute;
        using var pdf = new PdfLayout();
        pdf.Title("Request for mutual legal assistance — DRAFT",
            $"Prepared by Evidence Broker from request {request.Reference} on {Formatting.Time(data.GeneratedAt)}. To be reviewed and signed by the central authority.");

        pdf.Heading("1. Route");
        pdf.Fields(
        [
            ("From (requesting state)", route is null ? request.RequestingCountry : $"{route.RequestingState} — {route.RequestingCentralAuthority ?? "central authority (not registered in the pack)"}"),
            ("To (requested state)", route is null ? request.ProviderJurisdiction : $"{route.RequestedState} — {route.RequestedCentralAuthority ?? "central authority (not registered in the pack)"}"),
            ("Legal basis", route?.TreatyBasis ?? "to be stated by the central authority"),
            ("Our reference", request.Reference),
            ("Competent authority", $"{Formatting.Name(content.IssuingAuthority.Type)}: {content.IssuingAuthority.Name}" +
                                    (content.ValidatedBy is { } v ? $"; validated by {Formatting.Name(v.Type)}: {v.Name}" : string.Empty)),
            ("Investigating agency", $"{data.AgencyName} ({request.AgencyId})"),
        ]);

        pdf.Heading("2. Offence");
        pdf.Fields(
        [
            ("Description", content.Offence.Description),
            ("Legal provision", content.Offence.Code ?? "to be stated"),
            ("Maximum penalty", string.Create(CultureInfo.InvariantCulture, $"{content.Offence.MaxPenaltyYears} years")),
            ("Listed offence", content.Offence.ListedOffence ? "yes" : "no"),
        ]);

        pdf.Heading("3. Summary of the facts");
        pdf.Paragraph(content.Justification);

        pdf.Heading("4. Assistance requested");
        pdf.Paragraph($"{Assistance(content)} by {data.ProviderName} ({request.ProviderJurisdiction}) of the following data: " +
                      string.Join(", ", content.DataCategories.Select(c => Formatting.Name(c))) +
                      (content.TimeRange is { } range ? $", for the period {Formatting.Instant(range.From)} – {Formatting.Instant(range.To)}." : "."));
        pdf.Table([new("Identifier type", 1f), new("Value", 3f), new("Period", 2.2f)],
            content.Identifiers.Select(i => (IReadOnlyList<string>)
            [
                Formatting.Name(i.Type), i.Value,
                i.From is null && i.To is null ? "as above" : $"{Formatting.Instant(i.From, "…")} – {Formatting.Instant(i.To, "…")}",
            ]));

        pdf.Heading("5. Urgency, confidentiality and use");
        pdf.Fields(
        [
            ("Urgency", Formatting.Name(content.Urgency) + (content.EmergencyThreat is { } threat ? $": {threat}" : string.Empty)),
            ("Confidentiality", content.NonDisclosureUntil is { } until ? $"The person concerned should not be informed before {Formatting.Date(until)}." : "No request for confidentiality."),
            ("Use limits", content.UseLimitsAcknowledged
                ? "The requesting authority undertakes not to transfer the evidence to a third state without consent."
                : "Not yet acknowledged by the requesting authority."),
            ("Assurances", content.Flags.Contains(SensitiveCircumstance.DeathPenaltyPossible)
                ? "The death penalty is possible: assurances that it will not be sought or carried out are required." : "none required"),
            ("Circumstances", Circumstances(content) is { Length: > 0 } flagged
                ? $"The requesting authority flagged: {flagged}. The requested state may apply its own protections." : "none flagged"),
        ]);

        pdf.Spacer(24);
        pdf.Paragraph("Signed: ____________________________   for the central authority of " + (route?.RequestingState ?? request.RequestingCountry));
        pdf.Paragraph("Date: ______________", PdfStyle.Body);

        // The letter ends at its signature. Why the broker sent the request here (its findings on the requesting state
        // itself, a reviewer's reasons) is for the central authority weighing the draft, not for the requested state:
        // an annex on pages of its own, so that the letter can be sent without it.
        pdf.PageBreak();
        pdf.Heading("Annex for the central authority: why no direct channel");
        pdf.Paragraph("Not part of the request: the broker's findings and any reviewer's reasons, for the central authority's review only.");
        // The findings that send a request to MLAT, and those that called for a person's review (a journalist, an
        // immunity): a central authority weighs both. Those that would reject it say nothing of the route.
        var failed = data.Decision?.Reasons
            .Where(r => r.Status == RuleStatus.Failed && r.OnFailure is Outcome.Mlat or Outcome.HumanReview).ToList() ?? [];
        if (content.LegalInstrument == LegalInstrument.Mlat)
        {
            pdf.Paragraph("The requesting authority chose mutual legal assistance for this request.");
        }
        else if (failed.Count == 0)
        {
            pdf.Paragraph(data.Decision?.Outcome == Outcome.Mlat || request.State == RequestState.QueuedForMlat
                ? "No rule of the decision required MLAT; the request was sent to MLAT on review."
                : "The decision did not send this request to MLAT; this draft was prepared on request.");
        }
        else
        {
            pdf.Table([new("Rule", 0.6f, Style: PdfStyle.SmallBold), new("Finding", 4f), new("Source", 2f)],
                failed.Select(r => (IReadOnlyList<string>)[r.Rule, r.Message, r.Source]));
        }

        // A draft goes to the agency, the review desk and oversight, never to the provider: the reviewer's reasons may be read.
        if (data.Review is { } review)
        {
            pdf.Fields([("Reviewed", $"{review.Outcome}, {Formatting.Time(review.DecidedAt)}"), ("Reviewer's reasons", review.Reasons)]);
        }

        return pdf.Render(new PdfInfo($"MLAT draft {request.Reference}", "Draft request for mutual legal assistance", "Evidence Broker", "MLAT; draft",
            $"MLAT draft {request.Reference} · generated {Formatting.Time(data.GeneratedAt)} · DRAFT, not signed", data.GeneratedAt));
    }

    /// <summary>The sensitive circumstances flagged, other than those the fields above speak of.</summary>
    private static string Circumstances(RequestContent content) =>
        string.Join(", ", content.Flags.Where(f => f is not (SensitiveCircumstance.DeathPenaltyPossible or SensitiveCircumstance.OnBehalfOfThirdState))
            .Select(f => Formatting.Name(f)));

    /// <summary>What is asked of the provider: keeping data (preservation), collecting it as it passes (interception), or handing it over.</summary>
    private static string Assistance(RequestContent content) =>
        content.Urgency == Urgency.Preservation ? "Preservation, pending a request for its production,"
        : content.DataCategories.Contains(DataCategory.Interception) ? "Real-time collection"
        : "Production";
}
