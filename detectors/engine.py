"""The crisis engine: all detectors of one brand behind one pure step function.

The Faust agent ``detect_crises`` and the offline replay call exactly this::

    engine = CrisisEngine(EngineParams())
    state = engine.initial_state("acme-rail", "de")
    state, output = engine.step(state, enriched_event)   # output.incidents, output.buckets
    state, output = engine.flush(state, watermark_ms)    # end of a replay

**Event time only.** Events are counted in event-time buckets of
``bucket_width_ms``. A bucket closes once the largest event time seen passes
its end by ``allowed_lateness_ms``; all detectors are judged at each close
(``now`` = bucket end + allowed lateness), empty buckets included. ``detected_at``
is the event time at which the engine could know: the time of the event that
closed the bucket (later than ``now`` when events are sparse), or of the event
that opened a thread incident mid-bucket. Events that arrive for an already closed bucket are
**counted in the earliest open bucket** (``late_events`` counts them), so no
negative event is lost from the totals; events more than ``max_lateness_ms``
behind the open bucket are dropped (``dropped_events``), because by then they
describe a past that incidents have already been judged on. Thread state always
uses an event's own time.

**Self-protection.** At most ``max_events_per_author`` events of one author
count per bucket (one angry customer posting fifty times is not a crowd), and
for the share detector's longer pools at most as many in any 2 hours
(``BrandState.pool_authors``), so that one customer posting every few
minutes does not fill an hour's pool on a quiet brand; the thread detectors
count distinct authors; the volume and share detectors do not
learn anomalies into their baselines. A jump in event time of more than
``max_gap_buckets`` empty buckets skips ahead instead of closing them all.

**Bounded and deterministic.** The state holds the open buckets, the two
series detectors' bounded states, at most ``ThreadParams.max_threads`` threads,
at most ``max_pool_authors`` recent authors (each with at most
``max_events_per_author`` bucket starts: about 60 KB of JSON when full) and the
incidents of the last hours. The same events in the same order give
identical incidents, and the state round-trips through
:func:`brand_state_to_dict` / :func:`brand_state_from_dict` and JSON.

>>> from detectors.testing import T0_MS, enriched
>>> engine = CrisisEngine()
>>> state = engine.initial_state("acme")
>>> events = [enriched("q", 0, text="Train cancelled again, no refund")]
>>> events.append(enriched("rude", 60_000, parent="q", role="owned", negative=True,
...                        text="Not our problem. Read the terms before you complain."))
>>> events += [enriched(f"r{i}", 120_000 + 20_000 * i, parent="rude", root="q", negative=True,
...                     text="What a rude answer") for i in range(8)]
>>> incidents = []
>>> for event in events:
...     state, output = engine.step(state, event)
...     incidents += output.incidents
>>> state, output = engine.flush(state, T0_MS + 600_000)
>>> incidents += output.incidents
>>> [(i.status, i.type, i.origin, i.trigger.event_id) for i in incidents]
[('opened', 'owned_post_backlash', 'self_inflicted', 'rude')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from detectors.backlash import (
    CommentFloodDetector,
    ExternalParams,
    ExternalPostBacklashDetector,
    FloodParams,
    FloodState,
    ModerationBacklashDetector,
    ModerationParams,
    OwnedBacklashParams,
    OwnedPostBacklashDetector,
    ThreadVerdict,
)
from detectors.incidents import BRAND_CAUSE, IncidentBook, IncidentManager, IncidentParams, Signal
from detectors.jsonable import from_jsonable, to_jsonable
from detectors.sentiment.stance import boycott_term, calls_for_boycott_of, registry_names
from detectors.share import NegativeShareDetector, ShareParams, ShareState, busiest_hour
from detectors.terms import TermBurstDetector, TermBurstParams, TermBurstState, TermBurstVerdict
from detectors.threads import (
    ThreadBook,
    ThreadParams,
    ThreadState,
    ThreadTracker,
    author_key,
    bounded_count,
    space_saving,
    terms_of,
    top_keys,
)
from detectors.volume import VolumeDetector, VolumeParams, VolumeState
from schemas.records import (
    BRAND_ROLES,
    LEVEL_MIN_SEVERITY,
    EnrichedEvent,
    Evidence,
    Incident,
    IncidentType,
    Trigger,
)

STATE_VERSION: Final = 1
THREAD_DETECTORS: Final[tuple[IncidentType, ...]] = (
    "comment_flood",
    "owned_post_backlash",
    "moderation_backlash",
    "external_post_backlash",
)
LINKED_BACKLASH_SEVERITY: Final = 5
"""At least a warning: the brand's own hostile post has set off a brand-wide reaction."""
DETECTOR_NAMES: Final[tuple[IncidentType, ...]] = ("negative_spike", "negative_shift", *THREAD_DETECTORS)


