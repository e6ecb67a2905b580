"""Detector 1: a spike in the volume of negative events of one brand.

The detector is a pure step function over a small frozen state: the caller feeds one
closed event-time bucket at a time (``step(state, bucket_start_ms, value)``, empty
buckets as 0) and keeps the returned state, e.g. in a Faust table.

Baseline ("expected") for a bucket, all from values the detector accepted as normal:

* the recent level: median of the last ``recent_buckets`` buckets;
* the same hour yesterday and the same hour last week: hourly means kept in a ring of
  168 hour-of-week slots (so the state stays bounded: one week of hourly aggregates);
* the seasonal reference is the median of the two, and the expected value is the larger
  of the recent level and that reference, so an ordinary daily peak (high yesterday and
  last week at this hour) is expected, and a level that is already raised this morning is
  too.

Counts are compared on the Anscombe scale ``2 sqrt(x + 3/8)`` (on which Poisson noise has
unit variance), divided by a robust running scale (an exponentially weighted mean
absolute deviation of accepted residuals, never below Poisson noise). Two robust
z-scores are taken, and the larger counts:

* the bucket against its expected value (a sudden spike fires in its own bucket);
* the sum of the last ``sustained_buckets`` buckets against the seasonal reference
  (a storm that builds over an hour without one extreme bucket).

Series differ in how spiky they are: the z-score is multiplied by
``typical_peak_z / median(daily peak z of the last peak_days days)``, kept within
``[1 / sensitivity_clamp, sensitivity_clamp]``, so a brand whose negative volume bursts
every day needs a bigger burst and a calm brand is watched more closely. The result
becomes ``score = z / (z + threshold)``: 0 for an ordinary bucket, exactly 0.5 at the
threshold, approaching 1 for huge spikes. An excess below ``min_excess`` events is
never anomalous, so a quiet brand does not fire on 3 posts instead of 1.

Self-protection: a bucket whose z-score is at or above ``protect_z`` is not learned; the
baseline learns the expected value instead, so an ongoing anomaly keeps firing (after
each ``cooldown_buckets``) and the plotted baseline stays where it was. Only after
``adapt_after_buckets`` consecutive protected buckets does the detector accept the new
level (a permanent change is not a crisis for ever; 0 disables adaptation).

Cold start: until ``warmup_buckets`` buckets have been seen, there is no baseline to
trust; the detector fires only when a bucket reaches the absolute ``cold_start_floor``
(score ``value / (value + floor)``, 0.5 at the floor).

>>> detector = VolumeDetector(VolumeParams(warmup_buckets=12, recent_buckets=12))
>>> state = detector.initial_state()
>>> for i, value in enumerate([10, 12, 9, 11, 10, 13, 10, 11, 9, 12, 10, 11, 10, 12]):
...     state, verdict = detector.step(state, i * 300_000, value)
>>> verdict.anomalous, verdict.warming_up, verdict.expected
(False, False, 10.5)
>>> state, verdict = detector.step(state, 14 * 300_000, 80)
>>> verdict.anomalous, round(verdict.score, 2)
(True, 0.59)
>>> state, verdict = detector.step(state, 15 * 300_000, 85)  # still high, cooling down
>>> verdict.anomalous, verdict.expected
(False, 10.75)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from statistics import median
from typing import Any, Self

HOUR_MS = 3_600_000
WEEK_HOURS = 168
DAY_HOURS = 24
MIN_PEAK_DAYS = 3
MEAN_ABSOLUTE_TO_SIGMA = math.sqrt(math.pi / 2)
MAX_BUCKET_VALUE = 1e12
"""Larger bucket values are read as this: sums of a few values near the float limit would
overflow the hourly means to infinity (no real series has 10^12 events in a bucket)."""


@dataclass(frozen=True, slots=True)
class VolumeParams:
    """Frozen parameters of :class:`VolumeDetector` (defaults: 5-minute buckets).

    The same defaults score NAB's realTweets series (also 5-minute buckets); see
    ``docs/detectors.md``.
    """

    bucket_ms: int = 300_000
    """Width of one event-time bucket."""
    threshold: float = 6.0
    """Robust z-score (Anscombe scale, after the sensitivity scaling) that is anomalous (score 0.5)."""
    protect_z: float = 4.0
    """Buckets at or above this z-score are not learned into the baseline."""
    recent_buckets: int = 12
    """Buckets in the recent-level median (12 x 5 min = 1 hour)."""
    warmup_buckets: int = 288
    """Buckets before the baseline is trusted (288 x 5 min = 1 day)."""
    cold_start_floor: float = 50.0
    """During warm-up, a bucket with at least this many events is anomalous."""
    min_excess: float = 5.0
    """Events above the expected value that never make an anomaly on their own."""
    scale_halflife_buckets: float = 288.0
    """Half-life of the running mean absolute deviation (288 x 5 min = 1 day)."""
    cooldown_buckets: int = 36
    """At most one alert in this many consecutive buckets (36 x 5 min = 3 hours)."""
    adapt_after_buckets: int = 288
    """Accept a new level after this many consecutive protected buckets (0: never)."""
    sustained_buckets: int = 12
    """Buckets summed for the sustained-rise test against the seasonal reference (1 hour)."""
    peak_days: int = 7
    """Days of daily peak z-scores kept to judge how spiky this series usually is (0: off)."""
    typical_peak_z: float = 4.0
    """Daily peak z-score of an ordinary series: z is scaled by this / median daily peak."""
    sensitivity_clamp: float = 3.0
    """The scaling stays within [1 / clamp, clamp]."""

    def validate(self) -> None:
        if self.bucket_ms <= 0 or (HOUR_MS % self.bucket_ms and self.bucket_ms % HOUR_MS):
            raise ValueError(f"bucket_ms must divide an hour or be whole hours, got {self.bucket_ms}")
        if self.threshold <= 0 or self.protect_z <= 0:
            raise ValueError("threshold and protect_z must be positive")
        if self.recent_buckets < 1:
            raise ValueError(f"recent_buckets must be at least 1, got {self.recent_buckets}")
        if self.warmup_buckets < 0 or self.cooldown_buckets < 0 or self.adapt_after_buckets < 0:
            raise ValueError("warmup_buckets, cooldown_buckets and adapt_after_buckets must be >= 0")
        if self.cold_start_floor <= 0 or self.min_excess < 0:
            raise ValueError("cold_start_floor must be positive and min_excess non-negative")
        if self.scale_halflife_buckets <= 0:
            raise ValueError("scale_halflife_buckets must be positive")
        if self.sustained_buckets < 1 or self.peak_days < 0:
            raise ValueError("sustained_buckets must be at least 1 and peak_days non-negative")
        if self.typical_peak_z <= 0 or self.sensitivity_clamp < 1:
            raise ValueError("typical_peak_z must be positive and sensitivity_clamp at least 1")


@dataclass(frozen=True, slots=True)
class VolumeState:
    """Everything the detector remembers about one series (JSON-able, bounded).

    ``hourly`` holds the mean bucket value of each hour of the last week, indexed by
    ``hour % 168`` (``None``: no data for that hour).
    """

    buckets_seen: int = 0
    last_bucket_ms: int | None = None
    recent: tuple[float, ...] = ()
    window: tuple[float, ...] = ()
    hourly: tuple[float | None, ...] = (None,) * WEEK_HOURS
    hour: int | None = None
    hour_sum: float = 0.0
    hour_count: int = 0
    scale: float = 1.0
    window_scale: float = 1.0
    cooldown_remaining: int = 0
    protected_run: int = 0
    daily_peaks: tuple[float, ...] = ()
    day: int | None = None
    day_peak: float = 0.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Inverse of :func:`dataclasses.asdict` (JSON turns tuples into lists)."""
        return cls(
            buckets_seen=int(data["buckets_seen"]),
            last_bucket_ms=None if data["last_bucket_ms"] is None else int(data["last_bucket_ms"]),
            recent=tuple(float(v) for v in data["recent"]),
            window=tuple(float(v) for v in data["window"]),
            hourly=tuple(None if v is None else float(v) for v in data["hourly"]),
            hour=None if data["hour"] is None else int(data["hour"]),
            hour_sum=float(data["hour_sum"]),
            hour_count=int(data["hour_count"]),
            scale=float(data["scale"]),
            window_scale=float(data["window_scale"]),
            cooldown_remaining=int(data["cooldown_remaining"]),
            protected_run=int(data["protected_run"]),
            daily_peaks=tuple(float(v) for v in data["daily_peaks"]),
            day=None if data["day"] is None else int(data["day"]),
            day_peak=float(data["day_peak"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class VolumeVerdict:
    score: float
    """Anomaly score in [0, 1]; 0.5 at the threshold."""
    anomalous: bool
    """The score crossed the threshold, outside cooldown and (after warm-up) by ``min_excess``."""
    observed: float
    expected: float
    """Baseline for this bucket (what the plot and Grafana show)."""
    warming_up: bool


def anscombe(value: float) -> float:
    """Variance-stabilising transform for counts: Poisson noise has about unit variance."""
    return 2.0 * math.sqrt(max(value, 0.0) + 0.375)


@dataclass(frozen=True, slots=True)
class VolumeDetector:
    """Seasonal, self-protecting spike detector for one count series (see module doc)."""

    params: VolumeParams = field(default_factory=VolumeParams)

    def __post_init__(self) -> None:
        self.params.validate()

    def initial_state(self) -> VolumeState:
        return VolumeState()

    def expected(self, state: VolumeState, bucket_start_ms: int) -> float:
        """Baseline for a bucket starting at ``bucket_start_ms`` given ``state``."""
        recent = median(state.recent) if state.recent else 0.0
        seasonal = self._seasonal(state, bucket_start_ms + self.params.bucket_ms / 2)
        return recent if seasonal is None else max(recent, seasonal)

    def step(
        self, state: VolumeState, bucket_start_ms: int, value: float
    ) -> tuple[VolumeState, VolumeVerdict]:
        """Judge one closed bucket and return the new state with the verdict.

        A bucket at or before the last one seen is judged but not learned (the state is
        returned unchanged), so a replayed or late bucket cannot corrupt the baseline.
        """
        p = self.params
        value = min(float(value), MAX_BUCKET_VALUE) if math.isfinite(value) and value > 0 else 0.0
        seasonal = self._seasonal(state, bucket_start_ms + p.bucket_ms / 2)
        window_seasonal = self._seasonal(
            state, bucket_start_ms + p.bucket_ms * (1 - p.sustained_buckets / 2)
        )
        recent_level = median(state.recent) if state.recent else 0.0
        expected = recent_level if seasonal is None else max(recent_level, seasonal)
        warming_up = state.buckets_seen < p.warmup_buckets
        window = (*state.window, value)[-p.sustained_buckets :]
        z_bucket, residual = _robust_z(value, expected, p.min_excess, state.scale)
        z_window, window_residual = 0.0, None
        if window_seasonal is not None and len(window) == p.sustained_buckets:
            z_window, window_residual = _robust_z(
                sum(window), window_seasonal * p.sustained_buckets,
                p.min_excess * math.sqrt(p.sustained_buckets), state.window_scale,
            )
        z_raw = max(z_bucket, z_window)
        z = z_raw
        if p.peak_days and len(state.daily_peaks) >= MIN_PEAK_DAYS:
            factor = p.typical_peak_z / max(median(state.daily_peaks), 1e-9)
            z = z_raw * min(max(factor, 1.0 / p.sensitivity_clamp), p.sensitivity_clamp)
        score = value / (value + p.cold_start_floor) if warming_up else z / (z + p.threshold)
        if state.last_bucket_ms is not None and bucket_start_ms <= state.last_bucket_ms:
            return state, VolumeVerdict(score, False, value, expected, warming_up)

        anomalous = score >= 0.5 and state.cooldown_remaining == 0
        cooldown = max(p.cooldown_buckets - 1, 0) if anomalous else max(state.cooldown_remaining - 1, 0)
        protect = not warming_up and z >= p.protect_z
        protected_run = state.protected_run + 1 if protect else 0
        if protect and p.adapt_after_buckets and protected_run >= p.adapt_after_buckets:
            protect, protected_run = False, 0
        decay = 0.5 ** (1.0 / p.scale_halflife_buckets)
        scale, window_scale = state.scale, state.window_scale
        if not protect:
            scale = decay * scale + (1.0 - decay) * min(residual, p.protect_z * scale)
            if window_residual is not None:
                window_scale = decay * window_scale + (1.0 - decay) * min(
                    window_residual, p.protect_z * window_scale
                )
        new_state = self._learn(state, bucket_start_ms, expected if protect else value)
        day = bucket_start_ms // (HOUR_MS * DAY_HOURS)
        daily_peaks, day_peak = state.daily_peaks, state.day_peak
        if state.day is not None and day != state.day:
            daily_peaks, day_peak = (*daily_peaks, day_peak)[-max(p.peak_days, 1) :], 0.0
        if not warming_up:
            day_peak = max(day_peak, z_raw)
        new_state = replace(
            new_state,
            window=window,
            daily_peaks=daily_peaks,
            day=day,
            day_peak=day_peak,
            buckets_seen=state.buckets_seen + 1,
            last_bucket_ms=bucket_start_ms,
            scale=scale,
            window_scale=window_scale,
            cooldown_remaining=cooldown,
            protected_run=protected_run,
        )
        return new_state, VolumeVerdict(score, anomalous, value, expected, warming_up)

    def _seasonal(self, state: VolumeState, moment_ms: float) -> float | None:
        """Seasonal reference at ``moment_ms``: hourly means of yesterday and last week,
        interpolated between hour centres (so a daily ramp is followed within the hour)."""
        position = moment_ms / HOUR_MS - 0.5
        hour = math.floor(position)
        fraction = position - hour
        before, after = self._reference(state, hour), self._reference(state, hour + 1)
        if before is None or after is None:
            return before if after is None else after
        return (1.0 - fraction) * before + fraction * after

    def _reference(self, state: VolumeState, hour: int) -> float | None:
        references = [
            v
            for v in (self._hourly_mean(state, hour - DAY_HOURS), self._hourly_mean(state, hour - WEEK_HOURS))
            if v is not None
        ]
        return max(references) if references else None

    @staticmethod
    def _hourly_mean(state: VolumeState, hour: int) -> float | None:
        if state.hour is None or hour >= state.hour or hour < state.hour - WEEK_HOURS:
            return None
        return state.hourly[hour % WEEK_HOURS]

    def _learn(self, state: VolumeState, bucket_start_ms: int, value: float) -> VolumeState:
        recent = (*state.recent, value)[-self.params.recent_buckets :]
        hour = bucket_start_ms // HOUR_MS
        hourly, hour_sum, hour_count = state.hourly, state.hour_sum, state.hour_count
        if state.hour is not None and hour != state.hour:
            slots = list(hourly)
            slots[state.hour % WEEK_HOURS] = hour_sum / hour_count if hour_count else None
            for skipped in range(state.hour + 1, min(hour, state.hour + WEEK_HOURS + 1)):
                slots[skipped % WEEK_HOURS] = None
            hourly, hour_sum, hour_count = tuple(slots), 0.0, 0
        return replace(
            state,
            recent=recent,
            hourly=hourly,
            hour=hour,
            hour_sum=hour_sum + value,
            hour_count=hour_count + 1,
        )


def _robust_z(value: float, expected: float, min_excess: float, scale: float) -> tuple[float, float]:
    """(z-score of the excess beyond ``min_excess``, absolute residual on the Anscombe scale)."""
    residual = abs(anscombe(value) - anscombe(expected))
    excess = value - expected - min_excess
    if excess <= 0:
        return 0.0, residual
    return (anscombe(expected + excess) - anscombe(expected)) / max(MEAN_ABSOLUTE_TO_SIGMA * scale, 1.0), residual


def nab_scores(
    detector: VolumeDetector, bucket_starts_ms: Iterable[int], values: Iterable[float]
) -> list[float]:
    """Scores as NAB should read them: 0 while an alert is cooling down.

    NAB counts every above-threshold row after a window as a false positive, while the
    live pipeline raises one incident per episode; reporting the cooldown as 0 makes the
    benchmark judge what an operator would see.
    """
    state = detector.initial_state()
    scores = []
    for start, value in zip(bucket_starts_ms, values, strict=True):
        cooling = state.cooldown_remaining > 0
        state, verdict = detector.step(state, start, value)
        scores.append(0.0 if cooling else verdict.score)
    return scores


NAB_VOLUME_PARAMS = VolumeParams(cooldown_buckets=288)
"""Parameters for NAB's realTweets series (5-minute rows): the live defaults with a
one-day cooldown, because NAB counts every repeated alert after a window as a false
positive while the live pipeline merges repeats of one episode into one incident."""
