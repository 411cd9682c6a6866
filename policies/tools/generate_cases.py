#!/usr/bin/env python3
"""Writes policies/cases/*.json from the table below.

Each case is a request in the exact public model plus the outcome a lawyer expects. The expectations are
written by hand from domain.md and channels.yaml, never copied from the engine's output: the point of a case
is to catch the engine disagreeing with the law. Re-run after editing: python3 policies/tools/generate_cases.py
"""
import copy, datetime, json, os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "cases")
TODAY = "2026-11-23"

AGENCY = {"GB": "gb-nca", "US": "us-fbi", "AU": "au-afp", "DE": "de-bka", "FR": "fr-ofac", "IE": "ie-garda-gncbi",
          "DK": "dk-nsk", "CA": "ca-rcmp", "JP": "jp-npa", "RS": "rs-mup", "BR": "br-pf", "IN": "in-cbi",
          "RU": "ru-mvd", "CN": "cn-mps", "TR": "tr-egm", "HR": "hr-police", "NL": "nl-politie", "NZ": None}

def d(s): return datetime.date.fromisoformat(s)

def request(rc, pj, cats, on):
    day = d(on)
    req = {
        "requestingCountry": rc,
        "agencyId": AGENCY.get(rc),
        "providerJurisdiction": pj,
        "dataCategories": cats,
        "identifiers": [{"type": "email", "value": "suspect@example.com"}],
        "timeRange": {"from": (day - datetime.timedelta(days=200)).isoformat() + "T00:00:00Z",
                      "to": (day - datetime.timedelta(days=20)).isoformat() + "T00:00:00Z"},
        "offence": {"description": "Fraud by false representation", "maxPenaltyYears": 10, "listedOffence": False},
        "issuingAuthority": {"type": "judge", "name": "Investigating court"},
        "urgency": "standard",
        "justification": "Fourteen victims paid deposits for non-existent flats; each payment instruction came from suspect@example.com.",
        "target": {"nationality": rc, "residence": rc, "locatedIn": rc},
        "flags": [],
        "useLimitsAcknowledged": True,
        "nonDisclosureUntil": (day + datetime.timedelta(days=180)).isoformat(),
    }
    if req["agencyId"] is None: del req["agencyId"]
    return req

CASES = []

def case(name, description, rc, pj, cats, outcome, channel, deciding=(), on=TODAY, notify=None, tweak=None,
         suspended=None, confirmed=False, deadlines=None):
    req = request(rc, pj, cats, on)
    if tweak: tweak(req)
    c = {"name": name, "description": description, "evaluatedOn": on}
    if suspended: c["suspendedCountries"] = suspended
    if confirmed: c["emergencyConfirmedBySupervisor"] = True
    c["request"] = req
    expect = {"outcome": outcome, "channel": channel, "deciding": list(deciding)}
    if notify is not None: expect["notifications"] = notify
    if deadlines is not None: expect["deadlines"] = deadlines
    c["expect"] = expect
    CASES.append(c)

def s(**kw):
    """Tweak: set request fields (dotted keys via __)."""
    def apply(req):
        for k, v in kw.items():
            parts = k.split("__")
            obj = req
            for p in parts[:-1]: obj = obj.setdefault(p, {})
            if v is None: obj.pop(parts[-1], None)
            else: obj[parts[-1]] = v
    return apply

def both(*tweaks):
    def apply(req):
        for t in tweaks: t(req)
    return apply

POLICE = {"type": "police", "name": "Detective Inspector"}
PROSECUTOR = {"type": "prosecutor", "name": "Public prosecutor"}
COURT = {"type": "court", "name": "Local court"}
EMERGENCY = s(urgency="emergency", emergencyThreat="Credible threat to kill a named person within 24 hours, posted from the account.")

