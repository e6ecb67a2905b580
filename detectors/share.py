"""Detector 2: the share of negative events jumps while total volume is ordinary.

A pure step function over a small frozen state, fed one closed event-time bucket at a
time with the bucket's negative and total counts (empty buckets as ``0, 0``).

The observed share is pooled over several spans of recent buckets (``pool_buckets``: 15
minutes, 30 minutes, 1 hour and 2 hours), so a single bucket with 2 of 3 negative is not a
crisis, and a quiet brand (or a busy one at night), whose 15 minutes hold a handful of
events, still shows a lasting shift once a longer span holds enough of them. The
baseline share is the pooled share of the last day (kept as 24 hourly count pairs plus
the hour in progress, so the state is bounded) with a weak prior, and the jump is
measured as a binomial z-score inflated by a running over-dispersion factor (real
streams vary more than coin flips). The detector fires when

* a pooled window holds at least ``min_total`` events and ``min_negative`` negative
  ones (the minimum count),
* its share is at least ``min_share_increase`` above the baseline (for the longer pools,
  the share of their newer half as well: a shift that has ended does not fire again from
  the long pools that still hold it), and
* its z-score reaches ``threshold`` (``score = z / (z + threshold)``, 0.5 at the threshold;
  the verdict reports the pool with the highest score),

outside the cooldown and after ``warmup_buckets``. It does not care whether the total is
high: a rise in volume at the usual share is the volume detector's business, and a
surge of criticism shows here even when volume is flat. Each longer pool's z-score is
inflated by its own running over-dispersion factor (never below the single bucket's),
because a share that drifts for an hour varies more over an hour than independent
buckets would.

The longer pools take their own counts (``pool_negative`` / ``pool_total`` of
:meth:`NegativeShareDetector.step`), capped per author over the longest pool: the engine
counts at most 3 events of one author in any 2 hours there, because one customer posting
every 4 minutes stays under a per-bucket cap yet fills an hour's pool on a quiet brand.
The shortest pool and the baseline keep the per-bucket counts.

Self-protection: while the shortest pool's z-score, or a longer pool's z-score that passes
its minimum count and share gates, is at or above ``protect_z``, the hour aggregates learn
the expected negative count (``total x baseline share``), not the observed one, so an
ongoing shift keeps its old baseline.

>>> detector = NegativeShareDetector(ShareParams(warmup_buckets=24))
>>> state = detector.initial_state()
>>> for i in range(48):
...     state, verdict = detector.step(state, i * 300_000, negative=10, total=100)
>>> verdict.anomalous, round(verdict.baseline_share, 2)
(False, 0.1)
>>> fired = []
>>> for i in range(48, 51):  # 35 of 100 negative: fires once the pooled share has moved
...     state, verdict = detector.step(state, i * 300_000, negative=35, total=100)
...     fired.append(verdict.anomalous)
>>> fired, round(verdict.share, 2), round(verdict.baseline_share, 2)
([False, True, False], 0.35, 0.1)

A quiet brand with 2 events a bucket: 15 minutes never hold the 20 events a share needs,
but once three in four are negative the 1-hour pool fires after an hour.

>>> quiet = NegativeShareDetector(ShareParams(warmup_buckets=24))
>>> state = quiet.initial_state()
>>> for i in range(48):  # one in four negative
...     state, verdict = quiet.step(state, i * 300_000, negative=i % 2, total=2)
>>> fired = []
>>> for i in range(48, 72):  # three in four negative
...     state, verdict = quiet.step(state, i * 300_000, negative=1 + i % 2, total=2)
...     fired += [(i - 48, verdict.pool_buckets, verdict.pool_negative, verdict.pool_total)] if verdict.anomalous else []
>>> fired
[(11, 12, 18, 24)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Self

HOUR_MS = 3_600_000
DAY_HOURS = 24


@dataclass(frozen=True, slots=True)
class ShareParams:
    """Frozen parameters of :class:`NegativeShareDetector` (defaults: 5-minute buckets)."""

    bucket_ms: int = 300_000
    threshold: float = 5.0
    """Over-dispersion-adjusted binomial z-score at which the share is anomalous (score 0.5)."""
    protect_z: float = 3.0
    """Buckets at or above this z-score are learned at the baseline share."""
    pool_buckets: tuple[int, ...] = (3, 6, 12, 24)
    """Spans (in buckets, shortest first) over which the observed share is pooled and judged:
    15 minutes, 30 minutes, 1 hour and 2 hours."""
    min_total: int = 20
    """Events needed in a pooled window before its share means anything."""
    min_negative: int = 8
    """Negative events needed in a pooled window."""
    min_share_increase: float = 0.1
    """Absolute share increase (0.1 = ten percentage points) needed to fire."""
    warmup_buckets: int = 288
    """Buckets before the baseline is trusted (288 x 5 min = 1 day)."""
    prior_share: float = 0.2
    """Baseline share assumed before any data (weight ``prior_events`` events)."""
    prior_events: float = 20.0
    dispersion_halflife_buckets: float = 288.0
    cooldown_buckets: int = 36
    """At most one alert in this many consecutive buckets (36 x 5 min = 3 hours)."""

    def validate(self) -> None:
        if self.bucket_ms <= 0:
            raise ValueError(f"bucket_ms must be positive, got {self.bucket_ms}")
        if self.threshold <= 0 or self.protect_z <= 0:
            raise ValueError("threshold and protect_z must be positive")
        if not self.pool_buckets or min(self.pool_buckets) < 1 or list(self.pool_buckets) != sorted(set(self.pool_buckets)):
            raise ValueError(f"pool_buckets must be increasing spans of at least 1 bucket, got {self.pool_buckets}")
        if self.min_total < 1 or self.min_negative < 0:
            raise ValueError("min_total must be at least 1 and min_negative non-negative")
        if not 0 <= self.min_share_increase < 1:
            raise ValueError(f"min_share_increase must be in [0, 1), got {self.min_share_increase}")
        if not 0 < self.prior_share < 1 or self.prior_events <= 0:
            raise ValueError("prior_share must be in (0, 1) and prior_events positive")
        if self.warmup_buckets < 0 or self.cooldown_buckets < 0:
            raise ValueError("warmup_buckets and cooldown_buckets must be >= 0")
        if self.dispersion_halflife_buckets <= 0:
            raise ValueError("dispersion_halflife_buckets must be positive")


@dataclass(frozen=True, slots=True)
class ShareState:
    """What the detector remembers about one brand (JSON-able, bounded).

    ``hourly_negative`` / ``hourly_total``: learned counts of the last 24 complete hours,
    oldest first. ``window_negative`` / ``window_total``: the shortest pool's buckets;
    ``pool_window_negative`` / ``pool_window_total``: the longest pool's buckets (counted
    with the per-author cap over that pool); ``pool_dispersion``: one over-dispersion
    factor per longer pool.
    """

    buckets_seen: int = 0
    last_bucket_ms: int | None = None
    window_negative: tuple[int, ...] = ()
    window_total: tuple[int, ...] = ()
    hourly_negative: tuple[float, ...] = ()
    hourly_total: tuple[float, ...] = ()
    hour: int | None = None
    hour_negative: float = 0.0
    hour_total: float = 0.0
    dispersion: float = 1.0
    cooldown_remaining: int = 0
    pool_window_negative: tuple[int, ...] = ()
    pool_window_total: tuple[int, ...] = ()
    pool_dispersion: tuple[float, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Inverse of :func:`dataclasses.asdict` (JSON turns tuples into lists)."""
        return cls(
            buckets_seen=int(data["buckets_seen"]),
            last_bucket_ms=None if data["last_bucket_ms"] is None else int(data["last_bucket_ms"]),
            window_negative=tuple(int(v) for v in data["window_negative"]),
            window_total=tuple(int(v) for v in data["window_total"]),
            hourly_negative=tuple(float(v) for v in data["hourly_negative"]),
            hourly_total=tuple(float(v) for v in data["hourly_total"]),
            hour=None if data["hour"] is None else int(data["hour"]),
            hour_negative=float(data["hour_negative"]),
            hour_total=float(data["hour_total"]),
            dispersion=float(data["dispersion"]),
            cooldown_remaining=int(data["cooldown_remaining"]),
            pool_window_negative=tuple(int(v) for v in data.get("pool_window_negative", ())),
            pool_window_total=tuple(int(v) for v in data.get("pool_window_total", ())),
            pool_dispersion=tuple(float(v) for v in data.get("pool_dispersion", ())),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ShareVerdict:
    score: float
    """Anomaly score in [0, 1]; 0.5 at the threshold."""
    anomalous: bool
    share: float
    """Negative share of the pooled window that scored highest (0 when it is empty)."""
    baseline_share: float
    warming_up: bool
    pool_buckets: int = 3
    """Span of that window, in buckets."""
    pool_negative: int = 0
    pool_total: int = 0
    """Negative and all events in that window."""


@dataclass(frozen=True, slots=True)
class NegativeShareDetector:
    """Negative-share shift detector for one brand (see module doc)."""

    params: ShareParams = field(default_factory=ShareParams)

    def __post_init__(self) -> None:
        self.params.validate()

    def initial_state(self) -> ShareState:
        return ShareState()

    def baseline_share(self, state: ShareState) -> float:
        p = self.params
        negative = sum(state.hourly_negative) + state.hour_negative
        total = sum(state.hourly_total) + state.hour_total
        return (negative + p.prior_share * p.prior_events) / (total + p.prior_events)

    def step(
        self,
        state: ShareState,
        bucket_start_ms: int,
        negative: int,
        total: int,
        pool_negative: int | None = None,
        pool_total: int | None = None,
    ) -> tuple[ShareState, ShareVerdict]:
        """Judge one closed bucket; odd counts are clamped (``0 <= negative <= total``).

        ``negative`` / ``total`` feed the baseline and the shortest pool; ``pool_negative`` /
        ``pool_total`` (the same bucket counted with a per-author cap over the longest pool;
        by default the same counts) feed the longer pools.
        """
        p = self.params
        total = max(int(total), 0)
        negative = min(max(int(negative), 0), total)
        pool_total = total if pool_total is None else max(int(pool_total), 0)
        pool_negative = negative if pool_negative is None else min(max(int(pool_negative), 0), pool_total)
        shortest, longest = p.pool_buckets[0], p.pool_buckets[-1]
        window_negative = (*state.window_negative, negative)[-shortest:]
        window_total = (*state.window_total, total)[-shortest:]
        long_negative = (*state.pool_window_negative, pool_negative)[-longest:]
        long_total = (*state.pool_window_total, pool_total)[-longest:]
        baseline = self.baseline_share(state)
        warming_up = state.buckets_seen < p.warmup_buckets
        unit_variance = baseline * (1.0 - baseline)
        dispersions = state.pool_dispersion
        if len(dispersions) != len(p.pool_buckets) - 1:
            dispersions = (1.0,) * (len(p.pool_buckets) - 1)

        pools = [(shortest, sum(window_negative), sum(window_total), state.dispersion)]
        pools += [
            (span, sum(long_negative[-span:]), sum(long_total[-span:]), max(state.dispersion, pool_dispersion))
            for span, pool_dispersion in zip(p.pool_buckets[1:], dispersions, strict=True)
        ]
        best: tuple[float, float, int, int, int] | None = None  # score, share, span, negative, total
        protect_z = 0.0
        squared: list[float | None] = []
        for span, pooled_negative, pooled_total, dispersion_factor in pools:
            share = pooled_negative / pooled_total if pooled_total else 0.0
            unit_z = (share - baseline) / math.sqrt(unit_variance / pooled_total) if pooled_total else 0.0
            z = unit_z / math.sqrt(dispersion_factor)
            enough = pooled_total >= p.min_total and pooled_negative >= p.min_negative
            jump = share - baseline >= p.min_share_increase
            if span == shortest:
                protect_z = z
            else:
                squared.append(unit_z**2 if pooled_total else None)
                # a longer pool speaks only while its newer half is raised too: a shift that has
                # ended leaves a long pool raised for its whole span and must not fire again
                recent_negative, recent_total = sum(long_negative[-(span // 2) :]), sum(long_total[-(span // 2) :])
                jump = jump and recent_total > 0 and recent_negative / recent_total - baseline >= p.min_share_increase
            z_effective = max(z, 0.0) if enough and jump else 0.0
            if span != shortest:
                protect_z = max(protect_z, z_effective)
            score = z_effective / (z_effective + p.threshold)
            if best is None or score > best[0]:
                best = (score, share, span, pooled_negative, pooled_total)
        assert best is not None
        score, share, span, best_negative, best_total = best
        if state.last_bucket_ms is not None and bucket_start_ms <= state.last_bucket_ms:
            return state, ShareVerdict(score, False, share, baseline, warming_up, span, best_negative, best_total)

        anomalous = not warming_up and score >= 0.5 and state.cooldown_remaining == 0
        cooldown = max(p.cooldown_buckets - 1, 0) if anomalous else max(state.cooldown_remaining - 1, 0)
        protect = not warming_up and protect_z >= p.protect_z
        dispersion = state.dispersion
        decay = 0.5 ** (1.0 / p.dispersion_halflife_buckets)
        if not protect:
            if total:
                bucket_squared = (negative / total - baseline) ** 2 / (unit_variance / total)
                dispersion = max(1.0, decay * dispersion + (1.0 - decay) * min(bucket_squared, 25.0))
            dispersions = tuple(
                old if pool_squared is None else max(1.0, decay * old + (1.0 - decay) * min(pool_squared, 25.0))
                for old, pool_squared in zip(dispersions, squared, strict=True)
            )
        learned_negative = baseline * total if protect else float(negative)
        new_state = _learn_hour(state, bucket_start_ms, learned_negative, float(total))
        new_state = replace(
            new_state,
            buckets_seen=state.buckets_seen + 1,
            last_bucket_ms=bucket_start_ms,
            window_negative=window_negative,
            window_total=window_total,
            dispersion=dispersion,
            cooldown_remaining=cooldown,
            pool_window_negative=long_negative,
            pool_window_total=long_total,
            pool_dispersion=dispersions,
        )
        return new_state, ShareVerdict(score, anomalous, share, baseline, warming_up, span, best_negative, best_total)


def busiest_hour(state: ShareState) -> float:
    """The brand's busiest hour of all events among the last 24 learnt hours and the current one.

    >>> busiest_hour(ShareState()), busiest_hour(ShareState(hourly_total=(40.0, 250.0, 90.0), hour_total=120.0))
    (0.0, 250.0)
    """
    return max((*state.hourly_total, state.hour_total), default=0.0)


def _learn_hour(state: ShareState, bucket_start_ms: int, negative: float, total: float) -> ShareState:
    hour = bucket_start_ms // HOUR_MS
    hourly_negative, hourly_total = state.hourly_negative, state.hourly_total
    hour_negative, hour_total = state.hour_negative, state.hour_total
    if state.hour is not None and hour != state.hour:
        skipped = min(hour - state.hour - 1, DAY_HOURS)
        hourly_negative = (*hourly_negative, hour_negative, *(0.0,) * skipped)[-DAY_HOURS:]
        hourly_total = (*hourly_total, hour_total, *(0.0,) * skipped)[-DAY_HOURS:]
        hour_negative, hour_total = 0.0, 0.0
    return replace(
        state,
        hourly_negative=hourly_negative,
        hourly_total=hourly_total,
        hour=hour,
        hour_negative=hour_negative + negative,
        hour_total=hour_total + total,
    )