@dataclass(frozen=True, slots=True)
class EngineParams:
    bucket_width_ms: int = 300_000
    allowed_lateness_ms: int = 60_000
    max_lateness_ms: int = 6 * 3_600_000
    max_events_per_author: int = 3
    max_pool_authors: int = 1024
    """Authors remembered for the share detector's per-author cap over its longest pool. When
    more posted within that pool, the least recently counted are forgotten (down to three
    quarters of this), so on a brand with more than about this many authors in 2 hours the cap
    covers a shorter span; one author's few events are immaterial there."""
    max_gap_buckets: int = 2016
    """One week of 5-minute buckets: longer silences skip ahead."""
    thread_active_ms: int = 3_600_000
    """Thread detectors judge threads with an event (or an attributed complaint) this recently."""
    attribution_buckets: int = 12
    """A brand-wide signal merges into a thread's incident when that thread holds enough of
    the negative events of this many recent buckets (see ``IncidentParams.attribution_share``)."""
    explained_share: float = 0.5
    """... or when that thread holds at least this share of the signal's excess negative events
    (observed minus expected over the signal's own window): on a busy brand a crisis thread
    is a small part of all negatives but most of the abnormal ones."""
    explained_min_negative: int = 3
    """A thread with no incident explains a brand-wide signal (see ``explained_share``) only with
    at least this many negative reactions in the signal's window."""
    spike_pool_buckets: int = 3
    spike_min_ratio: float = 2.0
    spike_min_excess: float = 6.0
    """A negative spike becomes an incident only when it matters to a person: the negative
    events of the last ``spike_pool_buckets`` buckets are at least ``spike_min_ratio`` times
    and ``spike_min_excess`` above what the volume detector expected (a slow rise from 5 to
    8 a bucket can be statistically unusual without being a crisis)."""
    spike_min_share_ratio: float = 1.25
    spike_strong_ratio: float = 3.0
    """... and, unless they are ``spike_strong_ratio`` times what was expected, their share of all
    events in the pool at least ``spike_min_share_ratio`` times the brand's usual negative share:
    a moderate rise in complaints at the usual share is more mentions, not a crisis (an outside
    tester's busy Monday, 70 % more of everything in the brand's first week, opened a spike
    with twice the expected negatives at the usual share)."""
    hostile_link_ms: int = 3 * 3_600_000
    """A brand-wide spike or shift this soon after the brand's own hostile post or reply, with no
    thread holding its negative events, is attributed to that post (``owned_post_backlash``)."""
    top_terms: int = 5
    max_bucket_terms: int = 200
    max_samples: int = 5
    volume: VolumeParams = field(default_factory=VolumeParams)
    share: ShareParams = field(default_factory=ShareParams)
    terms: TermBurstParams = field(default_factory=TermBurstParams)
    boycotts: TermBurstParams = field(default_factory=lambda: TermBurstParams(min_authors=4, max_terms=2))
    """Calls to boycott the brand by name, from outside authors in any post, reply or share,
    counted as one term (:func:`~detectors.sentiment.stance.boycott_term`) with the term
    burst's baseline and protection. Four people calling for a boycott within an hour are
    already a campaign, and a call is rare in ordinary traffic: none outside the crises in the
    scenario suites or in two outside testers' 36 streams (3 brands, 3.5-4 days each)."""
    threads: ThreadParams = field(default_factory=ThreadParams)
    flood: FloodParams = field(default_factory=FloodParams)
    owned: OwnedBacklashParams = field(default_factory=OwnedBacklashParams)
    moderation: ModerationParams = field(default_factory=ModerationParams)
    external: ExternalParams = field(default_factory=ExternalParams)
    incidents: IncidentParams = field(default_factory=IncidentParams)

    def __post_init__(self) -> None:
        if not 0 < self.explained_share <= 1:
            raise ValueError(f"explained_share must be in (0, 1], got {self.explained_share}")
        width = self.bucket_width_ms
        if width <= 0 or 3_600_000 % width:
            raise ValueError(f"bucket_width_ms must divide an hour, got {width}")
        if {self.volume.bucket_ms, self.share.bucket_ms, self.threads.bucket_width_ms} != {width}:
            raise ValueError("volume, share and thread parameters must use the engine's bucket width")
        if not 0 <= self.allowed_lateness_ms <= self.max_lateness_ms:
            raise ValueError("allowed_lateness_ms must be in [0, max_lateness_ms]")
        if self.spike_pool_buckets < 1 or self.spike_min_ratio < 1 or self.spike_min_excess < 0 or (
            self.spike_min_share_ratio < 0 or self.spike_strong_ratio < self.spike_min_ratio
        ):
            raise ValueError(
                "spike_pool_buckets must be at least 1, spike_min_ratio at least 1, spike_min_excess and "
                "spike_min_share_ratio >= 0, spike_strong_ratio at least spike_min_ratio"
            )
        if self.max_events_per_author < 1 or self.max_gap_buckets < 1 or self.max_pool_authors < 4:
            raise ValueError("max_events_per_author and max_gap_buckets must be at least 1, max_pool_authors at least 4")


@dataclass(frozen=True, slots=True)
class BucketTally:
    """Counts of one open bucket (author-capped) and the evidence an incident may need.

    ``pool_total`` / ``pool_negative``: the events the share detector counts, capped per
    author over its longest pool rather than per bucket.
    """

    start_ms: int
    total: int = 0
    negative: int = 0
    pool_total: int = 0
    pool_negative: int = 0
    authors: Mapping[str, int] = field(default_factory=dict)
    negative_platforms: Mapping[str, int] = field(default_factory=dict)
    terms: Mapping[str, int] = field(default_factory=dict)
    term_errors: Mapping[str, int] | None = None
    sample_event_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BrandState:
    brand: str
    lang: str
    volume: VolumeState
    share: ShareState
    threads: ThreadBook
    flood: FloodState
    incidents: IncidentBook
    watermark_ms: int | None = None
    open_from_ms: int | None = None
    """Start of the earliest bucket not yet closed."""
    buckets: tuple[BucketTally, ...] = ()
    term_bursts: TermBurstState = field(default_factory=TermBurstState)
    """Terms of recent negative posts and who used them (see :mod:`detectors.terms`)."""
    boycott_calls: TermBurstState = field(default_factory=TermBurstState)
    """Who called for a boycott of the brand lately (``EngineParams.boycotts``)."""
    elevated_since_ms: int | None = None
    """First bucket of the current run of raised spike/shift scores: the onset estimate."""
    recent_negative: tuple[int, ...] = ()
    """Negative counts of the last ``attribution_buckets`` closed buckets."""
    recent_total: tuple[int, ...] = ()
    """Their total counts (a spike's evidence is its pool's, see ``spike_pool_buckets``)."""
    late_events: int = 0
    dropped_events: int = 0
    timezone: str | None = None
    """IANA time zone of the brand's incident summaries (the registry's; None: UTC)."""
    pool_authors: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """Hashed author -> bucket starts of their events the share detector counted within its
    longest pool (at most ``max_events_per_author`` each, at most ``max_pool_authors`` authors)."""
    version: int = STATE_VERSION


