"""What an incident says to a person: a summary and first actions, in English or German.

Texts are templates filled from the incident's own fields, so the same
incident always reads the same (replay equals live).

>>> first_actions("moderation_backlash", "de")[0]
'Sofort aufhören, kritische Kommentare zu löschen; nur entfernen, was gegen veröffentlichte Regeln verstößt.'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Final

from detectors.sentiment.stance import boycott_term, registry_names
from schemas.records import Evidence, IncidentStatus, IncidentType, Origin, Trigger

SUPPORTED: Final = ("en", "de")

_ACTIONS: Final[Mapping[str, Mapping[IncidentType, tuple[str, ...]]]] = {
    "en": {
        "owned_post_backlash": (
            "Answer publicly and quickly in the same thread: acknowledge the tone and apologise.",
            "Do not delete the post or the criticism; correct it openly.",
            "Take the affected customer's case to a private channel and solve it there.",
            "Brief the social-media team and the agency on tone; check who may answer for the brand.",
        ),
        "moderation_backlash": (
            "Stop deleting critical comments now; only remove what breaks published house rules.",
            "Explain publicly what was removed and why; restore comments removed by mistake.",
            "Answer the people asking about their deleted comments.",
            "Brief the community managers and the head of communications.",
        ),
        "comment_flood": (
            "Answer in the thread quickly with facts and a clear next step; pin the answer.",
            "Do not delete criticism.",
            "Brief the CEO's office and the post's author before they respond again.",
            "Staff the channel until the flood ebbs.",
        ),
        "external_post_backlash": (
            "Check the post's claims with the departments concerned now.",
            "Answer publicly and factually; do not attack the author.",
            "Offer the author a private channel to resolve the case.",
            "Brief legal and HR if a (former) employee makes claims; brief the CEO's office if it keeps spreading.",
        ),
        "negative_spike": (
            "Find the source: read the sample posts and top terms.",
            "Answer publicly and quickly where people ask questions.",
            "Do not delete criticism.",
            "Alert the on-call communications lead.",
        ),
        "negative_shift": (
            "Read the sample posts to find what changed.",
            "Answer the recurring complaint publicly.",
            "Keep watching; escalate if the volume rises too.",
        ),
    },
    "de": {
        "owned_post_backlash": (
            "Öffentlich und schnell im selben Thread antworten: den Ton eingestehen und sich entschuldigen.",
            "Weder den Beitrag noch die Kritik löschen; offen richtigstellen.",
            "Den Fall der betroffenen Kundin oder des Kunden in einen privaten Kanal holen und dort lösen.",
            "Social-Media-Team und Agentur zum Ton briefen; klären, wer für die Marke antworten darf.",
        ),
        "moderation_backlash": (
            "Sofort aufhören, kritische Kommentare zu löschen; nur entfernen, was gegen veröffentlichte Regeln verstößt.",
            "Öffentlich erklären, was entfernt wurde und warum; irrtümlich gelöschte Kommentare wiederherstellen.",
            "Den Menschen antworten, die nach ihren gelöschten Kommentaren fragen.",
            "Community-Management und Kommunikationsleitung briefen.",
        ),
        "comment_flood": (
            "Schnell im Thread mit Fakten und einem klaren nächsten Schritt antworten; die Antwort anheften.",
            "Kritik nicht löschen.",
            "Das Büro der Geschäftsführung und den Autor des Beitrags briefen, bevor sie erneut antworten.",
            "Den Kanal besetzt halten, bis die Welle abebbt.",
        ),
        "external_post_backlash": (
            "Die Vorwürfe im Beitrag jetzt mit den zuständigen Abteilungen prüfen.",
            "Öffentlich und sachlich antworten; den Autor nicht angreifen.",
            "Dem Autor einen privaten Kanal zur Klärung anbieten.",
            "Bei Vorwürfen (ehemaliger) Mitarbeitender Recht und HR briefen; bei weiterer Verbreitung die Geschäftsführung.",
        ),
        "negative_spike": (
            "Die Quelle finden: Beispielbeiträge und häufigste Begriffe lesen.",
            "Öffentlich und schnell antworten, wo Menschen Fragen stellen.",
            "Kritik nicht löschen.",
            "Die diensthabende Kommunikationsleitung alarmieren.",
        ),
        "negative_shift": (
            "Die Beispielbeiträge lesen, um herauszufinden, was sich geändert hat.",
            "Auf die wiederkehrende Beschwerde öffentlich antworten.",
            "Weiter beobachten; eskalieren, wenn auch das Volumen steigt.",
        ),
    },
}

_WHAT: Final[Mapping[str, Mapping[IncidentType, str]]] = {
    "en": {
        "owned_post_backlash": "Backlash to a post or reply by {role_article}",
        "moderation_backlash": "Backlash against deleted comments",
        "comment_flood": "Comment flood on a post by {role_article}",
        "external_post_backlash": "A damaging post by an outside author is spreading",
        "negative_spike": "Spike in negative mentions",
        "negative_shift": "Share of negative mentions jumped",
    },
    "de": {
        "owned_post_backlash": "Gegenwind auf einen Beitrag oder eine Antwort von {role_article}",
        "moderation_backlash": "Empörung über gelöschte Kommentare",
        "comment_flood": "Kommentarflut unter einem Beitrag von {role_article}",
        "external_post_backlash": "Ein schädlicher Beitrag eines externen Autors verbreitet sich",
        "negative_spike": "Sprunghaft mehr negative Erwähnungen",
        "negative_shift": "Anteil negativer Erwähnungen sprunghaft gestiegen",
    },
}

_ALSO: Final[Mapping[str, Mapping[IncidentType, str]]] = {
    "en": {
        "owned_post_backlash": "backlash to a brand post", "moderation_backlash": "protests against deleting",
        "comment_flood": "a comment flood", "external_post_backlash": "an outside post spreading",
        "negative_spike": "a brand-wide spike in negative mentions", "negative_shift": "a brand-wide jump in the negative share",
    },
    "de": {
        "owned_post_backlash": "Gegenwind auf einen Markenbeitrag", "moderation_backlash": "Protest gegen Löschungen",
        "comment_flood": "eine Kommentarflut", "external_post_backlash": "ein externer Beitrag verbreitet sich",
        "negative_spike": "markenweit sprunghaft mehr negative Erwähnungen",
        "negative_shift": "markenweit ein sprunghaft höherer negativer Anteil",
    },
}
"""Other signals merged into an incident, named in its summary: the thread's outrage has
spread to the whole brand, or a flood has become a backlash."""

_ROLE: Final[Mapping[str, Mapping[str, tuple[str, str]]]] = {
    "en": {
        "owned": ("owned", "the brand's own account"), "agency": ("agency", "the brand's agency"),
        "executive": ("executive", "an executive"), "moderator": ("moderator", "a moderator"),
        "other": ("outside", "an outside author"),
    },
    "de": {
        "owned": ("Marke", "dem eigenen Markenkonto"), "agency": ("Agentur", "der Agentur"),
        "executive": ("Führungskraft", "einer Führungskraft"), "moderator": ("Moderation", "der Moderation"),
        "other": ("extern", "einem externen Autor"),
    },
}

_ORIGIN: Final[Mapping[str, Mapping[Origin, str]]] = {
    "en": {"self_inflicted": "self-inflicted", "external": "external", "unknown": "unknown"},
    "de": {"self_inflicted": "selbst verursacht", "external": "extern", "unknown": "unbekannt"},
}


_WORDS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "head": "{brand}: {what} since {since}: {measure}; {negative} of {total} events negative. "
        "Origin: {origin}.",
        "baseline": "{observed} vs about {expected} expected",
        "baseline_unit": "{observed} {unit} vs about {expected} expected",
        "negative_mentions": "negative mentions",
        "threshold": "{observed} {unit} (alert threshold {expected})",
        "pace": " at the last half hour's pace",
        "new_authors": '{observed} people new to "{term}" used it within an hour (its usual busiest hour: about {expected})',
        "new_to_brand": "{observed} people who had not named {term} in a negative post before did so within an hour (usually at most about {expected} an hour)",
        "boycott": "{observed} people called for a boycott of {brand} within an hour (usually at most about {expected} an hour)",
        "trigger": ' Trigger: "{excerpt}"',
        "terms": " Top terms: {terms}.",
        "merged": " Merged into {target}.",
        "also": " Also seen: {signals}.",
        "resolved": " Quiet for a while: resolved.",
    },
    "de": {
        "head": "{brand}: {what} seit {since}: {measure}; {negative} von {total} Ereignissen negativ. "
        "Ursprung: {origin}.",
        "baseline": "{observed} statt etwa {expected} erwartet",
        "baseline_unit": "{observed} {unit} statt etwa {expected} erwartet",
        "negative_mentions": "negative Erwähnungen",
        "threshold": "{observed} {unit} (Alarmschwelle {expected})",
        "pace": " im Tempo der letzten halben Stunde",
        "new_authors": "{observed} Personen, die „{term}“ vorher nicht verwendet hatten, innerhalb einer Stunde (übliche Spitzenstunde: etwa {expected})",
        "new_to_brand": "{observed} Personen, die {term} vorher nie in einem negativen Beitrag genannt hatten, innerhalb einer Stunde (sonst höchstens etwa {expected} pro Stunde)",
        "boycott": "{observed} Personen riefen innerhalb einer Stunde zum Boykott von {brand} auf (sonst höchstens etwa {expected} pro Stunde)",
        "trigger": " Auslöser: „{excerpt}“",
        "terms": " Häufigste Begriffe: {terms}.",
        "merged": " Zusammengeführt in {target}.",
        "also": " Außerdem: {signals}.",
        "resolved": " Seit einer Weile ruhig: beendet.",
    },
}


_UNITS: Final[Mapping[str, Mapping[IncidentType, str]]] = {
    "en": {
        "owned_post_backlash": "negative reactions or shares",
        "moderation_backlash": "protests about deleting",
        "comment_flood": "reactions an hour",
        "external_post_backlash": "reactions in 30 minutes",
    },
    "de": {
        "owned_post_backlash": "negative Reaktionen oder Weiterverbreitungen",
        "moderation_backlash": "Proteste gegen das Löschen",
        "comment_flood": "Reaktionen pro Stunde",
        "external_post_backlash": "Reaktionen in 30 Minuten",
    },
}


def _measure(
    incident_type: IncidentType, evidence: Evidence, lang: str, against_baseline: bool = False, term_burst: bool = False,
    brand: str = "",
) -> str:
    """What was measured against what: a baseline for the series detectors (and for their
    signals that became another type's), a threshold for the rest; a term burst counts the
    people new to its leading term ("15 vs about 0 expected" read as if a brand with hundreds
    of complaints a day expected none)."""
    words = _WORDS[lang]
    if term_burst and evidence.top_terms:
        term = evidence.top_terms[0]
        # The brand's own name bursting is new people complaining about the brand by name:
        # "13 people new to "skyjet" used it" puzzled an outside tester of a big airline.
        if term == boycott_term(brand):
            template = "boycott"
        else:
            template = "new_to_brand" if term in registry_names(brand) else "new_authors"
        return words[template].format(
            observed=_amount(evidence.observed), term=term, brand=brand, expected=_amount(evidence.expected)
        )
    unit = _UNITS[lang].get(incident_type)
    if incident_type == "external_post_backlash" and against_baseline:
        unit = words["negative_mentions"]  # a brand-wide signal's count, not the post's 30-minute pace
    if unit is not None and against_baseline:
        return words["baseline_unit"].format(observed=_amount(evidence.observed), unit=unit, expected=_amount(evidence.expected))
    if unit is None:
        if incident_type == "negative_shift":
            return words["baseline"].format(observed=f"{evidence.observed:.0%}", expected=f"{evidence.expected:.0%}")
        return words["baseline"].format(observed=_amount(evidence.observed), expected=_amount(evidence.expected))
    if incident_type == "comment_flood" and evidence.observed > evidence.total_events:
        # The rate is the last half hour's, doubled: "20 an hour; 6 of 10 events" read as a contradiction.
        unit += words["pace"]
    return words["threshold"].format(observed=_amount(evidence.observed), unit=unit, expected=_amount(evidence.expected))


def _amount(value: float) -> str:
    """A count or rate as a person reads it: three significant digits, whole numbers from 100.

    >>> _amount(24.619), _amount(3.531), _amount(0.365), _amount(32.0), _amount(1234.5)
    ('24.6', '3.53', '0.365', '32', '1234')
    """
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def language_of(lang: str) -> str:
    return lang if lang in SUPPORTED else "en"


_FLOOD_BRIEFING: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "owned": "Brief the social-media team and the agency before they answer again in this thread.",
        "agency": "Brief the agency and the social-media team before they answer again in this thread.",
        "moderator": "Brief the moderators and the social-media team before they act again in this thread.",
        "other": "Check whether the post's complaint is fair; if it is, say so publicly and fix it.",
    },
    "de": {
        "owned": "Social-Media-Team und Agentur briefen, bevor sie erneut in diesem Thread antworten.",
        "agency": "Agentur und Social-Media-Team briefen, bevor sie erneut in diesem Thread antworten.",
        "moderator": "Moderation und Social-Media-Team briefen, bevor sie erneut in diesem Thread eingreifen.",
        "other": "Prüfen, ob die Beschwerde im Beitrag berechtigt ist; wenn ja, das öffentlich sagen und beheben.",
    },
}
"""A comment flood's briefing step for a post that is not an executive's (the CEO's office is
the default): an agency reply or a customer's viral complaint has other people to brief."""


_OWN_POST_ACTIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "en": (
        "Answer publicly under the post: acknowledge the reaction and say when more will follow.",
        "Do not delete the post or the criticism; clarify or correct it openly.",
        "Prepare a statement on what people object to (the decision or the wording) with the post's author.",
        "Pause scheduled posts and campaigns on the same topic until the statement is out.",
    ),
    "de": (
        "Öffentlich unter dem Beitrag antworten: die Reaktionen anerkennen und sagen, wann mehr kommt.",
        "Weder den Beitrag noch die Kritik löschen; offen klarstellen oder richtigstellen.",
        "Mit der Autorin oder dem Autor des Beitrags eine Stellungnahme zu dem vorbereiten, was kritisiert wird (Entscheidung oder Wortwahl).",
        "Geplante Beiträge und Kampagnen zum selben Thema anhalten, bis die Stellungnahme veröffentlicht ist.",
    ),
}
"""An owned-post backlash against the brand's own post (an announcement, an ad, a CEO's post),
not a reply: there is no customer to take to a private channel. An outside tester's CEO fee
announcement was told to "take the affected customer's case to a private channel"."""