# --- CLOUD Act agreements (C1, R6) -------------------------------------------------------------------------
case("gb-us-content-direct", "UK court order for content at a US provider under the US–UK agreement.", "GB", "US", ["content"], "direct", "cloud-act-agreement", deadlines=["response:P10D"])
case("us-gb-content-direct", "US warrant for content at a UK provider under the US–UK agreement.", "US", "GB", ["content"], "direct", "cloud-act-agreement")
case("au-us-traffic-direct", "Australian order for traffic data at a US provider (agreement in force 31 Jan 2024).", "AU", "US", ["traffic"], "direct", "cloud-act-agreement")
case("us-au-content-direct", "US order for content at an Australian provider.", "US", "AU", ["content"], "direct", "cloud-act-agreement")
case("au-us-content-before-agreement", "Before 31 Jan 2024 only voluntary disclosure was open from AU to US providers; content cannot go voluntarily.", "AU", "US", ["content"], "mlat", "mlat", ["R2"], on="2023-12-01")
case("au-us-subscriber-before-agreement", "Before the AU–US agreement, subscriber data could still be asked voluntarily.", "AU", "US", ["subscriber"], "direct", "voluntary", on="2023-12-01")
case("gb-us-target-us-national", "A US person targeted under the UK agreement: forbidden, MLAT.", "GB", "US", ["content"], "mlat", "mlat", ["R6"], tweak=s(target__nationality="US"))
case("gb-us-target-located-in-us", "Target located in the US: the UK agreement forbids it.", "GB", "US", ["content"], "mlat", "mlat", ["R6"], tweak=s(target__locatedIn="US"))
case("gb-us-subscriber-us-national", "Subscriber data of a US person: the agreement (preferred channel) forbids it, so MLAT unless the officer names voluntary.", "GB", "US", ["subscriber"], "mlat", "mlat", ["R6"], tweak=s(target__nationality="US"))
case("gb-us-subscriber-us-national-voluntary", "Same request naming voluntary disclosure: non-content of a US person may be disclosed voluntarily.", "GB", "US", ["subscriber"], "direct", "voluntary", tweak=both(s(target__nationality="US"), s(legalInstrument="voluntary")))
case("us-gb-target-gb-resident", "US order targeting a UK resident: forbidden by the agreement.", "US", "GB", ["content"], "mlat", "mlat", ["R6"], tweak=s(target__residence="GB"))
case("gb-us-no-target-known", "Nothing known of the target: R6 passes on what is known.", "GB", "US", ["content"], "direct", "cloud-act-agreement", tweak=s(target=None))
case("gb-us-traffic-penalty-2y", "Traffic data for an offence punishable by 2 years: not serious crime.", "GB", "US", ["traffic"], "mlat", "mlat", ["R3"], tweak=s(offence__maxPenaltyYears=2))
# R3 on the agreements: serious crime (maximum penalty of at least 3 years) for every data category and for
# preservation; the agreements have no list of offences, so the EU's "listed offence" alternative does not apply.
case("gb-us-content-listed-1y", "Content for a listed offence with a low maximum penalty: the agreements have no list, serious crime is required.", "GB", "US", ["content"], "mlat", "mlat", ["R3"], tweak=both(s(offence__maxPenaltyYears=1), s(offence__listedOffence=True)))
case("gb-us-content-penalty-exactly-3y", "Maximum penalty of exactly 3 years meets the threshold.", "GB", "US", ["content"], "direct", "cloud-act-agreement", tweak=s(offence__maxPenaltyYears=3))
case("gb-us-preservation-content", "Preservation of content under the agreement for a serious crime: a prosecutor suffices.", "GB", "US", ["content"], "direct", "cloud-act-agreement", tweak=both(s(urgency="preservation"), s(issuingAuthority=PROSECUTOR)), deadlines=["preservation:P60D", "preservation-extension:P30D"])
case("gb-us-preservation-penalty-1y", "Preservation under the agreement for an offence punishable by 1 year: not serious crime, MLAT.", "GB", "US", ["content"], "mlat", "mlat", ["R3"], tweak=both(s(urgency="preservation"), s(issuingAuthority=PROSECUTOR), s(offence__maxPenaltyYears=1)))
case("gb-us-subscriber-penalty-2y", "Subscriber data under the agreement for an offence punishable by 2 years: serious crime only, unlike an EU order.", "GB", "US", ["subscriber"], "mlat", "mlat", ["R3"], tweak=s(offence__maxPenaltyYears=2))
case("gb-us-subscriber-penalty-2y-voluntary", "Same request naming voluntary disclosure: non-content needs no serious crime there.", "GB", "US", ["subscriber"], "direct", "voluntary", tweak=both(s(offence__maxPenaltyYears=2), s(legalInstrument="voluntary")))
case("us-au-identification-listed-2y", "Identification data for a listed offence punishable by 2 years: the list does not stand in under the agreement.", "US", "AU", ["identification"], "mlat", "mlat", ["R3"], tweak=both(s(offence__maxPenaltyYears=2), s(offence__listedOffence=True)))
case("us-gb-traffic-penalty-3y", "Traffic data for an offence punishable by 3 years: serious crime.", "US", "GB", ["traffic"], "direct", "cloud-act-agreement", tweak=s(offence__maxPenaltyYears=3))
case("us-ie-content-no-channel", "US authorities have no direct channel to an Irish provider.", "US", "IE", ["content"], "mlat", "mlat", ["C1"])
case("gb-de-content-no-channel", "No UK–Germany direct channel: MLAT under the EU–UK TCA.", "GB", "DE", ["content"], "mlat", "mlat", ["C1"])
case("gb-ie-subscriber-no-channel", "No UK–Ireland direct channel.", "GB", "IE", ["subscriber"], "mlat", "mlat", ["C1"])
case("au-gb-content-no-channel", "No Australia–UK channel in the pack.", "AU", "GB", ["content"], "mlat", "mlat", ["C1"])