@dataclass(frozen=True, slots=True)
class BucketReport:
    """One closed event-time bucket: feeds the Prometheus gauges and the replay plot."""

    brand: str
    start_ms: int
    width_ms: int
    total: int
    negative: int
    negative_share: float
    expected_negative: float
    share_baseline: float
    scores: Mapping[str, float]
    """Detector name -> score in [0, 1] (thread detectors: the highest over threads)."""


@dataclass(frozen=True, slots=True)
class EngineOutput:
    incidents: tuple[Incident, ...] = ()
    """Opened / updated / resolved incident events, in order."""
    buckets: tuple[BucketReport, ...] = ()


def _thread_negatives(book: ThreadBook, causes: Iterable[str], now_ms: int, window_ms: int) -> dict[str, int]:
    """Negative reactions (echoes included) of each tracked thread among ``causes`` over the last ``window_ms``."""
    counts: dict[str, int] = {}
    for cause in causes:
        thread = book.threads.get(cause)
        if thread is not None:
            window = thread.window(now_ms, window_ms)
            counts[cause] = window.negative + window.echoes
    return counts


def _counted_evidence(signal: Signal) -> Evidence:
    """A brand-wide signal's evidence as a thread backlash reads it, in negative reactions
    (counts), not shares: a shift's negatives against what the usual share would have given."""
    evidence = signal.evidence
    if signal.type != "negative_shift":
        return evidence
    return replace(evidence, observed=float(evidence.negative_events),
                   expected=round(evidence.expected * evidence.total_events, 3))


def _names_a_cause(thread: ThreadState) -> bool:
    """Has the thread a post a brand-wide signal could be the backlash to? Not the brand's
    status update or apology (read by its words, not hostile): complaints under "We're aware
    some payments fail" are about the outage, not the notice."""
    post = thread.trigger_post()
    if post is None:
        return False
    return post.author_role not in BRAND_ROLES or not post.reads_as_an_answer()


