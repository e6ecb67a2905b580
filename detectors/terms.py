"""Detector 7: a term burst: the same word from many authors new to it, in posts of their own.

An outage or a boycott hashtag raises a brand's negative volume only moderately (for a
big brand, within the usual hour-to-hour variation) and no single thread carries it:
hundreds of people post on their own. What sets it apart from ordinary traffic is that
the *same* terms ("app", "down", "#BoycottNorthline") come from *many distinct authors
who did not use them before*, within an hour. Ordinary complaints are spread over many
different terms, and terms people use every day ("delay", "late") have a baseline.

A pure detector over a small frozen state, in two calls like the thread tracker:
:meth:`TermBurstDetector.observe` folds one event in (its own event time; the engine passes
only negative root posts, see :meth:`TermBurstDetector.observe_event`), and
:meth:`TermBurstDetector.step` judges every term at a bucket close (``now_ms``).

Per term the state keeps a *slot*:

* the hashed authors (:func:`detectors.threads.author_key`) who used it in the last
  ``memory_ms``, with the time of their first use, at most ``max_authors`` of them (the
  oldest are dropped first). An author is *new* to the term in the window when their first
  use within that memory falls in the last ``window_ms``: one author repeating a term forty
  times is one voice, and an author who used it an hour before the window is not new;
* ``usual``: the term's busiest hour of new authors, decaying with ``usual_halflife_hours``
  (a term used every morning keeps its morning level from day to day), learnt hour by hour.

A term **bursts** when its new authors in the window reach ``min_authors`` and
``factor`` x (usual + sqrt(usual)) (see :meth:`TermBurstDetector.threshold`).
``score = count / (count + threshold)`` is 0.5 at the threshold. Only after ``warmup_ms``
of data (a day, so every daily term has a baseline).

Self-protection: an hour with ``factor`` x the usual level of new authors (for a rare term
``protect_share`` x ``min_authors``) is not learnt: the term keeps its old level, so a
boycott building over four hours keeps firing, unless the term has had
``adapt_after_hours`` such hours lately (a term that stays this busy is the new normal).
Hours that end within the warm-up are learnt as they are.

Bound: at most ``max_terms`` slots of at most ``max_authors`` (author, time) pairs each;
when full, the slot with the lowest usual level and fewest recent authors gives way. A slot
with no recent author whose threshold is ``min_authors`` anyway is dropped at a bucket
close: forgetting it changes no verdict. With the defaults that is at most 256 x 64 pairs
(about 300 kB of JSON); the scenario suite's traffic holds 50-130 slots (about 75 kB at 80
events an hour, 180 kB at 2000).

>>> detector = TermBurstDetector(TermBurstParams(warmup_ms=0))
>>> state = detector.initial_state()
>>> for i in range(12):  # twelve people post "outage" within twenty minutes
...     state = detector.observe(state, i * 100_000, author=i, terms=["outage", f"word{i}"])
>>> state, verdict = detector.step(state, 1_260_000)
>>> verdict.anomalous, verdict.terms, verdict.observed
(True, ('outage',), 12)
>>> state = detector.initial_state()
>>> for i in range(40):  # one person posting "outage" forty times is one voice
...     state = detector.observe(state, i * 30_000, author=7, terms=["outage"])
>>> detector.step(state, 1_260_000)[1].anomalous
False
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from detectors.threads import author_key, terms_of
from schemas.records import EnrichedEvent

HOUR_MS: Final = 3_600_000


@dataclass(frozen=True, slots=True)
class TermBurstParams:
    """Frozen parameters of :class:`TermBurstDetector` (chosen on ordinary traffic, see docs/detectors.md)."""

    window_ms: int = 3_600_000
    """New authors of a term are counted over this sliding window."""
    memory_ms: int = 3 * 3_600_000
    """An author who used the term this recently is not new to it."""
    min_authors: int = 12
    """New authors a term needs in the window to burst, however rare it was."""
    factor: float = 3.0
    """... and this many times its usual busiest hour."""
    usual_halflife_hours: float = 72.0
    protect_share: float = 0.25
    """An hour is not learnt when it bursts on its own (``factor`` x usual) or, for a rare term,
    brings at least this share of ``min_authors``."""
    adapt_after_hours: int = 8
    """After this many protected hours of a term (decaying like the usual level) its hour is
    learnt anyway: a term that stays this busy is the new normal (0: never)."""
    warmup_ms: int = 24 * 3_600_000
    """No burst before this much event time has been seen (every daily term needs its baseline)."""
    max_terms: int = 256
    max_authors: int = 64
    max_burst_terms: int = 5
    """Bursting terms named in a verdict (most new authors first)."""
    max_samples: int = 5
    """Event ids a term keeps of its latest new authors' posts (the evidence's samples)."""

    def __post_init__(self) -> None:
        if self.window_ms <= 0 or self.memory_ms < self.window_ms:
            raise ValueError("window_ms must be positive and memory_ms at least window_ms")
        if self.min_authors < 2 or self.factor < 1:
            raise ValueError("min_authors must be at least 2 and factor at least 1")
        if self.max_authors < self.min_authors or self.max_terms < 1 or self.max_burst_terms < 1:
            raise ValueError("max_authors must be at least min_authors; max_terms and max_burst_terms at least 1")
        if self.usual_halflife_hours <= 0 or not 0 < self.protect_share <= 1:
            raise ValueError("usual_halflife_hours must be positive and protect_share in (0, 1]")
        if self.warmup_ms < 0 or self.adapt_after_hours < 0:
            raise ValueError("warmup_ms and adapt_after_hours must be >= 0")


@dataclass(frozen=True, slots=True)
class TermSlot:
    """What the detector remembers about one term."""

    authors: tuple[int, ...] = ()
    """Hashed authors who used the term within ``memory_ms``, in order of first use."""
    first_ms: tuple[int, ...] = ()
    """Each author's first use (same order)."""
    platforms: tuple[str, ...] = ()
    """The platform of each author's first use (same order; empty when not given)."""
    sample_ids: tuple[str, ...] = ()
    """Event ids of the latest new authors' uses, at most ``max_samples`` (oldest first)."""
    sample_ms: tuple[int, ...] = ()
    """Their event times (same order)."""
    usual: float = 0.0
    """Busiest hour of new authors, as of ``usual_hour`` (decays from there)."""
    usual_hour: int = 0
    hour: int = 0
    """The hour whose new authors ``hour_count`` counts (not yet learnt)."""
    hour_count: int = 0
    protected_hours: float = 0.0
    """Protected hours of this term, decaying like ``usual``."""
    last_ms: int = 0


