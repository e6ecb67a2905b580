"""Incident lifecycle: signals from the detectors become incidents that open, update, resolve.

At every closed bucket the engine hands :meth:`IncidentManager.step` the
signals that fired. The manager

* **merges** signals about the same cause into one incident: every thread
  signal about one thread (precedence moderation > owned post > external post >
  comment flood picks the type of a new incident), and brand-wide signals
  (negative spike / shift) into an open thread incident whose thread carries at
  least ``attribution_share`` of the bucket's negative events. A brand-wide
  incident opened before its thread's incident is resolved as merged into it,
  so a spike caused by the brand's own rude reply ends up as one
  ``owned_post_backlash`` incident with origin ``self_inflicted``;
* opens only after ``persistence_buckets`` consecutive signalling buckets
  (``shift_persistence_buckets`` for the noisier share shift, unless its signal is
  ``sustained``: judged over a longer pool that is itself the persistence);
* emits ``updated`` only on escalation (higher severity) or a newly merged
  signal type, and at most once per ``update_interval_ms``; a thread incident takes the
  type of a later signal that ranks higher and says so at once;
* resolves after ``quiet_ms`` without a signal and then ignores the same brand-wide
  signal, and a comment flood on the same thread, for ``cooldown_ms`` so a fading crisis
  does not flap (the other thread detectors have second-wave rules of their own).

Ids are deterministic: a hash of brand, type, trigger (or cause), onset bucket and the
bucket close that opened the incident (a second wave on the same trigger is a new incident).

>>> from schemas.records import Evidence
>>> manager = IncidentManager(IncidentParams())
>>> book = manager.initial_state()
>>> evidence = Evidence(observed=30, expected=4, window_seconds=300, negative_events=30, total_events=60)
>>> spike = Signal(type="negative_spike", cause=BRAND_CAUSE, origin="unknown", severity=5,
...                onset_ms=1772366400000, trigger=None, evidence=evidence)
>>> book, out = manager.step(book, [spike], now_ms=1772366700000, brand="acme", lang="en")
>>> [(incident.status, incident.type, incident.severity) for incident in out]
[('opened', 'negative_spike', 5)]
>>> book, out = manager.step(book, [], now_ms=1772366700000 + 3 * 3600_000, brand="acme", lang="en")
>>> [incident.status for incident in out]
['resolved']
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from detectors.incident_text import first_actions, summarize
from schemas.records import Evidence, Incident, IncidentStatus, IncidentType, Origin, Trigger

BRAND_CAUSE: Final = "*brand*"
"""The cause of brand-wide signals (negative spike and shift); thread signals use the thread id."""

THREAD_PRECEDENCE: Final[tuple[IncidentType, ...]] = (
    "moderation_backlash",
    "owned_post_backlash",
    "external_post_backlash",
    "comment_flood",
)
BRAND_PRECEDENCE: Final[tuple[IncidentType, ...]] = ("negative_spike", "negative_shift")


_Emit = Callable[["IncidentRecord", IncidentStatus], None]


@dataclass(frozen=True, slots=True)
class Signal:
    """One detector firing on one cause at one bucket close."""

    type: IncidentType
    cause: str
    origin: Origin
    severity: int
    onset_ms: int
    trigger: Trigger | None
    evidence: Evidence
    attribute_to: str | None = None
    """For a brand-wide signal: the thread whose open incident it belongs to, when the engine
    can tell by other means than the thread's share of negatives (a burst of that thread's
    words in posts of their own)."""
    explained_by: str | None = None
    """For a brand-wide signal: an active thread with no open incident that holds the engine's
    ``explained_share`` of the signal's excess negative events (a post most of the abnormal
    anger is under; see the engine's link to it). On the thread signal the engine makes of it:
    that thread, so a brand-wide incident already open merges into the incident it opens."""
    against_baseline: bool = False
    """The evidence is counted against a baseline (what is usual), not a detector's threshold:
    a brand-wide spike or shift that became a thread type's signal (see the engine's link to
    the brand's hostile post) keeps its series units, so its summary must not call the
    baseline an alert threshold."""
    term_burst: bool = False
    """The evidence counts authors new to the leading top term within an hour against that
    term's usual busiest hour (a term burst), not the brand's negative mentions."""
    answers: str | None = None
    """For a thread signal: the cause of the open incident (brand-wide, or another thread's) of
    at least warning level that the thread answers: the thread is the brand's own status update
    or apology, not hostile (objections are not counted under such a post), published after that
    incident began (a status update during an outage, an apology for a rude reply).
    Its comment flood or pile-on is that incident going on under the brand's answer, so it
    joins that incident instead of opening a self-inflicted one (an outside tester's outage
    paged twice, the second time as a backlash against the status update; another's apology for
    a rude reply opened a second incident for the same crisis). It adds to the incident's
    severity and signal types, never its type, trigger or evidence."""
    sustained: bool = False
    """The detector's evidence already spans several buckets and shows the rise still going on
    (a share shift judged over 30 minutes or more, whose newer half is raised as well): a
    ``negative_shift`` then opens at its first signalling bucket instead of waiting for
    ``shift_persistence_buckets``."""


@dataclass(frozen=True, slots=True)
class IncidentParams:
    persistence_buckets: int = 1
    shift_persistence_buckets: int = 2
    update_interval_ms: int = 15 * 60_000
    quiet_ms: int = 2 * 3_600_000
    cooldown_ms: int = 2 * 3_600_000
    attribution_share: float = 0.2
    onset_bucket_ms: int = 300_000
    max_records: int = 32

    def __post_init__(self) -> None:
        if self.persistence_buckets < 1 or self.shift_persistence_buckets < 1:
            raise ValueError("persistence must be at least one bucket")
        if self.quiet_ms <= 0 or self.update_interval_ms < 0 or self.cooldown_ms < 0:
            raise ValueError("quiet_ms must be positive, update_interval_ms and cooldown_ms not negative")
        if not 0 < self.attribution_share <= 1:
            raise ValueError("attribution_share must be in (0, 1]")


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    incident_id: str
    type: IncidentType
    cause: str
    origin: Origin
    trigger: Trigger | None
    started_at_ms: int
    detected_at_ms: int
    last_emitted_ms: int
    last_signal_ms: int
    severity: int
    """As last emitted."""
    pending_severity: int
    evidence: Evidence
    signal_types: tuple[IncidentType, ...]
    emitted_types: tuple[IncidentType, ...]
    resolved_at_ms: int | None = None
    merged_into: str | None = None
    against_baseline: bool = False
    """Its evidence came from a signal counted against a baseline (see :class:`Signal`)."""
    term_burst: bool = False
    """Its evidence came from a term burst (see :class:`Signal`)."""

    @property
    def is_open(self) -> bool:
        return self.resolved_at_ms is None


@dataclass(frozen=True, slots=True)
class IncidentBook:
    records: tuple[IncidentRecord, ...] = ()
    """Open incidents and those resolved less than ``cooldown_ms`` ago."""
    pending: Mapping[str, int] | None = None
    """``type|cause`` -> consecutive buckets with a signal, before an incident opens."""


def incident_id_for(brand: str, incident_type: IncidentType, anchor: str, onset_bucket_ms: int, opened_ms: int) -> str:
    """The id of the incident opened at ``opened_ms`` (a bucket close) on ``anchor``.

    The opening time is part of it: a thread's second wave hours after its incident resolved
    has the same trigger and onset, and must not reuse the resolved incident's id (a consumer
    would see ``opened`` after ``resolved`` for one incident). Only one incident per cause is
    open at a time, so the opening time tells them apart.

    >>> incident_id_for("acme", "negative_spike", "*brand*", 1772366400000, 1772366700000)
    'inc-72b5ec6bac42f287274d81a8'
    """
    key = f"{brand}|{incident_type}|{anchor}|{onset_bucket_ms}|{opened_ms}"
    return f"inc-{hashlib.sha256(key.encode()).hexdigest()[:24]}"


class IncidentManager:
    def __init__(self, params: IncidentParams = IncidentParams()) -> None:
        self.params = params

    def initial_state(self) -> IncidentBook:
        return IncidentBook(records=(), pending={})

    def open_thread_causes(self, book: IncidentBook) -> tuple[str, ...]:
        return tuple(record.cause for record in book.records if record.is_open and record.cause != BRAND_CAUSE)

    def step(
        self,
        book: IncidentBook,
        signals: Sequence[Signal],
        *,
        now_ms: int,
        brand: str,
        lang: str,
        negative_by_thread: Mapping[str, int] | None = None,
        negative_total: int = 0,
        early: bool = False,
        known_at_ms: int | None = None,
        timezone: str | None = None,
    ) -> tuple[IncidentBook, list[Incident]]:
        """Fold one bucket's signals into the incidents; returns the incident events to publish.

        ``now_ms`` is the time the signals are judged at (a bucket's end plus the allowed
        lateness); ``known_at_ms`` the event time at which that judgment could be made (the
        event that closed the bucket, later than ``now_ms`` when events are sparse). Incidents
        are stamped ``detected_at`` / ``updated_at`` with the later of the two, so a delay
        measured from them is never flattered by a bucket that closed late.

        ``early``: thread signals judged at an event between bucket closes. They may only
        open a new incident (when ``persistence_buckets`` is 1); updates, brand-wide
        signals, persistence counting and resolution wait for the bucket close.
        """
        params = self.params
        if early:
            if params.persistence_buckets > 1:
                return book, []
            signals = [signal for signal in signals if signal.cause != BRAND_CAUSE
                       and self._find(list(book.records), signal.cause) is None]
            if not signals:
                return book, []
        records = list(book.records)
        emitted: list[Incident] = []
        by_cause: dict[str, list[Signal]] = {}
        for signal in signals:
            by_cause.setdefault(signal.cause, []).append(signal)
        previous_pending = book.pending or {}
        pending: dict[str, int] = {}

        known_ms = max(now_ms, known_at_ms if known_at_ms is not None else now_ms)

        def emit(record: IncidentRecord, status: IncidentStatus) -> None:
            emitted.append(self._incident(record, status, known_ms, brand, lang, timezone))

        def pick(group: list[Signal], precedence: tuple[IncidentType, ...]) -> Signal:
            return min(group, key=lambda signal: (precedence.index(signal.type), -signal.severity))

        answers: list[Signal] = []
        # Thread causes first, so brand-wide signals can merge into what they open.
        for cause in sorted(cause for cause in by_cause if cause != BRAND_CAUSE):
            group = by_cause[cause]
            lead = pick(group, THREAD_PRECEDENCE)
            index = self._find(records, cause)
            if index is not None:
                records[index] = self._absorb(records[index], group, now_ms, emit)
                continue
            answered = None if lead.answers is None else self._find(records, lead.answers)
            if answered is not None:
                if records[answered].cause == BRAND_CAUSE:
                    answers += group  # absorbed below with the bucket's brand-wide signals (not early)
                elif not early:
                    records[answered] = self._absorb(records[answered], group, now_ms, emit, answer=True)
                continue
            if not early:  # early signals come only when one bucket of persistence suffices
                key = f"{lead.type}|{cause}"
                pending[key] = previous_pending.get(key, 0) + 1
                if pending[key] < params.persistence_buckets:
                    continue
                del pending[key]
            if self._cooling(records, cause, lead.type, now_ms):
                continue
            record = self._open(lead, group, now_ms, brand, known_ms)
            records.append(record)
            emit(record, "opened")
            explains_brand = any(signal.explained_by == cause for signal in group)
            for position, other in enumerate(records):
                if other.is_open and other.cause == BRAND_CAUSE and (
                    explains_brand or self._attributed(cause, negative_by_thread, negative_total)
                ):
                    records[position] = replace(other, resolved_at_ms=now_ms, merged_into=record.incident_id)
                    emit(records[position], "resolved")
        if early:
            return IncidentBook(records=tuple(records), pending=previous_pending), emitted

        brand_signals = by_cause.get(BRAND_CAUSE, [])
        if brand_signals:
            lead = pick(brand_signals, BRAND_PRECEDENCE)
            target = next(
                (found for signal in brand_signals if signal.attribute_to is not None
                 and (found := self._find(records, signal.attribute_to)) is not None),
                None,
            )
            if target is None:
                target = self._attribution_target(records, negative_by_thread, negative_total)
            if target is None:
                target = self._find(records, BRAND_CAUSE)
            if target is not None:
                group = brand_signals
                if records[target].cause == BRAND_CAUSE:
                    group, answers = [*brand_signals, *answers], []
                records[target] = self._absorb(records[target], group, now_ms, emit)
            else:
                key = f"{lead.type}|{BRAND_CAUSE}"
                pending[key] = previous_pending.get(key, 0) + 1
                needed = params.persistence_buckets
                if lead.type == "negative_shift" and not lead.sustained:
                    needed = params.shift_persistence_buckets
                if pending[key] >= needed and not self._cooling(records, BRAND_CAUSE, lead.type, now_ms):
                    del pending[key]
                    record = self._open(lead, brand_signals, now_ms, brand, known_ms)
                    records.append(record)
                    emit(record, "opened")

        answered = self._find(records, BRAND_CAUSE) if answers else None
        if answered is not None:
            records[answered] = self._absorb(records[answered], answers, now_ms, emit)

        kept: list[IncidentRecord] = []
        for record in records:
            if record.is_open and now_ms - record.last_signal_ms >= params.quiet_ms:
                record = replace(record, resolved_at_ms=now_ms)
                emit(record, "resolved")
            if record.is_open or now_ms - (record.resolved_at_ms or now_ms) < params.cooldown_ms:
                kept.append(record)
        return IncidentBook(records=tuple(kept[-params.max_records :]), pending=pending), emitted

    def _find(self, records: list[IncidentRecord], cause: str) -> int | None:
        for index, record in enumerate(records):
            if record.is_open and record.cause == cause:
                return index
        return None

    def _cooling(self, records: list[IncidentRecord], cause: str, incident_type: IncidentType, now_ms: int) -> bool:
        """An incident this signal must not reopen was resolved less than ``cooldown_ms`` ago.

        A brand-wide spike does not hold back a share shift (they are different detectors),
        unless it was merged into a thread's incident, which then carries the crisis. Of the
        thread detectors only the comment flood is cooled: the others fire again after an
        incident only on a second wave of their own (see :mod:`detectors.backlash`), and a
        cooldown on top held back a real one (an outside tester's rude reply at 3 a.m.
        resolved at 05:16 as the morning's outrage began, and was paged again only at 07:16,
        after 95 more reactions). Without one for floods, a leaked post's evening chatter
        paged a second time 35 minutes after its external-post incident resolved (the sweep's
        extra pages went from 9 to 26).
        """
        if cause != BRAND_CAUSE and incident_type != "comment_flood":
            return False
        return any(
            record.cause == cause and record.resolved_at_ms is not None
            and (cause != BRAND_CAUSE or record.type == incident_type or record.merged_into is not None)
            and now_ms - record.resolved_at_ms < self.params.cooldown_ms
            for record in records
        )

    def _attributed(self, cause: str, negative_by_thread: Mapping[str, int] | None, negative_total: int) -> bool:
        if not negative_by_thread or negative_total <= 0:
            return False
        return negative_by_thread.get(cause, 0) >= self.params.attribution_share * negative_total

    def attributed_cause(
        self, book: IncidentBook, negative_by_thread: Mapping[str, int] | None, negative_total: int
    ) -> str | None:
        """The open thread incident a brand-wide signal would merge into, if any."""
        records = list(book.records)
        index = self._attribution_target(records, negative_by_thread, negative_total)
        return None if index is None else records[index].cause

    def _attribution_target(
        self, records: list[IncidentRecord], negative_by_thread: Mapping[str, int] | None, negative_total: int
    ) -> int | None:
        best: tuple[int, int] | None = None
        for index, record in enumerate(records):
            if not record.is_open or record.cause == BRAND_CAUSE:
                continue
            if self._attributed(record.cause, negative_by_thread, negative_total):
                count = (negative_by_thread or {}).get(record.cause, 0)
                if best is None or count > best[0]:
                    best = (count, index)
        return None if best is None else best[1]

    def _open(self, lead: Signal, group: list[Signal], now_ms: int, brand: str, known_ms: int) -> IncidentRecord:
        onset = lead.onset_ms
        onset_bucket = onset - onset % self.params.onset_bucket_ms
        anchor = lead.trigger.event_id if lead.trigger is not None else lead.cause
        severity = max(signal.severity for signal in group)
        types = tuple(sorted({signal.type for signal in group}))
        return IncidentRecord(
            incident_id=incident_id_for(brand, lead.type, anchor, onset_bucket, now_ms),
            type=lead.type, cause=lead.cause, origin=lead.origin, trigger=lead.trigger,
            started_at_ms=min(onset, now_ms), detected_at_ms=known_ms, last_emitted_ms=now_ms,
            last_signal_ms=now_ms, severity=severity, pending_severity=severity,
            evidence=lead.evidence, signal_types=types, emitted_types=types, against_baseline=lead.against_baseline,
            term_burst=lead.term_burst,
        )

    def _absorb(
        self, record: IncidentRecord, group: list[Signal], now_ms: int, emit: _Emit, *, answer: bool = False
    ) -> IncidentRecord:
        """Merge a bucket's signals into an open incident; publish an update if it is due.

        A thread incident takes the type (origin, trigger) of a signal that ranks above its
        own in ``THREAD_PRECEDENCE`` and says so at once, whatever the rate limit: a flood on
        a price post whose comments a moderator then hid is a moderation backlash from then on
        (an outside tester's incident stayed ``comment_flood`` and never told the team to stop
        deleting). ``answer``: the signals come from the brand's answer to this incident
        (:attr:`Signal.answers`), which changes neither its type nor its evidence.
        """
        retyped = False
        if record.cause != BRAND_CAUSE and record.type in THREAD_PRECEDENCE and not answer:
            above = [signal for signal in group if signal.type in THREAD_PRECEDENCE
                     and THREAD_PRECEDENCE.index(signal.type) < THREAD_PRECEDENCE.index(record.type)]
            if above:
                lead = min(above, key=lambda signal: (THREAD_PRECEDENCE.index(signal.type), -signal.severity))
                record = replace(record, type=lead.type, origin=lead.origin, trigger=lead.trigger or record.trigger)
                retyped = True
        own = [] if answer else [signal for signal in group if signal.type == record.type]
        brand_wide = [signal for signal in group if signal.cause == BRAND_CAUSE]
        source = own[0] if own else brand_wide[0] if record.cause == BRAND_CAUSE and brand_wide else None
        evidence = source.evidence if source is not None else record.evidence
        against_baseline = source.against_baseline if source is not None else record.against_baseline
        term_burst = source.term_burst if source is not None else record.term_burst
        severity = max(record.pending_severity, *(signal.severity for signal in group))
        types = tuple(sorted({*record.signal_types, *(signal.type for signal in group)}))
        record = replace(
            record, last_signal_ms=now_ms, pending_severity=severity, signal_types=types, evidence=evidence,
            against_baseline=against_baseline, term_burst=term_burst,
        )
        escalated = severity > record.severity or set(types) - set(record.emitted_types)
        if retyped or (escalated and now_ms - record.last_emitted_ms >= self.params.update_interval_ms):
            record = replace(record, severity=severity, emitted_types=types, last_emitted_ms=now_ms)
            emit(record, "updated")
        return record

    def _incident(
        self, record: IncidentRecord, status: IncidentStatus, now_ms: int, brand: str, lang: str, timezone: str | None = None
    ) -> Incident:
        return Incident(
            incident_id=record.incident_id,
            status=status,
            brand=brand,
            type=record.type,
            origin=record.origin,
            severity=record.severity,
            started_at_ms=record.started_at_ms,
            detected_at_ms=record.detected_at_ms,
            updated_at_ms=now_ms,
            evidence=record.evidence,
            summary=summarize(
                incident_type=record.type, lang=lang, brand=brand, origin=record.origin, status=status,
                started_at_ms=record.started_at_ms, evidence=record.evidence, trigger=record.trigger,
                merged_into=record.merged_into, against_baseline=record.against_baseline,
                term_burst=record.term_burst, timezone=timezone, also=record.emitted_types,
            ),
            lang=lang if lang in ("en", "de") else "en",
            trigger=record.trigger,
            first_actions=first_actions(
                record.type, lang, record.trigger.author_role if record.trigger else None,
                record.trigger.kind if record.trigger else None,
            ),
            resolved_at_ms=record.resolved_at_ms if status == "resolved" else None,
        )