# --- EU e-evidence (C1 dates, Denmark, R4, R3, R14) --------------------------------------------------------
case("de-ie-content-after-18-aug-2026", "German court EPOC for content at an Irish provider after the Regulation applies.", "DE", "IE", ["content"], "direct", "eu-epoc", notify=[], deadlines=["response:P10D"])
case("de-ie-content-on-18-aug-2026", "On the first day the Regulation applies.", "DE", "IE", ["content"], "direct", "eu-epoc", on="2026-08-18")
case("de-ie-content-before-18-aug-2026", "Before 18 Aug 2026 no EPOC: MLAT (Ireland is outside the EIO).", "DE", "IE", ["content"], "mlat", "mlat", ["C1"], on="2026-08-17", deadlines=["mlat-planning:P10M"])
case("fr-ie-content-target-elsewhere", "French EPOC for content; target resides in Ireland: notify the enforcing state (R14).", "FR", "IE", ["content"], "direct", "eu-epoc", tweak=s(target__residence="IE"), notify=["IE"], deadlines=["response:P10D", "enforcing-state-objection:P10D"])
case("fr-ie-traffic-target-unknown", "Residence of the target unknown: notify (the issuing state cannot show residence).", "FR", "IE", ["traffic"], "direct", "eu-epoc", tweak=s(target=None), notify=["IE"])
case("fr-ie-subscriber-no-notification", "Subscriber data need no enforcing-state notification.", "FR", "IE", ["subscriber"], "direct", "eu-epoc", tweak=s(target__residence="IE"), notify=[])
case("fr-ie-preservation-no-notification", "Preservation orders need no enforcing-state notification.", "FR", "IE", ["content"], "direct", "eu-epoc-pr", tweak=both(s(urgency="preservation"), s(target__residence="IE")), notify=[])
case("dk-ie-content-denmark-not-bound", "Denmark is not bound by Regulation 2023/1543: no EPOC.", "DK", "IE", ["content"], "mlat", "mlat", ["C1"])
case("de-dk-content-denmark-not-bound", "An EPOC cannot be addressed to a provider in Denmark.", "DE", "DK", ["content"], "mlat", "mlat", ["C1"])
case("dk-us-subscriber-voluntary", "Denmark may still ask a US provider voluntarily for non-content.", "DK", "US", ["subscriber"], "direct", "voluntary")
case("ie-de-content-direct", "Ireland opted in to the Regulation: EPOC to a German provider.", "IE", "DE", ["content"], "direct", "eu-epoc")
case("hr-de-subscriber-direct", "Croatian prosecutor, subscriber data at a German provider.", "HR", "DE", ["subscriber"], "direct", "eu-epoc", tweak=s(issuingAuthority=PROSECUTOR))
case("nl-ie-identification-direct", "Dutch order for identification data (IP at login).", "NL", "IE", ["identification"], "direct", "eu-epoc", tweak=s(issuingAuthority=PROSECUTOR))
case("de-ie-traffic-prosecutor-unvalidated", "Prosecutor orders traffic data without court validation: invalid (R4).", "DE", "IE", ["traffic"], "rejected", "eu-epoc", ["R4"], tweak=s(issuingAuthority=PROSECUTOR))
case("de-ie-traffic-prosecutor-court-validated", "Prosecutor's traffic order validated by a court.", "DE", "IE", ["traffic"], "direct", "eu-epoc", tweak=both(s(issuingAuthority=PROSECUTOR), s(validatedBy=COURT)))
case("de-ie-traffic-prosecutor-prosecutor-validated", "Validation by another prosecutor is not enough for traffic data.", "DE", "IE", ["traffic"], "rejected", "eu-epoc", ["R4"], tweak=both(s(issuingAuthority=PROSECUTOR), s(validatedBy=PROSECUTOR)))
case("de-ie-subscriber-prosecutor", "A prosecutor may order subscriber data.", "DE", "IE", ["subscriber"], "direct", "eu-epoc", tweak=s(issuingAuthority=PROSECUTOR))
case("de-ie-subscriber-police-unvalidated", "Police order for subscriber data without validation: invalid.", "DE", "IE", ["subscriber"], "rejected", "eu-epoc", ["R4"], tweak=s(issuingAuthority=POLICE))
case("de-ie-subscriber-police-prosecutor-validated", "Police order validated by a prosecutor suffices for subscriber data.", "DE", "IE", ["subscriber"], "direct", "eu-epoc", tweak=both(s(issuingAuthority=POLICE), s(validatedBy=PROSECUTOR)))
case("de-ie-content-investigating-judge", "An investigating judge may order content.", "DE", "IE", ["content"], "direct", "eu-epoc", tweak=s(issuingAuthority={"type": "investigating-judge", "name": "Juge d'instruction"}))
case("de-ie-content-other-authority", "An 'other' authority without validation cannot order content.", "DE", "IE", ["content"], "rejected", "eu-epoc", ["R4"], tweak=s(issuingAuthority={"type": "other", "name": "Tax office"}))
case("de-ie-traffic-penalty-2y", "Traffic data for an offence punishable by 2 years, not listed: not serious crime.", "DE", "IE", ["traffic"], "mlat", "mlat", ["R3"], tweak=s(offence__maxPenaltyYears=2))
case("de-ie-traffic-penalty-2y-listed", "Same, but a listed offence (Art. 5(4)(b)): allowed.", "DE", "IE", ["traffic"], "direct", "eu-epoc", tweak=both(s(offence__maxPenaltyYears=2), s(offence__listedOffence=True)))
case("de-ie-subscriber-penalty-1y", "Subscriber data: any criminal offence.", "DE", "IE", ["subscriber"], "direct", "eu-epoc", tweak=s(offence__maxPenaltyYears=1))
case("de-ie-preservation-content-penalty-1y", "Preservation of content: any criminal offence.", "DE", "IE", ["content"], "direct", "eu-epoc-pr", tweak=both(s(urgency="preservation"), s(offence__maxPenaltyYears=1)), deadlines=["preservation:P60D", "preservation-extension:P30D"])
case("ie-de-preservation-prosecutor", "A prosecutor may issue a preservation order for any category.", "IE", "DE", ["traffic", "content"], "direct", "eu-epoc-pr", tweak=both(s(urgency="preservation"), s(issuingAuthority=PROSECUTOR)))
case("de-ie-preservation-police", "Police alone cannot issue a preservation order.", "DE", "IE", ["content"], "rejected", "eu-epoc-pr", ["R4"], tweak=both(s(urgency="preservation"), s(issuingAuthority=POLICE)))
case("de-ie-named-epoc-pr-for-production", "An EPOC-PR named for a production request: preservation only (R12).", "DE", "IE", ["content"], "mlat", "mlat", ["R12"], tweak=s(legalInstrument="eu-epoc-pr"))
case("de-ie-named-epoc-for-preservation", "An EPOC named for preservation: EPOC has no preservation order (R12).", "DE", "IE", ["content"], "mlat", "mlat", ["R12"], tweak=both(s(legalInstrument="eu-epoc"), s(urgency="preservation")))
case("de-ie-named-cloud-act", "The officer names a CLOUD Act agreement between Germany and Ireland: not open.", "DE", "IE", ["content"], "mlat", "mlat", ["C1"], tweak=s(legalInstrument="cloud-act-agreement"))