class CrisisEngine:
    def __init__(self, params: EngineParams = EngineParams()) -> None:
        self.params = params
        self.volume = VolumeDetector(params.volume)
        self.share = NegativeShareDetector(params.share)
        self.term_bursts = TermBurstDetector(params.terms)
        self.boycotts = TermBurstDetector(params.boycotts)
        self.tracker = ThreadTracker(params.threads)
        self.flood = CommentFloodDetector(params.flood)
        self.owned = OwnedPostBacklashDetector(params.owned)
        self.moderation = ModerationBacklashDetector(params.moderation)
        self.external = ExternalPostBacklashDetector(params.external)
        self.manager = IncidentManager(params.incidents)

    def initial_state(self, brand: str, lang: str = "en", timezone: str | None = None) -> BrandState:
        return BrandState(
            brand=brand,
            lang=lang,
            timezone=timezone,
            volume=self.volume.initial_state(),
            share=self.share.initial_state(),
            threads=self.tracker.initial_state(),
            flood=self.flood.initial_state(),
            incidents=self.manager.initial_state(),
        )

    def bucket_of(self, time_ms: int) -> int:
        return time_ms - time_ms % self.params.bucket_width_ms

    # ------------------------------------------------------------------ events

    def step(self, state: BrandState, event: EnrichedEvent) -> tuple[BrandState, EngineOutput]:
        """Count one enriched event, then close every bucket event time has passed."""
        params = self.params
        time_ms = event.event.created_at_ms
        bucket = self.bucket_of(time_ms)
        open_from = bucket if state.open_from_ms is None else state.open_from_ms
        if bucket < open_from:
            if open_from - time_ms > params.max_lateness_ms:
                return replace(state, dropped_events=state.dropped_events + 1), EngineOutput()
            state = replace(state, late_events=state.late_events + 1)
            bucket = open_from
        pool_authors, pooled = self._pool_count(state.pool_authors, bucket, event)
        state = replace(
            state,
            open_from_ms=open_from,
            buckets=self._tally(state.buckets, bucket, event, pooled),
            threads=self.tracker.observe(state.threads, event),
            pool_authors=pool_authors,
        )
        watermark = time_ms if state.watermark_ms is None else max(state.watermark_ms, time_ms)
        state = replace(
            state, watermark_ms=watermark, term_bursts=self.term_bursts.observe_event(state.term_bursts, event),
            boycott_calls=self._observe_boycott_call(state, event),
        )
        state, closed = self._close_until(state, watermark - params.allowed_lateness_ms)
        state, early = self._detect_early(state, event, watermark)
        if not early:
            return state, closed
        return state, EngineOutput(incidents=(*closed.incidents, *early), buckets=closed.buckets)

    def _observe_boycott_call(self, state: BrandState, event: EnrichedEvent) -> TermBurstState:
        """An outside author calling for a boycott of the brand by name, in any kind of event.

        Any other event only starts the detector's clock: its warm-up runs from the brand's
        first event, not from the first call.
        """
        raw = event.event
        if event.author_role != "other" or not raw.text or not calls_for_boycott_of(raw.text, registry_names(state.brand)):
            if state.boycott_calls.first_ms is not None:
                return state.boycott_calls
            # A state saved before calls were counted starts its clock at the term burst's.
            started = min(raw.created_at_ms, state.term_bursts.first_ms or raw.created_at_ms)
            return self.boycotts.observe(state.boycott_calls, started, author_key(raw.author.id), [])
        return self.boycotts.observe(
            state.boycott_calls, raw.created_at_ms, author_key(raw.author.id), [boycott_term(state.brand)],
            event_id=raw.id, platform=raw.platform,
        )

    def _detect_early(self, state: BrandState, event: EnrichedEvent, now_ms: int) -> tuple[BrandState, list[Incident]]:
        """Judge the thread this event touched right away, so a crisis can open mid-bucket.

        Only opening happens here (``IncidentManager.step(early=True)``); updates and
        resolution stay at bucket closes. ``detected_at`` is then this event's time.
        """
        book = state.threads
        open_causes = set(self.manager.open_thread_causes(state.incidents))
        signals: list[Signal] = []
        baseline_share, brand_busiest_hour = self.share.baseline_share(state.share), busiest_hour(state.share)
        for thread_id in sorted({self.tracker.thread_of(book, event), book.last_moderated_thread or ""} - open_causes):
            thread = book.threads.get(thread_id)
            if thread is None or thread.reactions + thread.complaints == 0:
                continue
            signals += [
                self._thread_signal(thread, verdict, state.incidents)
                for verdict in self._judge(state.flood, thread, now_ms, baseline_share, brand_busiest_hour)
                if verdict.fired
            ]
        if not signals:
            return state, []
        current = next((t.negative for t in state.buckets if t.start_ms == state.open_from_ms), 0)
        negative_by_thread, negative_total = self._attribution(
            state, book, [signal.cause for signal in signals], now_ms, current
        )
        incident_book, emitted = self.manager.step(
            state.incidents, signals, now_ms=now_ms, brand=state.brand, lang=state.lang, timezone=state.timezone,
            negative_by_thread=negative_by_thread, negative_total=negative_total, early=True,
        )
        return replace(state, incidents=incident_book), emitted

    def _attribution(
        self, state: BrandState, book: ThreadBook, causes: list[str], now_ms: int, current_negative: int,
    ) -> tuple[dict[str, int], int]:
        """Each cause's negative reactions over the attribution window, and the brand's total."""
        params = self.params
        recent = (*state.recent_negative, current_negative)[-params.attribution_buckets :]
        causes = sorted({*causes, *self.manager.open_thread_causes(state.incidents)})
        return _thread_negatives(book, causes, now_ms, params.attribution_buckets * params.bucket_width_ms), sum(recent)

    def flush(self, state: BrandState, watermark_ms: int) -> tuple[BrandState, EngineOutput]:
        """Event time has reached ``watermark_ms`` and nothing earlier will come.

        Closes every bucket that starts at or before the watermark, including the
        one holding it: the end of a replay (``run_offline`` passes the last
        event's time) or a quiet brand whose time the worker advances.
        """
        if state.open_from_ms is None:
            return state, EngineOutput()
        watermark = max(watermark_ms, state.watermark_ms or watermark_ms)
        state = replace(state, watermark_ms=watermark)
        return self._close_until(state, self.bucket_of(watermark_ms) + self.params.bucket_width_ms)

    def _pool_span_ms(self) -> int:
        return self.params.share.pool_buckets[-1] * self.params.bucket_width_ms

    def _pool_count(
        self, pool_authors: Mapping[str, tuple[int, ...]], start_ms: int, event: EnrichedEvent
    ) -> tuple[Mapping[str, tuple[int, ...]], bool]:
        """Whether the share detector counts this event: its author has fewer than
        ``max_events_per_author`` counted events in the buckets of the longest pool ending here.

        So no window of that span (and none of the shorter pools) holds more than that many
        events of one author. Returns the updated author map (bounded, see ``max_pool_authors``).
        """
        params = self.params
        if event.event.kind == "deletion":
            return pool_authors, False
        author = str(author_key(event.event.author.id))
        oldest = start_ms - self._pool_span_ms()
        recent = tuple(time for time in pool_authors.get(author, ()) if time > oldest)
        if len(recent) >= params.max_events_per_author:
            return pool_authors, False
        updated = {**pool_authors, author: (*recent, start_ms)}
        if len(updated) > params.max_pool_authors:
            keep = sorted(updated.items(), key=lambda item: (-item[1][-1], item[0]))[: params.max_pool_authors * 3 // 4]
            updated = dict(sorted(keep))
        return updated, True

    def _tally(
        self, buckets: tuple[BucketTally, ...], start_ms: int, event: EnrichedEvent, pooled: bool
    ) -> tuple[BucketTally, ...]:
        params = self.params
        raw = event.event
        tallies = list(buckets)
        index = next((i for i, tally in enumerate(tallies) if tally.start_ms == start_ms), None)
        if index is None:
            tallies.append(BucketTally(start_ms=start_ms))
            tallies.sort(key=lambda tally: tally.start_ms)
            index = next(i for i, tally in enumerate(tallies) if tally.start_ms == start_ms)
        tally = tallies[index]
        author = str(author_key(raw.author.id))
        if raw.kind == "deletion" or tally.authors.get(author, 0) >= params.max_events_per_author:
            return buckets
        negative = event.is_negative
        tally = replace(
            tally,
            total=tally.total + 1,
            negative=tally.negative + int(negative),
            pool_total=tally.pool_total + int(pooled),
            pool_negative=tally.pool_negative + int(pooled and negative),
            authors={**tally.authors, author: tally.authors.get(author, 0) + 1},
        )
        if negative:
            terms, term_errors = space_saving(tally.terms, tally.term_errors, terms_of(raw.text), params.max_bucket_terms)
            tally = replace(
                tally,
                negative_platforms=bounded_count(tally.negative_platforms, [raw.platform], 16),
                terms=terms,
                term_errors=term_errors,
                sample_event_ids=tally.sample_event_ids
                if len(tally.sample_event_ids) >= params.max_samples
                else (*tally.sample_event_ids, raw.id),
            )
        tallies[index] = tally
        return tuple(tallies)

    # ----------------------------------------------------------------- buckets

    def _close_until(self, state: BrandState, limit_ms: int) -> tuple[BrandState, EngineOutput]:
        """Close every bucket that ends at or before ``limit_ms``."""
        params = self.params
        width = params.bucket_width_ms
        if state.open_from_ms is None or state.open_from_ms + width > limit_ms:
            return state, EngineOutput()
        incidents: list[Incident] = []
        reports: list[BucketReport] = []
        closed = 0
        start = state.open_from_ms
        while start + width <= limit_ms:
            if closed >= params.max_gap_buckets:
                # A long silence (or a clock far ahead): skip the empty buckets up to the next counted one.
                counted = [t.start_ms for t in state.buckets if t.start_ms >= start]
                target = min(counted) if counted else self.bucket_of(limit_ms) - width
                if target > start:
                    start, closed = target, 0
                    continue
            state, report, emitted = self._close(state, start)
            reports.append(report)
            incidents.extend(emitted)
            closed += 1
            start += width
        state = replace(state, open_from_ms=start)
        return state, EngineOutput(incidents=tuple(incidents), buckets=tuple(reports))

    def _close(self, state: BrandState, start_ms: int) -> tuple[BrandState, BucketReport, list[Incident]]:
        params = self.params
        now_ms = start_ms + params.bucket_width_ms + params.allowed_lateness_ms
        tally = next((t for t in state.buckets if t.start_ms == start_ms), BucketTally(start_ms=start_ms))
        buckets = tuple(t for t in state.buckets if t.start_ms != start_ms)

        volume_state, volume = self.volume.step(state.volume, start_ms, tally.negative)
        share_state, share = self.share.step(
            state.share, start_ms, tally.negative, tally.total, tally.pool_negative, tally.pool_total
        )
        book = self.tracker.evict(state.threads, now_ms)
        flood_state = self.flood.learn(state.flood, book.evicted)

        signals: list[Signal] = []
        scores: dict[str, float] = dict.fromkeys(DETECTOR_NAMES, 0.0)
        scores["negative_spike"] = volume.score
        scores["negative_shift"] = share.score
        brand_busiest_hour = busiest_hour(share_state)
        for thread in sorted(book.threads.values(), key=lambda item: item.thread_id):
            if now_ms - thread.last_seen_ms > params.thread_active_ms:
                continue
            for verdict in self._judge(flood_state, thread, now_ms, share.baseline_share, brand_busiest_hour):
                scores[verdict.detector] = max(scores[verdict.detector], verdict.score)
                if verdict.fired:
                    signals.append(self._thread_signal(thread, verdict, state.incidents))

        raised = max(volume.score, share.score if not share.warming_up else 0.0) >= 0.35
        elevated_since = (state.elevated_since_ms or start_ms) if raised else None
        onset = elevated_since if elevated_since is not None else start_ms
        brand_evidence = Evidence(
            observed=float(tally.negative),
            expected=round(volume.expected, 3),
            window_seconds=params.bucket_width_ms // 1000,
            negative_events=tally.negative,
            total_events=tally.total,
            top_terms=top_keys(tally.terms, tally.term_errors, params.top_terms),
            platforms=dict(sorted(tally.negative_platforms.items())),
            sample_event_ids=tally.sample_event_ids,
        )
        pooled = sum(state.recent_negative[-(params.spike_pool_buckets - 1) :]) + tally.negative
        pooled_total = sum(state.recent_total[-(params.spike_pool_buckets - 1) :]) + tally.total
        pooled_expected = params.spike_pool_buckets * volume.expected
        material = (
            pooled >= params.spike_min_ratio * pooled_expected
            and pooled - pooled_expected >= params.spike_min_excess
            and (
                pooled >= params.spike_strong_ratio * pooled_expected
                or pooled >= params.spike_min_share_ratio * share.baseline_share * pooled_total
            )
        )
        if material and (volume.anomalous or (volume.score >= 0.5 and not volume.warming_up)):
            # The evidence is the pool that made the spike material, not its last bucket: an
            # opening read "2 vs about 0.531 expected" while 15 minutes held 8.
            signals.append(self._explained(Signal(
                type="negative_spike", cause=BRAND_CAUSE, origin="unknown",
                severity=self._series_severity(volume.score, 4), onset_ms=onset, trigger=None,
                evidence=replace(
                    brand_evidence, observed=float(pooled), expected=round(pooled_expected, 3),
                    window_seconds=params.spike_pool_buckets * params.bucket_width_ms // 1000,
                    negative_events=pooled, total_events=max(pooled, pooled_total),
                ),
            ), state, book, pooled - pooled_expected, params.spike_pool_buckets * params.bucket_width_ms, now_ms))
        term_bursts, burst = self.term_bursts.step(state.term_bursts, now_ms)
        boycott_calls, boycott = self.boycotts.step(state.boycott_calls, now_ms)
        state = replace(state, term_bursts=term_bursts, boycott_calls=boycott_calls)
        # A burst opens a negative_spike: the score the dashboards and the plot show must say so.
        scores["negative_spike"] = max(scores["negative_spike"], burst.score, boycott.score)
        if burst.anomalous or boycott.anomalous:
            open_thread_terms = self._open_thread_terms(state, book)
            if burst.anomalous:
                signals = self._with_term_burst(signals, burst, brand_evidence, onset, open_thread_terms)
            if boycott.anomalous:
                signals = self._with_term_burst(signals, boycott, brand_evidence, onset, open_thread_terms, leads=True)
        if share.anomalous or (share.score >= 0.5 and not share.warming_up):
            signals.append(self._explained(Signal(
                type="negative_shift", cause=BRAND_CAUSE, origin="unknown",
                severity=self._series_severity(share.score, 3), onset_ms=onset, trigger=None,
                evidence=replace(
                    brand_evidence, observed=round(share.share, 4), expected=round(share.baseline_share, 4),
                    window_seconds=share.pool_buckets * params.bucket_width_ms // 1000,
                    negative_events=share.pool_negative, total_events=share.pool_total,
                ),
                sustained=share.pool_buckets > params.share.pool_buckets[0],
            ), state, book, share.pool_negative - share.baseline_share * share.pool_total,
                share.pool_buckets * params.bucket_width_ms, now_ms))

        # Attribution of brand-wide signals to a thread: its share of the last hour's negatives.
        negative_by_thread, negative_total = self._attribution(
            state, book, [signal.cause for signal in signals], now_ms, tally.negative
        )
        if self.manager.attributed_cause(state.incidents, negative_by_thread, negative_total) is None:
            signals = self._link_to_hostile_post(signals, book, state.incidents, now_ms)
            signals = self._link_to_explaining_thread(signals, book)
        incident_book, emitted = self.manager.step(
            state.incidents, signals, now_ms=now_ms, brand=state.brand, lang=state.lang, timezone=state.timezone,
            negative_by_thread=negative_by_thread, negative_total=negative_total, known_at_ms=state.watermark_ms,
        )
        book = self.tracker.mark_incidents(book, self.manager.open_thread_causes(incident_book))
        book = replace(book, evicted=())
        report = BucketReport(
            brand=state.brand,
            start_ms=start_ms,
            width_ms=params.bucket_width_ms,
            total=tally.total,
            negative=tally.negative,
            negative_share=tally.negative / tally.total if tally.total else 0.0,
            expected_negative=volume.expected,
            share_baseline=share.baseline_share,
            scores=scores,
        )
        oldest = start_ms + params.bucket_width_ms - self._pool_span_ms()
        pool_authors = {author: times for author, times in state.pool_authors.items() if times[-1] > oldest}
        state = replace(
            state, volume=volume_state, share=share_state, threads=book, flood=flood_state, pool_authors=pool_authors,
            incidents=incident_book, buckets=buckets, elevated_since_ms=elevated_since,
            recent_negative=(*state.recent_negative, tally.negative)[-params.attribution_buckets :],
            recent_total=(*state.recent_total, tally.total)[-params.attribution_buckets :],
        )
        return state, report, emitted

    def _open_thread_terms(self, state: BrandState, book: ThreadBook) -> dict[str, frozenset[str]]:
        """The words of each open thread incident (by cause): its evidence's top terms and,
        while the book still holds the thread (a busy brand pushes quiet threads out), its terms."""
        words: dict[str, frozenset[str]] = {}
        for record in state.incidents.records:
            if not record.is_open or record.cause == BRAND_CAUSE:
                continue
            thread = book.threads.get(record.cause)
            words[record.cause] = frozenset((*record.evidence.top_terms, *((thread.terms or {}) if thread else {})))
        return words

    def _explained(
        self, signal: Signal, state: BrandState, book: ThreadBook, excess: float, window_ms: int, now_ms: int
    ) -> Signal:
        """The brand-wide ``signal`` with the threads that explain its ``excess`` negative events
        over ``window_ms``: ``attribute_to`` and ``explained_by`` (see :class:`Signal`)."""
        return replace(
            signal,
            attribute_to=self._explaining_thread(state, book, excess, window_ms, now_ms),
            explained_by=self._explaining_thread(state, book, excess, window_ms, now_ms, without_incident=True),
        )

    def _explaining_thread(
        self, state: BrandState, book: ThreadBook, excess: float, window_ms: int, now_ms: int,
        *, without_incident: bool = False,
    ) -> str | None:
        """The thread of an open incident holding ``explained_share`` of a brand-wide signal's
        excess negative events over the signal's window, if any (the one holding most).

        ``without_incident``: instead, an active thread never part of an incident (its second
        waves are its own detectors' to judge) and never moderated (protests are the moderation
        detector's) with a post to name as the trigger, holding at least ``explained_min_negative``
        of them.
        """
        if excess <= 0:
            return None
        open_causes = self.manager.open_thread_causes(state.incidents)
        causes: Iterable[str] = open_causes
        needed = self.params.explained_share * excess
        if without_incident:
            causes = [
                thread.thread_id for thread in book.threads.values()
                if thread.thread_id not in open_causes and not thread.flagged and thread.deletions == 0
                and now_ms - thread.last_seen_ms <= self.params.thread_active_ms and _names_a_cause(thread)
            ]
            needed = max(needed, self.params.explained_min_negative)
        negatives = _thread_negatives(book, causes, now_ms, window_ms)
        explaining = [(cause, count) for cause, count in negatives.items() if count >= needed]
        return max(explaining, key=lambda item: (item[1], item[0]))[0] if explaining else None

    def _link_to_explaining_thread(self, signals: list[Signal], book: ThreadBook) -> list[Signal]:
        """A brand-wide spike or shift whose excess negative events are mostly reactions to one
        post with no incident yet (:attr:`Signal.explained_by`) is a backlash to that post: an
        ``owned_post_backlash`` when it is the brand's, else an ``external_post_backlash``.

        The thread detectors judge a thread by the negative share the sentiment model reads in
        it; the brand-wide test judges the brand against its own usual. An outside tester's
        CEO post drew 106 comments in an hour, most of them German anger the model read as
        neutral, so no thread detector fired, while the spike they raised was paged with origin
        unknown and no trigger. The incident names the post, its author's side as the origin,
        and keeps the spike's evidence (against the brand's baseline). Every brand-wide signal of
        the bucket must be explained by the thread, one of them a spike or a sustained shift (a
        shift otherwise waits for a second bucket), and the post must be no later than a bucket
        after the rise began.
        """
        brand_signals = [signal for signal in signals if signal.cause == BRAND_CAUSE]
        explained = [signal for signal in brand_signals if signal.explained_by is not None and signal.attribute_to is None]
        if not explained or len(explained) < len(brand_signals):
            return signals
        if not any(signal.type == "negative_spike" or signal.sustained for signal in explained):
            return signals  # a shift that could open only at its second bucket does not open at its first as a thread's
        strongest = max(explained, key=lambda signal: (signal.severity, signal.type))
        thread = book.threads.get(strongest.explained_by or "")
        post = None if thread is None else thread.trigger_post()
        if thread is None or post is None or post.created_at_ms > strongest.onset_ms + self.params.bucket_width_ms:
            return signals  # the post came after the rise began: a symptom, not its cause
        if any(signal.cause == thread.thread_id for signal in signals):
            return signals  # the thread's own detectors speak for it
        own = post.author_role in BRAND_ROLES
        linked = Signal(
            type="owned_post_backlash" if own else "external_post_backlash", cause=thread.thread_id,
            origin="self_inflicted" if own else "external",
            severity=strongest.severity,
            onset_ms=(post.created_at_ms if strongest.onset_ms - post.created_at_ms <= self.params.threads.idle_ms
                      else strongest.onset_ms),
            trigger=thread.trigger(), evidence=_counted_evidence(strongest), against_baseline=True,
            term_burst=strongest.term_burst, explained_by=thread.thread_id,
        )
        return [*(signal for signal in signals if signal.cause != BRAND_CAUSE), linked]

    def _with_term_burst(
        self, signals: list[Signal], burst: TermBurstVerdict, evidence: Evidence, onset_ms: int,
        open_thread_terms: Mapping[str, frozenset[str]] | None = None, *, leads: bool = False,
    ) -> list[Signal]:
        """A term burst is a negative spike whose evidence names the bursting terms first.

        Many new authors posting the same terms ("outage", a hashtag) raise the brand's
        negative volume only moderately, so the volume test may stay quiet; when it fires
        too, its spike signal is kept and names the terms. A burst of the words of a thread
        whose incident is open is that crisis spreading into posts of their own: the spike
        belongs to that incident (on a busy brand the thread holds too small a share of the
        brand's negatives to be merged into it by share, and it would page a second time).

        ``leads``: the burst's evidence replaces a spike signal's instead of only naming its
        terms: calls for a boycott say more than a count of negative events, and the incident
        text reads the evidence as the burst's people.
        """
        if not burst.anomalous:
            return signals
        # A text's words have no "#": "#boycottzestoo" is "boycottzestoo" in a thread and a bucket.
        spelled = {term.lstrip("#") for term in burst.terms}
        attribute_to = next(
            (cause for cause, words in sorted((open_thread_terms or {}).items())
             if words.intersection(burst.terms) or words.intersection(spelled)),
            None,
        )
        spike = next((signal for signal in signals if signal.type == "negative_spike" and signal.cause == BRAND_CAUSE), None)
        known_terms = spike.evidence.top_terms if spike is not None and leads else evidence.top_terms
        terms = tuple(dict.fromkeys((*burst.terms, *(term for term in known_terms if term not in spelled))))
        terms = terms[: self.params.top_terms]
        if spike is not None and not leads:
            named = replace(spike, evidence=replace(spike.evidence, top_terms=terms),
                            attribute_to=attribute_to or spike.attribute_to)
            return [named if signal is spike else signal for signal in signals]
        onset = onset_ms if burst.onset_ms is None else min(onset_ms, burst.onset_ms)
        if spike is not None:
            onset, attribute_to = min(onset, spike.onset_ms), attribute_to or spike.attribute_to
        # The bucket's own counts need not be raised at all ("1 vs about 1 expected"): the
        # evidence is the burst's, the new authors of its leading term over its window against
        # that term's usual busiest hour, all of them negative posts, with their platforms
        # and posts (the bucket's samples could be any complaint of the last five minutes).
        burst_evidence = replace(
            evidence, observed=float(burst.observed), expected=burst.expected,
            window_seconds=self.params.terms.window_ms // 1000,
            negative_events=burst.observed, total_events=burst.observed, top_terms=terms,
            platforms=dict(burst.platforms) or evidence.platforms,
            sample_event_ids=burst.sample_event_ids or evidence.sample_event_ids,
        )
        severity = max(self._series_severity(burst.score, 4), spike.severity if spike is not None else 0)
        return [*(signal for signal in signals if signal is not spike), Signal(
            type="negative_spike", cause=BRAND_CAUSE, origin="unknown",
            severity=severity, onset_ms=onset, trigger=None,
            evidence=burst_evidence, attribute_to=attribute_to, term_burst=True,
        )]

    def _link_to_hostile_post(
        self, signals: list[Signal], book: ThreadBook, incidents: IncidentBook, now_ms: int
    ) -> list[Signal]:
        """A brand-wide spike or shift shortly after the brand's own hostile post or reply is its backlash.

        People often react in posts of their own (screenshots, quotes without a link) rather
        than in the thread, so no thread holds the negative events; the brand's hostile
        post of the last ``hostile_link_ms`` (or one whose incident is still open) is then
        the most likely cause. The brand signals become one ``owned_post_backlash`` signal
        on that post's thread. So does a brand post whose open incident is already an
        owned-post backlash, hostile-sounding or not: an outside tester's sarcastic agency
        reply (read as polite) drew a pile-on, and the screenshots of it paged a second time,
        as a share shift of unknown origin.
        """
        brand_signals = [signal for signal in signals if signal.cause == BRAND_CAUSE]
        if not brand_signals:
            return signals
        open_causes = set(self.manager.open_thread_causes(incidents))
        owned_backlash = {record.cause for record in incidents.records
                          if record.is_open and record.type == "owned_post_backlash"}
        candidates = [
            thread for thread in book.threads.values()
            if thread.brand_post is not None and (
                thread.thread_id in owned_backlash
                or (thread.brand_post.hostile and (
                    thread.thread_id in open_causes
                    or 0 <= now_ms - thread.brand_post.created_at_ms <= self.params.hostile_link_ms
                ))
            )
        ]
        if not candidates:
            return signals
        thread = max(candidates, key=lambda item: (item.brand_post.created_at_ms if item.brand_post else 0, item.thread_id))
        post = thread.brand_post
        assert post is not None
        strongest = max(brand_signals, key=lambda signal: signal.severity)
        linked = Signal(
            type="owned_post_backlash", cause=thread.thread_id, origin="self_inflicted",
            severity=max(strongest.severity, LINKED_BACKLASH_SEVERITY), onset_ms=post.created_at_ms, trigger=post.trigger(),
            evidence=_counted_evidence(strongest), against_baseline=True, term_burst=strongest.term_burst,
        )
        return [*(signal for signal in signals if signal.cause != BRAND_CAUSE), linked]

    def _judge(
        self, flood_state: FloodState, thread: ThreadState, now_ms: int, baseline_share: float, brand_busiest_hour: float
    ) -> list[ThreadVerdict]:
        return [
            self.flood.assess(flood_state, thread, now_ms, baseline_share, brand_busiest_hour),
            self.owned.assess(thread, now_ms),
            self.moderation.assess(thread, now_ms),
            self.external.assess(thread, now_ms),
        ]

    @staticmethod
    def _trigger_for(thread: ThreadState, detector: IncidentType) -> Trigger:
        """Owned backlash and floods name the brand's post or reply when there is one; an
        external post and a moderated thread name the thread's root."""
        if detector in ("external_post_backlash", "moderation_backlash"):
            if thread.root is not None:
                return thread.root.trigger()
            return Trigger(event_id=thread.thread_id, author_role="other")
        return thread.trigger()

    def _thread_signal(self, thread: ThreadState, verdict: ThreadVerdict, incidents: IncidentBook) -> Signal:
        return Signal(
            type=verdict.detector,
            cause=thread.thread_id,
            origin=verdict.origin,
            severity=verdict.severity,
            onset_ms=verdict.onset_ms,
            trigger=self._trigger_for(thread, verdict.detector),
            evidence=Evidence(
                observed=verdict.observed,
                expected=round(verdict.expected, 3),
                window_seconds=verdict.window_seconds,
                negative_events=verdict.negative_events,
                total_events=verdict.total_events,
                top_terms=top_keys(thread.terms, thread.term_errors, self.params.top_terms),
                platforms=dict(sorted((thread.platforms or {}).items())),
                sample_event_ids=thread.sample_event_ids,
            ),
            answers=self._answered_incident(thread, verdict, incidents),
        )

    def _answered_incident(self, thread: ThreadState, verdict: ThreadVerdict, incidents: IncidentBook) -> str | None:
        """The cause of the open incident whose crisis goes on under this flood or pile-on on
        the brand's own post, because the post is the brand's answer to it (see
        :attr:`Signal.answers`): a brand-wide one, or a self-inflicted thread's; of several, the
        most severe, then the latest.

        The post must read as an answer (a status update or an apology) and the incident must be
        at least a warning: an outside tester's CEO posted layoffs four minutes after an info-level
        share shift of unknown origin opened, and the flood under the post is news of its own.
        """
        post = thread.brand_post
        if (verdict.detector not in ("comment_flood", "owned_post_backlash") or post is None
                or post.event_id != thread.thread_id or not post.reads_as_an_answer()):
            return None
        # A thread incident only when it is the brand's own doing: an apology answers a rude reply;
        # "We're aware ..." during a former employee's leak may be news of its own.
        answered = [record for record in incidents.records
                    if record.is_open and record.cause != thread.thread_id and record.started_at_ms <= post.created_at_ms
                    and record.severity >= LEVEL_MIN_SEVERITY["warning"]
                    and (record.cause == BRAND_CAUSE or record.origin == "self_inflicted")]
        if not answered:
            return None
        return max(answered, key=lambda record: (record.severity, record.started_at_ms, record.cause)).cause

    @staticmethod
    def _series_severity(score: float, base: int) -> int:
        """Score 0.5 (threshold) gives ``base``; stronger anomalies up to 10."""
        return max(1, min(10, base + round((score - 0.5) * 12)))


def brand_state_to_dict(state: BrandState) -> dict[str, Any]:
    """A JSON-able dict (orjson without options) of the state; see :func:`brand_state_from_dict`."""
    data: dict[str, Any] = to_jsonable(state)
    return data


def brand_state_from_dict(data: Mapping[str, Any]) -> BrandState:
    version = data.get("version", STATE_VERSION)
    if version != STATE_VERSION:
        raise ValueError(f"brand state version {version!r} is not {STATE_VERSION}; start from initial_state")
    state: BrandState = from_jsonable(BrandState, data)
    return state
