"""Incident events as a person on call reads them."""

from __future__ import annotations

from schemas.codec import format_timestamp
from schemas.records import Incident

_LEVEL_MARK = {"critical": "!!!", "warning": "!! ", "info": "i  "}
# Brand-wide detectors compare with a learned baseline; thread detectors with an alert threshold.
_BASELINE_TYPES = frozenset({"negative_spike", "negative_shift"})


def _reference(incident: Incident) -> str:
    return "expected" if incident.type in _BASELINE_TYPES else "threshold"


def format_incident(incident: Incident) -> str:
    """A block for ``opened`` and ``resolved`` (what, where from, how bad, what to do first);
    two lines for ``updated``, which repeats an incident the reader has already seen."""
    level = incident.level
    head = (
        f"{_LEVEL_MARK[level]} [{level.upper()} {incident.severity}/10] {incident.status.upper()} "
        f"{incident.brand} · {incident.type} · origin {incident.origin}"
    )
    lines = [head, f"    {incident.summary}"]
    if incident.status == "updated":
        evidence = incident.evidence
        lines[1:] = [
            f"    now {evidence.observed:g} vs {evidence.expected:.1f} {_reference(incident)}, "
            f"{evidence.negative_events}/{evidence.total_events} negative · id {incident.incident_id}"
        ]
        return "\n".join(lines)
    times = f"    started {format_timestamp(incident.started_at_ms)}, detected {format_timestamp(incident.detected_at_ms)}"
    if incident.resolved_at_ms is not None:
        times += f", resolved {format_timestamp(incident.resolved_at_ms)}"
    lines.append(times)
    evidence = incident.evidence
    lines.append(
        f"    evidence: {evidence.observed:g} observed vs {evidence.expected:.1f} {_reference(incident)}, "
        f"{evidence.negative_events}/{evidence.total_events} negative"
        + (f"; terms: {', '.join(evidence.top_terms[:5])}" if evidence.top_terms else "")
    )
    if incident.trigger is not None:
        trigger = incident.trigger
        where = trigger.url or trigger.event_id
        lines.append(f"    trigger: {trigger.author_role} {trigger.kind or 'event'} {where}")
        if trigger.excerpt:
            lines.append(f"      \u201c{trigger.excerpt}\u201d")
    if incident.first_actions and incident.status != "resolved":
        lines.append("    first steps:")
        lines.extend(f"      - {action}" for action in incident.first_actions)
    lines.append(f"    id {incident.incident_id}")
    return "\n".join(lines)