@dataclass(frozen=True, slots=True)
class TermBurstState:
    slots: Mapping[str, TermSlot] = field(default_factory=dict)
    first_ms: int | None = None
    """Event time of the first event seen (for the warm-up)."""


@dataclass(frozen=True, slots=True)
class TermBurstVerdict:
    score: float
    """Highest score over terms in [0, 1]; 0.5 at a term's threshold."""
    anomalous: bool
    terms: tuple[str, ...]
    """The bursting terms, most new authors first (empty when nothing bursts)."""
    observed: int
    """New authors of the leading term in the window (of the highest-scoring term when none bursts)."""
    expected: float
    """That term's usual busiest hour."""
    onset_ms: int | None
    """First use by a new author of the leading bursting term within the window."""
    warming_up: bool
    platforms: Mapping[str, int] = field(default_factory=dict)
    """The leading bursting term's new authors in the window by platform (empty when nothing bursts)."""
    sample_event_ids: tuple[str, ...] = ()
    """Posts of the bursting terms' new authors in the window, leading term first: the
    evidence a person reads is the campaign's, not whatever else the bucket held."""


class TermBurstDetector:
    """Term-burst detector for one brand (see module doc). Holds only its parameters."""

    def __init__(self, params: TermBurstParams = TermBurstParams()) -> None:
        self.params = params
        self._decay_per_hour = 0.5 ** (1.0 / params.usual_halflife_hours)

    def initial_state(self) -> TermBurstState:
        return TermBurstState()

    def threshold(self, usual: float) -> float:
        """New authors a term with this usual busiest hour needs in the window to burst.

        ``usual + sqrt(usual)`` rather than ``usual``: a level learnt from a day or two of a
        rarely used term is a noisy estimate (a term seen at most 4 times an hour on a quiet
        first day can reach 12 on a busy second one).
        """
        p = self.params
        return max(float(p.min_authors), p.factor * (usual + math.sqrt(usual)))

    def protect_level(self, usual: float) -> float:
        """An hour with this many new authors is not learnt: ``factor`` x its usual level (without
        the threshold's margin, so a campaign building up hour by hour does not raise its own
        bar), for a rare term ``protect_share`` x ``min_authors``."""
        p = self.params
        return max(p.protect_share * p.min_authors, p.factor * usual)

    @staticmethod
    def counts(event: EnrichedEvent) -> bool:
        """Negative posts of their own count; replies and comments are their thread's business."""
        raw = event.event
        return event.is_negative and raw.kind == "post" and raw.parent_id is None

    def observe_event(self, state: TermBurstState, event: EnrichedEvent) -> TermBurstState:
        if not self.counts(event):
            return state
        raw = event.event
        return self.observe(
            state, raw.created_at_ms, author_key(raw.author.id), terms_of(raw.text),
            event_id=raw.id, platform=raw.platform,
        )

    def observe(
        self, state: TermBurstState, time_ms: int, author: int, terms: Iterable[str],
        event_id: str | None = None, platform: str | None = None,
    ) -> TermBurstState:
        """One author used ``terms`` at ``time_ms`` (event time; repeated terms count once) in
        the event ``event_id`` on ``platform`` (both only for the evidence)."""
        p = self.params
        unique = list(dict.fromkeys(terms))
        first = time_ms if state.first_ms is None else min(state.first_ms, time_ms)
        if not unique:
            return state if state.first_ms == first else replace(state, first_ms=first)
        slots = dict(state.slots)
        hour = time_ms // HOUR_MS
        for term in unique:
            slot = slots.get(term)
            if slot is None:
                if len(slots) >= p.max_terms:
                    del slots[min(slots, key=lambda key: self._keep_rank(slots[key], key, hour))]
                slot = TermSlot(hour=hour, usual_hour=hour)
            if author in slot.authors:
                slots[term] = replace(slot, last_ms=max(slot.last_ms, time_ms))
                continue
            if hour > slot.hour:
                slot = self._learn(slot, hour, first)
            authors, first_ms = (*slot.authors, author), (*slot.first_ms, time_ms)
            # A slot restored from a checkpoint written before platforms were kept has none.
            known = slot.platforms[-len(slot.authors) :] if slot.authors else ()
            platforms = (*("",) * (len(slot.authors) - len(known)), *known, platform or "")
            if len(authors) > p.max_authors:
                authors, first_ms, platforms = authors[1:], first_ms[1:], platforms[1:]
            sample_ids, sample_ms = slot.sample_ids, slot.sample_ms
            if event_id is not None:
                sample_ids = (*sample_ids, event_id)[-p.max_samples :]
                sample_ms = (*sample_ms, time_ms)[-p.max_samples :]
            slots[term] = replace(
                slot, authors=authors, first_ms=first_ms, platforms=platforms,
                sample_ids=sample_ids, sample_ms=sample_ms, last_ms=max(slot.last_ms, time_ms),
                hour_count=slot.hour_count + (hour == slot.hour),
            )
        return TermBurstState(slots=slots, first_ms=first)

    def step(self, state: TermBurstState, now_ms: int) -> tuple[TermBurstState, TermBurstVerdict]:
        """Judge every term at ``now_ms`` (a bucket close), learn finished hours, forget old authors."""
        p = self.params
        hour = now_ms // HOUR_MS
        warming_up = state.first_ms is None or now_ms - state.first_ms < p.warmup_ms
        slots: dict[str, TermSlot] = {}
        judged: list[tuple[float, int, str, float, int | None]] = []
        for term, slot in state.slots.items():
            if hour > slot.hour:
                slot = self._learn(slot, hour, state.first_ms)
            keep = [index for index, first in enumerate(slot.first_ms) if first >= now_ms - p.memory_ms]
            if len(keep) != len(slot.first_ms):
                slot = replace(slot, authors=tuple(slot.authors[i] for i in keep),
                               first_ms=tuple(slot.first_ms[i] for i in keep),
                               platforms=tuple(slot.platforms[i] for i in keep if i < len(slot.platforms)))
            if slot.sample_ms and slot.sample_ms[0] < now_ms - p.memory_ms:
                recent = [i for i, ms in enumerate(slot.sample_ms) if ms >= now_ms - p.memory_ms]
                slot = replace(slot, sample_ids=tuple(slot.sample_ids[i] for i in recent),
                               sample_ms=tuple(slot.sample_ms[i] for i in recent))
            usual = self._usual_at(slot, hour)
            if not slot.authors and self.threshold(usual) <= p.min_authors:
                continue  # forgetting it changes no verdict
            slots[term] = slot
            window = [first for first in slot.first_ms if now_ms - p.window_ms <= first < now_ms]
            if window:
                count = len(window)
                judged.append((count / (count + self.threshold(usual)), count, term, usual, min(window)))
        judged.sort(key=lambda item: (-item[0], -item[1], item[2]))
        bursting = [] if warming_up else [item for item in judged if item[0] >= 0.5]
        bursting.sort(key=lambda item: (-item[1], item[2]))
        lead = bursting[0] if bursting else (judged[0] if judged else None)
        verdict = TermBurstVerdict(
            score=0.0 if lead is None or warming_up else lead[0],
            anomalous=bool(bursting),
            terms=tuple(item[2] for item in bursting[: p.max_burst_terms]),
            observed=0 if lead is None else lead[1],
            expected=0.0 if lead is None else round(lead[3], 3),
            onset_ms=lead[4] if bursting and lead is not None else None,
            warming_up=warming_up,
        )
        if bursting:
            verdict = replace(
                verdict,
                platforms=self._window_platforms(slots[bursting[0][2]], now_ms),
                sample_event_ids=self._window_samples([slots[item[2]] for item in bursting], now_ms),
            )
        return TermBurstState(slots=slots, first_ms=state.first_ms), verdict

    def _window_platforms(self, slot: TermSlot, now_ms: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        start = now_ms - self.params.window_ms
        for first, platform in zip(slot.first_ms, slot.platforms, strict=False):
            if platform and start <= first < now_ms:
                counts[platform] = counts.get(platform, 0) + 1
        return dict(sorted(counts.items()))

    def _window_samples(self, slots: list[TermSlot], now_ms: int) -> tuple[str, ...]:
        start = now_ms - self.params.window_ms
        ids = (
            event_id
            for slot in slots
            for event_id, ms in zip(slot.sample_ids, slot.sample_ms, strict=True)
            if start <= ms < now_ms
        )
        return tuple(dict.fromkeys(ids))[: self.params.max_samples]

    # ------------------------------------------------------------------ learning

    def _usual_at(self, slot: TermSlot, hour: int) -> float:
        decay: float = self._decay_per_hour ** max(hour - slot.usual_hour, 0)
        return slot.usual * decay

    def _learn(self, slot: TermSlot, hour: int, first_ms: int | None) -> TermSlot:
        """Fold the finished ``slot.hour`` into the usual level and start counting ``hour``.

        Hours that ended during the warm-up are learnt as they are (there is nothing to protect yet).
        """
        p = self.params
        count, usual = slot.hour_count, self._usual_at(slot, slot.hour)
        decay: float = self._decay_per_hour ** max(slot.hour - slot.usual_hour, 0)
        protected = slot.protected_hours * decay
        warm = first_ms is not None and (slot.hour + 1) * HOUR_MS - first_ms >= p.warmup_ms
        if count and warm and count >= self.protect_level(usual):
            protected += 1.0
            if p.adapt_after_hours and protected >= p.adapt_after_hours:
                protected = 0.0  # anomalous for long enough: the new level is usual
            else:
                count = 0
        return replace(
            slot, usual=max(float(count), usual), usual_hour=slot.hour, hour=hour, hour_count=0,
            protected_hours=protected,
        )

    def _keep_rank(self, slot: TermSlot, term: str, hour: int) -> tuple[float, int, int, str]:
        """Lower ranks give way first: low usual level, few recent authors, long unused."""
        return (self._usual_at(slot, hour), len(slot.authors), slot.last_ms, term)