def first_actions(
    incident_type: IncidentType, lang: str, trigger_role: str | None = None, trigger_kind: str | None = None
) -> tuple[str, ...]:
    """The type's first steps; a comment flood's briefing step fits who wrote the flooded post,
    and a backlash against the brand's own post (not a reply) gets the steps for a post.

    >>> first_actions("comment_flood", "en", "agency")[2]
    'Brief the agency and the social-media team before they answer again in this thread.'
    >>> first_actions("comment_flood", "en", "executive")[2]
    "Brief the CEO's office and the post's author before they respond again."
    >>> first_actions("owned_post_backlash", "en", "executive", "post")[3]
    'Pause scheduled posts and campaigns on the same topic until the statement is out.'
    """
    language = language_of(lang)
    if incident_type == "owned_post_backlash" and trigger_kind == "post":
        return _OWN_POST_ACTIONS[language]
    actions = _ACTIONS[language][incident_type]
    if incident_type == "comment_flood" and trigger_role not in (None, "executive"):
        briefing = _FLOOD_BRIEFING[language]
        return (*actions[:2], briefing.get(trigger_role or "", briefing["other"]), *actions[3:])
    return actions


def _clock(millis: int, timezone: str | None = None) -> str:
    """The time as the on-call person reads it: in the brand's time zone when it has one.

    >>> _clock(1773281160000), _clock(1773281160000, "Europe/Berlin")
    ('2026-03-12 02:06 UTC', '2026-03-12 03:06 CET')
    """
    if timezone is None:
        return datetime.fromtimestamp(millis / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(millis / 1000, tz=ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def summarize(
    *,
    incident_type: IncidentType,
    lang: str,
    brand: str,
    origin: Origin,
    status: IncidentStatus,
    started_at_ms: int,
    evidence: Evidence,
    trigger: Trigger | None,
    merged_into: str | None = None,
    against_baseline: bool = False,
    term_burst: bool = False,
    timezone: str | None = None,
    also: Sequence[IncidentType] = (),
) -> str:
    """One or two sentences: what, since when, how much against normal, origin, trigger;
    ``also``: the other signal types merged into the incident.

    >>> from schemas.records import Evidence
    >>> summarize(incident_type="negative_spike", lang="en", brand="acme", origin="unknown",
    ...           status="opened", started_at_ms=1772366400000,
    ...           evidence=Evidence(observed=40, expected=5.5, window_seconds=300,
    ...                             negative_events=40, total_events=90, top_terms=("delay", "refund")),
    ...           trigger=None)
    'acme: Spike in negative mentions since 2026-03-01 12:00 UTC: 40 vs about 5.5 expected; 40 of 90 events negative. Origin: unknown. Top terms: delay, refund.'
    """
    lang = language_of(lang)
    words = _WORDS[lang]
    role = trigger.author_role if trigger is not None else "other"
    role_name, role_article = _ROLE[lang].get(role, _ROLE[lang]["other"])
    what = _WHAT[lang][incident_type].format(role=role_name, role_article=role_article)
    text = words["head"].format(
        brand=brand, what=what, since=_clock(started_at_ms, timezone), measure=_measure(incident_type, evidence, lang, against_baseline, term_burst, brand),
        negative=evidence.negative_events, total=evidence.total_events, origin=_ORIGIN[lang][origin],
    )
    if trigger is not None and trigger.excerpt:
        text += words["trigger"].format(excerpt=trigger.excerpt)
        text += "." if not trigger.excerpt.endswith((".", "!", "?", "…")) else ""
    if evidence.top_terms:
        text += words["terms"].format(terms=", ".join(evidence.top_terms))
    others = [_ALSO[lang][signal] for signal in also if signal != incident_type]
    if others:
        text += words["also"].format(signals=", ".join(others))
    if status == "resolved":
        text += words["merged"].format(target=merged_into) if merged_into else words["resolved"]
    return text