# --- Budapest Art. 7, voluntary, Canada ------------------------------------------------------------------------
# C10 holds the provider state's entry to its review date too, where the channel rests on it (reliesOnProviderEntry):
# Art. 7 is open only because Serbia's entry records CETS 224, and that entry was due for review on 1 Sep 2026.
case("jp-rs-subscriber-art7", "Japan to a Serbian provider, subscriber information under Art. 7, while Serbia's entry was current.", "JP", "RS", ["subscriber"], "direct", "budapest-art7", on="2026-06-01", tweak=s(issuingAuthority=PROSECUTOR), deadlines=["response:P30D"])
case("jp-rs-subscriber-art7-provider-entry-stale", "Serbia's entry (the provider's state) is past its review: its CETS 224 membership cannot open Art. 7 (C10).", "JP", "RS", ["subscriber"], "mlat", "mlat", ["C10"], tweak=s(issuingAuthority=PROSECUTOR), deadlines=["mlat-planning:P10M"])
case("jp-rs-traffic-art7-subscriber-only", "Art. 7 covers subscriber information only: traffic needs MLAT.", "JP", "RS", ["traffic"], "mlat", "mlat", ["R2"], on="2026-06-01")
case("jp-rs-preservation-art7", "Art. 7 has no preservation order.", "JP", "RS", ["subscriber"], "mlat", "mlat", ["R12"], on="2026-06-01", tweak=s(urgency="preservation"))
case("rs-jp-subscriber-stale-entry", "Serbia's entry was last reviewed 1 Sep 2021: past the five-year review (C10).", "RS", "JP", ["subscriber"], "mlat", "mlat", ["C10"])
case("rs-jp-subscriber-before-review-due", "Before 1 Sep 2026 Serbia's entry was current.", "RS", "JP", ["subscriber"], "direct", "budapest-art7", on="2026-06-01")
case("ca-us-content-no-agreement", "Canada has no CLOUD Act agreement: content cannot go voluntarily.", "CA", "US", ["content"], "mlat", "mlat", ["R2"])
case("ca-us-subscriber-voluntary", "Canada may ask a US provider for subscriber data voluntarily.", "CA", "US", ["subscriber", "identification"], "direct", "voluntary", deadlines=["response:P30D"])
case("ca-us-traffic-voluntary", "Traffic data are non-content: voluntary disclosure.", "CA", "US", ["traffic"], "direct", "voluntary")
case("ca-us-content-emergency-confirmed", "Emergency: a US provider may disclose content voluntarily (§2702(b)(8)).", "CA", "US", ["content"], "direct", "voluntary", tweak=both(EMERGENCY, s(issuingAuthority=POLICE)), confirmed=True, deadlines=["response:PT24H", "post-hoc-validation:PT48H"])
case("ca-us-content-emergency-unconfirmed", "Emergency awaiting supervisor confirmation.", "CA", "US", ["content"], "human-review", "voluntary", ["R11"], tweak=EMERGENCY)
case("ca-de-subscriber-no-channel", "No channel between Canada and a German provider.", "CA", "DE", ["subscriber"], "mlat", "mlat", ["C1"])
case("br-us-subscriber-voluntary", "Brazil to a US provider, subscriber data.", "BR", "US", ["subscriber"], "direct", "voluntary")
case("br-us-content-voluntary-not-allowed", "Brazil asks for content at a US provider: MLAT.", "BR", "US", ["content"], "mlat", "mlat", ["R2"])
case("gb-us-named-voluntary-content", "The officer names voluntary disclosure for content outside an emergency.", "GB", "US", ["content"], "mlat", "mlat", ["R2"], tweak=s(legalInstrument="voluntary"))
case("gb-us-named-voluntary-emergency-content", "Voluntary emergency disclosure of content, confirmed.", "GB", "US", ["content"], "direct", "voluntary", tweak=both(s(legalInstrument="voluntary"), EMERGENCY), confirmed=True)

