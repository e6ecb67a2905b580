"""Scoring incidents against a scenario's expectation, and the evaluation table.

A crisis counts as **detected** when an incident of an expected type is opened
between the onset and ``match_window_ms`` after it; its **delay** is
``detected_at - onset`` (event time). Origin and trigger are right when they
equal the expectation (no trigger expected: none given). Any other incident
opened outside the episode (``onset - 10 min`` to ``onset + episode_ms``) is a
**false incident**; in a control every incident is false. Incidents opened
during the episode that are not the match (for example a spike merged into
the backlash incident) are listed as ``extra``, not as false.

>>> from detectors.scenarios import Expectation
>>> from schemas.records import Evidence, Incident, Trigger
>>> onset = 1_772_409_600_000
>>> found = Incident(incident_id="inc-1", status="opened", brand="acme", type="owned_post_backlash",
...     origin="self_inflicted", severity=6, started_at_ms=onset, detected_at_ms=onset + 19 * 60_000,
...     updated_at_ms=onset + 19 * 60_000, summary="...",
...     evidence=Evidence(observed=8, expected=5, window_seconds=600, negative_events=8, total_events=9),
...     trigger=Trigger(event_id="reply-1", author_role="owned"))
>>> result = score_incidents("demo", "acme", 4, [found],
...     Expectation(("owned_post_backlash",), "self_inflicted", "reply-1", onset))
>>> result.passed, result.delay_minutes, result.false_incidents
(True, 19.0, 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from detectors.scenarios import Expectation
from schemas.records import Incident

MATCH_WINDOW_MS: Final = 6 * 3_600_000
EPISODE_MS: Final = 12 * 3_600_000
DELAY_TARGET_MINUTES: Final = 30.0
FALSE_PER_BRAND_WEEK_TARGET: Final = 1.0


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    name: str
    brand: str
    days: int
    expected: str
    detected: bool | None
    """``None`` for a control."""
    found_type: str | None = None
    delay_minutes: float | None = None
    origin_ok: bool | None = None
    trigger_ok: bool | None = None
    false_incidents: int = 0
    extra_incidents: int = 0
    false_types: tuple[str, ...] = ()
    unsupported: int = 0
    """Openings whose own numbers do not support them (see :func:`unsupported_by_evidence`)."""

    @property
    def false_per_brand_day(self) -> float:
        return self.false_incidents / self.days

    @property
    def passed(self) -> bool:
        """A crisis: found within 30 minutes with the right origin and trigger (its false
        incidents count towards the suite's per-brand-week figure); a control: nothing fired."""
        if self.detected is None:
            return self.false_incidents == 0
        return bool(
            self.detected and self.origin_ok and self.trigger_ok
            and self.delay_minutes is not None and self.delay_minutes <= DELAY_TARGET_MINUTES
        )

    @property
    def problems(self) -> tuple[str, ...]:
        """What went wrong, in words (empty when it passed with no false incident and no extra page)."""
        found: list[str] = []
        if self.detected is False:
            found.append("missed")
        elif self.detected:
            if self.delay_minutes is not None and self.delay_minutes > DELAY_TARGET_MINUTES:
                found.append(f"late {self.delay_minutes:g} min")
            if not self.origin_ok:
                found.append("wrong origin")
            if not self.trigger_ok:
                found.append("wrong trigger")
        found += [f"false {kind}" for kind in self.false_types]
        if self.unsupported:
            found.append(f"{self.unsupported} opening{'s' if self.unsupported > 1 else ''} its numbers do not support")
        if self.extra_incidents:
            found.append(f"{self.extra_incidents} extra page{'s' if self.extra_incidents > 1 else ''}")
        return tuple(found)


def score_incidents(
    name: str, brand: str, days: int, incidents: Iterable[Incident], expectation: Expectation | None,
) -> ScenarioResult:
    opened = [incident for incident in incidents if incident.status == "opened"]
    unsupported = sum(1 for incident in opened if unsupported_by_evidence(incident))
    if expectation is None:
        return ScenarioResult(
            name=name, brand=brand, days=days, expected="nothing (control)", detected=None,
            false_incidents=len(opened), false_types=tuple(incident.type for incident in opened),
            unsupported=unsupported,
        )
    onset = expectation.onset_ms
    candidates = [
        incident for incident in opened
        if incident.type in expectation.types and onset <= incident.detected_at_ms <= onset + MATCH_WINDOW_MS
    ]
    candidates.sort(key=lambda incident: (
        _trigger_id(incident) != expectation.trigger_event_id, incident.detected_at_ms, incident.incident_id,
    ))
    match = candidates[0] if candidates else None
    in_episode = [incident for incident in opened if onset - 10 * 60_000 <= incident.detected_at_ms <= onset + EPISODE_MS]
    false = [incident for incident in opened if incident not in in_episode]
    expected = f"{expectation.types[0]} / {expectation.origin}"
    if match is None:
        return ScenarioResult(
            name=name, brand=brand, days=days, expected=expected, detected=False,
            # The first opening in the episode is its (wrong) page; only those besides it are extra.
            false_incidents=len(false), extra_incidents=max(0, len(in_episode) - 1),
            false_types=tuple(incident.type for incident in false), unsupported=unsupported,
        )
    return ScenarioResult(
        name=name, brand=brand, days=days, expected=expected, detected=True, found_type=match.type,
        delay_minutes=round((match.detected_at_ms - onset) / 60_000, 1),
        origin_ok=match.origin == expectation.origin,
        trigger_ok=_trigger_id(match) == expectation.trigger_event_id,
        false_incidents=len(false), extra_incidents=len(in_episode) - 1,
        false_types=tuple(incident.type for incident in false), unsupported=unsupported,
    )


THRESHOLD_TYPES: Final = frozenset(
    {"owned_post_backlash", "moderation_backlash", "comment_flood", "external_post_backlash"}
)
"""Incident types whose evidence is a count against a threshold; the others' is against a baseline."""


def unsupported_by_evidence(incident: Incident) -> bool:
    """An opening whose own numbers contradict it: a thread detector below its threshold, a
    spike or shift not above its baseline ("3 negative reactions (alert threshold 5)", "1 vs
    about 1 expected" were read by the on-call person before session 5 fixed them).

    >>> from dataclasses import replace
    >>> from schemas.records import Evidence
    >>> evidence = Evidence(observed=3, expected=5, window_seconds=600, negative_events=3, total_events=5)
    >>> found = Incident(incident_id="inc-1", status="opened", brand="acme", type="owned_post_backlash",
    ...     origin="self_inflicted", severity=5, started_at_ms=0, detected_at_ms=0, updated_at_ms=0,
    ...     summary="...", evidence=evidence)
    >>> unsupported_by_evidence(found)
    True
    >>> unsupported_by_evidence(replace(found, evidence=replace(evidence, observed=5)))
    False
    >>> spike = replace(found, type="negative_spike", evidence=replace(evidence, observed=5, expected=5))
    >>> unsupported_by_evidence(spike), unsupported_by_evidence(replace(spike, evidence=replace(evidence, observed=6)))
    (True, False)
    """
    evidence = incident.evidence
    if incident.type in THRESHOLD_TYPES:
        return evidence.observed < evidence.expected
    return evidence.observed <= evidence.expected


def _trigger_id(incident: Incident) -> str | None:
    return None if incident.trigger is None else incident.trigger.event_id


def _mark(value: bool | None) -> str:
    return "-" if value is None else ("ok" if value else "WRONG")


def format_table(results: Sequence[ScenarioResult]) -> str:
    """The evaluation table (plain text, fixed columns) with a summary against the targets."""
    header = ("scenario", "expected", "detected", "delay", "found type", "origin", "trigger", "false/brand-day", "extra", "verdict")
    rows = []
    for result in results:
        detected = "-" if result.detected is None else ("yes" if result.detected else "NO")
        delay = "-" if result.delay_minutes is None else f"{result.delay_minutes:g} min"
        false = f"{result.false_per_brand_day:.2f} ({result.false_incidents} in {result.days} d)"
        rows.append((
            result.name, result.expected, detected, delay, result.found_type or "-",
            _mark(result.origin_ok), _mark(result.trigger_ok), false, str(result.extra_incidents),
            "pass" if result.passed else "FAIL",
        ))
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    crises = [result for result in results if result.detected is not None]
    on_time = sum(1 for result in crises if result.passed)
    brand_days = sum(result.days for result in results)
    false_total = sum(result.false_incidents for result in results)
    per_week = 7 * false_total / brand_days if brand_days else 0.0
    delays = [result.delay_minutes for result in crises if result.delay_minutes is not None]
    lines.append("")
    lines.append(
        f"crises detected within {DELAY_TARGET_MINUTES:g} min with right origin and trigger: {on_time}/{len(crises)}"
        + (f" (median delay {sorted(delays)[len(delays) // 2]:g} min)" if delays else "")
    )
    lines.append(
        f"false incidents: {false_total} in {brand_days} brand-days = {per_week:.2f} per brand-week "
        f"(target <= {FALSE_PER_BRAND_WEEK_TARGET:g})"
    )
    return "\n".join(lines)


def format_sweep(runs: Mapping[str, Sequence[tuple[int, ScenarioResult]]]) -> str:
    """One row per variant over all its seeds: crises on time, missed, late, wrong origin or
    trigger, false incidents per brand-week, extra pages (incidents opened during a crisis
    besides the one that found it: a second page for the same crisis); then every problem as
    ``scenario@seed: what``.

    >>> ok = ScenarioResult("rude_reply", "acme", 4, "x", True, "owned_post_backlash", 21.0, True, True)
    >>> late = ScenarioResult("rude_reply", "acme", 4, "x", True, "owned_post_backlash", 41.0, True, True,
    ...                       extra_incidents=1)
    >>> quiet = ScenarioResult("ordinary_week", "acme", 7, "nothing", None)
    >>> print(format_sweep({"default": [(1, ok), (2, late), (1, quiet)]}))
    | variant | crises on time | missed | late | wrong origin/trigger | false incidents | false per brand-week | extra pages | median delay |
    |---|---|---|---|---|---|---|---|---|
    | default | 1/2 | 0 | 1 | 0 | 0 in 15 brand-days | 0.00 | 1 | 41 min |
    <BLANKLINE>
    problems:
      default: rude_reply@2: late 41 min, 1 extra page
    """
    header = ("variant", "crises on time", "missed", "late", "wrong origin/trigger", "false incidents",
              "false per brand-week", "extra pages", "median delay")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    problems: list[str] = []
    for variant, results in runs.items():
        crises = [result for _, result in results if result.detected is not None]
        found = [result for result in crises if result.detected]
        late = sum(1 for result in found if (result.delay_minutes or 0.0) > DELAY_TARGET_MINUTES)
        wrong = sum(1 for result in found if not (result.origin_ok and result.trigger_ok))
        brand_days = sum(result.days for _, result in results)
        false_total = sum(result.false_incidents for _, result in results)
        delays = sorted(result.delay_minutes for result in found if result.delay_minutes is not None)
        median = f"{delays[len(delays) // 2]:g} min" if delays else "-"
        lines.append("| " + " | ".join((
            variant, f"{sum(1 for result in crises if result.passed)}/{len(crises)}",
            str(len(crises) - len(found)), str(late), str(wrong), f"{false_total} in {brand_days} brand-days",
            f"{7 * false_total / brand_days if brand_days else 0.0:.2f}",
            str(sum(result.extra_incidents for result in crises)), median,
        )) + " |")
        problems += [
            f"  {variant}: {result.name}@{seed}: {', '.join(result.problems)}"
            for seed, result in results if result.problems
        ]
    return "\n".join([*lines, "", "problems:", *(problems or ["  none"])])