# --- Country eligibility (C2–C11) ------------------------------------------------------------------------------
case("in-us-subscriber-criteria", "India: not a Budapest party and human-rights concerns (illustrative).", "IN", "US", ["subscriber"], "mlat", "mlat", ["C2", "C4"])
case("ru-us-subscriber-criteria", "Russia fails every assessed criterion.", "RU", "US", ["subscriber"], "mlat", "mlat", ["C2", "C3", "C4", "C5", "C6", "C7", "C9"])
case("cn-us-subscriber-criteria", "China fails every assessed criterion.", "CN", "US", ["subscriber"], "mlat", "mlat", ["C2", "C3", "C4", "C5", "C6", "C7", "C9"])
case("tr-us-subscriber-criteria", "Türkiye: rule of law and human rights not met (illustrative).", "TR", "US", ["subscriber"], "mlat", "mlat", ["C3", "C4"])
case("ru-de-content-no-channel", "Russia to a German provider: no channel at all.", "RU", "DE", ["content"], "mlat", "mlat", ["C1"])
case("gb-us-suspended", "The operator suspended the UK: no direct channel (C11).", "GB", "US", ["content"], "mlat", "mlat", ["C11"], suspended=["GB"])
case("us-gb-other-country-suspended", "A suspension of France does not affect the US.", "US", "GB", ["content"], "direct", "cloud-act-agreement", suspended=["FR"])
case("gb-us-agency-unregistered", "An agency not on the UK register (C8).", "GB", "US", ["content"], "mlat", "mlat", ["C8"], tweak=s(agencyId="gb-unknown-unit"))
case("gb-us-agency-of-other-country", "A US agency filing as the UK is not on the UK register.", "GB", "US", ["content"], "mlat", "mlat", ["C8"], tweak=s(agencyId="us-fbi"))
case("gb-us-met-police", "The Metropolitan Police is on the UK register.", "GB", "US", ["content"], "direct", "cloud-act-agreement", tweak=s(agencyId="gb-met"))
case("gb-us-no-agency-dry-run", "Dry run without agency: C8 not evaluated, not blocking.", "GB", "US", ["content"], "direct", "cloud-act-agreement", tweak=s(agencyId=None))
case("nz-us-subscriber-not-in-pack", "New Zealand has no entry in the pack.", "NZ", "US", ["subscriber"], "mlat", "mlat", ["C1"])

# --- Request checks ---------------------------------------------------------------------------------------------
case("gb-us-no-identifier", "No identifier at all (R1).", "GB", "US", ["content"], "rejected", "cloud-act-agreement", ["R1"], tweak=s(identifiers=[]))
case("gb-us-wildcard-email", "Wildcard selector (R1).", "GB", "US", ["subscriber"], "rejected", "cloud-act-agreement", ["R1"], tweak=s(identifiers=[{"type": "email", "value": "*@example.com"}]))
case("de-ie-ip-range", "An IP range selects everyone behind it (R1).", "DE", "IE", ["identification"], "rejected", "eu-epoc", ["R1"], tweak=s(identifiers=[{"type": "ip", "value": "198.51.100.0/24"}]))
case("de-ie-all-users", "'all' is not a selector (R1).", "DE", "IE", ["subscriber"], "rejected", "eu-epoc", ["R1"], tweak=s(identifiers=[{"type": "account", "value": "all"}]))
case("de-ie-single-ip", "A single IP address with a time is a specific selector.", "DE", "IE", ["identification"], "direct", "eu-epoc", tweak=s(identifiers=[{"type": "ip", "value": "198.51.100.7", "from": "2026-10-01T10:00:00Z", "to": "2026-10-01T10:05:00Z"}]))
case("de-ie-ip-range-dash", "An IP range written from-to selects everyone in it (R1).", "DE", "IE", ["identification"], "rejected", "eu-epoc", ["R1"], tweak=s(identifiers=[{"type": "ip", "value": "198.51.100.0-198.51.100.255", "from": "2026-10-01T10:00:00Z", "to": "2026-10-01T10:05:00Z"}]))
case("gb-us-email-domain-only", "An email identifier that is only '@domain' selects every mailbox there (R1).", "GB", "US", ["subscriber"], "rejected", "cloud-act-agreement", ["R1"], tweak=s(identifiers=[{"type": "email", "value": "@example.com"}]))
case("de-ie-email-bare-domain", "An email identifier that is a bare domain selects every mailbox there (R1).", "DE", "IE", ["subscriber"], "rejected", "eu-epoc", ["R1"], tweak=s(identifiers=[{"type": "email", "value": "example.com"}]))
case("de-ie-identification-ip-without-time", "Identification by IP without the time it was used: a shared address matches many users (R1).", "DE", "IE", ["identification"], "rejected", "eu-epoc", ["R1"], tweak=s(identifiers=[{"type": "ip", "value": "198.51.100.7"}]))
case("de-ie-identification-ip-from-only", "Identification by IP with a start but no end (R1).", "DE", "IE", ["identification"], "rejected", "eu-epoc", ["R1"], tweak=s(identifiers=[{"type": "ip", "value": "198.51.100.7", "from": "2026-10-01T10:00:00Z"}]))
case("de-ie-traffic-ip-without-time", "Traffic data of a single IP address: the request's time range bounds it; no identifier time needed.", "DE", "IE", ["traffic"], "direct", "eu-epoc", tweak=s(identifiers=[{"type": "ip", "value": "198.51.100.7"}]))
case("de-ie-identification-ipv6-with-time", "A single IPv6 address with a time is a specific selector.", "DE", "IE", ["identification"], "direct", "eu-epoc", tweak=s(identifiers=[{"type": "ip", "value": "2001:db8::7", "from": "2026-10-01T10:00:00Z", "to": "2026-10-01T10:05:00Z"}]))
case("gb-us-short-justification", "A justification that states no facts (R5).", "GB", "US", ["content"], "rejected", "cloud-act-agreement", ["R5"], tweak=s(justification="Needed for investigation."))
case("gb-us-no-time-range", "No time range (R5).", "GB", "US", ["content"], "rejected", "cloud-act-agreement", ["R5"], tweak=s(timeRange=None))
case("gb-us-inverted-time-range", "Time range ends before it starts (R5).", "GB", "US", ["content"], "rejected", "cloud-act-agreement", ["R5"], tweak=s(timeRange={"from": "2026-06-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}))
case("gb-us-ten-year-time-range", "Ten years of data is not bounded (R5).", "GB", "US", ["content"], "rejected", "cloud-act-agreement", ["R5"], tweak=s(timeRange={"from": "2016-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}))
case("gb-us-third-state", "On behalf of a third state (R7).", "GB", "US", ["content"], "mlat", "mlat", ["R7"], tweak=s(flags=["onBehalfOfThirdState"]))
case("gb-us-press", "A journalist's account (R8).", "GB", "US", ["content"], "human-review", "cloud-act-agreement", ["R8"], tweak=s(flags=["press"]))
case("de-ie-political", "A politician's account (R8).", "DE", "IE", ["content"], "human-review", "eu-epoc", ["R8"], tweak=s(flags=["political"]))
case("de-ie-privileged", "A lawyer's privileged communications (R8).", "DE", "IE", ["content"], "human-review", "eu-epoc", ["R8"], tweak=s(flags=["privileged"]))
case("us-gb-immunity", "A person with immunity (R8).", "US", "GB", ["subscriber"], "human-review", "cloud-act-agreement", ["R8"], tweak=s(flags=["immunity"]))
case("us-gb-death-penalty", "US capital case, UK provider: the UK requires assurances (R9).", "US", "GB", ["content"], "human-review", "cloud-act-agreement", ["R9"], tweak=s(flags=["deathPenaltyPossible"]))
case("gb-us-death-penalty-flag-us-provider", "The US does not require death-penalty assurances.", "GB", "US", ["content"], "direct", "cloud-act-agreement", tweak=s(flags=["deathPenaltyPossible"]))
case("gb-us-interception", "Real-time interception is never direct (R10).", "GB", "US", ["interception"], "mlat", "mlat", ["R10"])
case("de-ie-content-and-interception", "Stored content plus interception: the interception sends it all to MLAT.", "DE", "IE", ["content", "interception"], "mlat", "mlat", ["R10"])
case("gb-us-emergency-no-threat", "Emergency without a stated threat (R11).", "GB", "US", ["content"], "human-review", "cloud-act-agreement", ["R11"], tweak=s(urgency="emergency"), confirmed=True)
case("gb-us-emergency-confirmed", "Emergency with threat, confirmed by a supervisor.", "GB", "US", ["content"], "direct", "cloud-act-agreement", tweak=EMERGENCY, confirmed=True, deadlines=["response:PT24H"])
case("de-ie-emergency-police-confirmed", "Emergency EPOC by police, validated afterwards within 48 h.", "DE", "IE", ["content"], "direct", "eu-epoc", tweak=both(EMERGENCY, s(issuingAuthority=POLICE)), confirmed=True, deadlines=["response:PT8H", "post-hoc-validation:PT48H"])
case("fr-ie-emergency-notify", "Emergency EPOC, target resident in Ireland: 96 h for the enforcing state.", "FR", "IE", ["traffic"], "direct", "eu-epoc", tweak=both(EMERGENCY, s(target__residence="IE")), confirmed=True, notify=["IE"], deadlines=["response:PT8H", "enforcing-state-objection:PT96H"])
case("de-ie-emergency-unconfirmed", "Emergency EPOC awaiting supervisor confirmation.", "DE", "IE", ["content"], "human-review", "eu-epoc", ["R11"], tweak=both(EMERGENCY, s(issuingAuthority=PROSECUTOR)))
case("de-ie-emergency-other-authority", "Even in an emergency an 'other' authority cannot issue (R4).", "DE", "IE", ["content"], "rejected", "eu-epoc", ["R4"], tweak=both(EMERGENCY, s(issuingAuthority={"type": "other", "name": "Municipality"})), confirmed=True)
case("gb-us-use-limits-not-acknowledged", "Use limits not acknowledged (R13).", "GB", "US", ["content"], "rejected", "cloud-act-agreement", ["R13"], tweak=s(useLimitsAcknowledged=False))
case("gb-us-no-non-disclosure-date", "No non-disclosure date (R15).", "GB", "US", ["content"], "rejected", "cloud-act-agreement", ["R15"], tweak=s(nonDisclosureUntil=None))
case("gb-us-non-disclosure-in-past", "Non-disclosure date already passed (R15).", "GB", "US", ["content"], "rejected", "cloud-act-agreement", ["R15"], tweak=s(nonDisclosureUntil="2026-01-01"))
case("gb-us-non-disclosure-two-years", "Two years of non-disclosure exceeds the bound (R15).", "GB", "US", ["content"], "rejected", "cloud-act-agreement", ["R15"], tweak=s(nonDisclosureUntil="2028-11-23"))

# --- Precedence and the officer's choice --------------------------------------------------------------------------
case("ru-us-rejected-beats-mlat", "An invalid request is rejected even where MLAT would follow.", "RU", "US", ["subscriber"], "rejected", "voluntary", ["R1"], tweak=s(identifiers=[]))
case("gb-us-mlat-beats-human-review", "A US person and a press flag: MLAT wins over review.", "GB", "US", ["content"], "mlat", "mlat", ["R6"], tweak=both(s(target__nationality="US"), s(flags=["press"])))
case("de-ie-rejected-two-reasons", "No identifier and a short justification: both reported.", "DE", "IE", ["content"], "rejected", "eu-epoc", ["R1", "R5"], tweak=both(s(identifiers=[]), s(justification="Urgent.")))
case("de-ie-human-review-two-reasons", "Press flag and an unconfirmed emergency.", "DE", "IE", ["content"], "human-review", "eu-epoc", ["R8", "R11"], tweak=both(EMERGENCY, s(flags=["press"])))
case("gb-us-officer-chose-mlat", "The officer chose MLAT although a direct channel is open.", "GB", "US", ["content"], "mlat", "mlat", tweak=s(legalInstrument="mlat"))
case("gb-us-officer-chose-mlat-invalid", "The officer chose MLAT but did not acknowledge the use limits.", "GB", "US", ["content"], "rejected", "mlat", ["R13"], tweak=both(s(legalInstrument="mlat"), s(useLimitsAcknowledged=False)))
case("ca-de-rejected-no-channel", "No channel and no identifier: rejected first, MLAT after the fix.", "CA", "DE", ["content"], "rejected", "mlat", ["R1"], tweak=s(identifiers=[]))

def main():
    if os.path.isdir(OUT):
        for f in os.listdir(OUT):
            if f.endswith(".json"): os.remove(os.path.join(OUT, f))
    os.makedirs(OUT, exist_ok=True)
    names = set()
    for c in CASES:
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
        with open(os.path.join(OUT, c["name"] + ".json"), "w", encoding="utf-8") as f:
            json.dump(c, f, indent=2, ensure_ascii=False)
            f.write("\n")
    print(len(CASES), "cases")

main()
