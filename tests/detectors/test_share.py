"""Negative-share detector: golden streams and contracts."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.share import NegativeShareDetector, ShareParams, ShareState, ShareVerdict

BUCKET_MS = 300_000
BUCKETS_PER_DAY = 288
T0_MS = 1_425_254_400_000  # 2015-03-02 00:00 UTC


def stream(days: int, share: float = 0.15, seed: int = 3) -> list[tuple[int, int]]:
    """(negative, total) per bucket: daily rhythm in volume, binomial negatives."""
    generator = np.random.default_rng(seed)
    rows = []
    for bucket in range(days * BUCKETS_PER_DAY):
        hour = (bucket % BUCKETS_PER_DAY) / 12
        total = int(generator.poisson(30 * (1.0 + 0.6 * np.sin(2 * np.pi * (hour - 9) / 24))))
        rows.append((int(generator.binomial(total, share)), total))
    return rows


def run(detector: NegativeShareDetector, rows: list[tuple[int, int]]) -> tuple[ShareState, list[ShareVerdict]]:
    state = detector.initial_state()
    verdicts = []
    for index, (negative, total) in enumerate(rows):
        state, verdict = detector.step(state, T0_MS + index * BUCKET_MS, negative, total)
        verdicts.append(verdict)
    return state, verdicts


def fired(verdicts: list[ShareVerdict]) -> list[int]:
    return [index for index, verdict in enumerate(verdicts) if verdict.anomalous]


def test_ordinary_stream_with_daily_rhythm_never_fires() -> None:
    _, verdicts = run(NegativeShareDetector(), stream(7))
    assert fired(verdicts) == []
    assert verdicts[-1].baseline_share == pytest.approx(0.15, abs=0.02)


def test_share_jump_at_ordinary_volume_fires_within_three_buckets() -> None:
    rows = stream(3)
    onset = BUCKETS_PER_DAY * 2 + 150
    generator = np.random.default_rng(11)
    for index in range(onset, onset + 24):
        total = rows[index][1]
        rows[index] = (int(generator.binomial(total, 0.45)), total)
    _, verdicts = run(NegativeShareDetector(), rows)
    alarms = fired(verdicts)
    assert alarms and onset <= alarms[0] <= onset + 2
    assert all(onset <= index < onset + 24 for index in alarms)
    # not learned: the baseline share stays near the old share during the shift
    assert verdicts[onset + 23].baseline_share < 0.2


def test_volume_surge_at_the_usual_share_does_not_fire() -> None:
    rows = stream(3)
    onset = BUCKETS_PER_DAY * 2 + 100
    generator = np.random.default_rng(5)
    for index in range(onset, onset + 24):
        total = rows[index][1] * 6
        rows[index] = (int(generator.binomial(total, 0.15)), total)
    _, verdicts = run(NegativeShareDetector(), rows)
    assert fired(verdicts) == []


def test_two_of_three_negative_is_not_enough() -> None:
    detector = NegativeShareDetector(ShareParams(warmup_buckets=0))
    rows = [(0, 1)] * 300 + [(2, 3), (1, 1), (2, 2)] + [(0, 1)] * 5
    _, verdicts = run(detector, rows)
    assert fired(verdicts) == []
    assert verdicts[302].share > 0.8


def test_warm_up_never_fires() -> None:
    rows = [(2, 40)] * 20 + [(30, 40)] * 10
    _, verdicts = run(NegativeShareDetector(ShareParams(warmup_buckets=100)), rows)
    assert all(v.warming_up for v in verdicts) and fired(verdicts) == []


def test_deterministic_does_not_mutate_and_round_trips() -> None:
    detector = NegativeShareDetector()
    rows = stream(2)
    state, _ = run(detector, rows[:400])
    snapshot = dataclasses.asdict(state)
    assert detector.step(state, T0_MS + 400 * BUCKET_MS, 9, 20) == detector.step(
        state, T0_MS + 400 * BUCKET_MS, 9, 20
    )
    assert dataclasses.asdict(state) == snapshot
    restored = ShareState.from_dict(json.loads(json.dumps(dataclasses.asdict(state))))
    assert restored == state
    for index in range(400, len(rows)):
        start = T0_MS + index * BUCKET_MS
        state, verdict = detector.step(state, start, *rows[index])
        restored, again = detector.step(restored, start, *rows[index])
        assert again == verdict
    assert restored == state


def test_state_stays_bounded_and_odd_counts_are_clamped() -> None:
    detector = NegativeShareDetector()
    state, _ = run(detector, stream(5))
    assert len(state.hourly_total) == len(state.hourly_negative) == 24
    assert len(state.window_total) == detector.params.pool_buckets[0]
    assert len(state.pool_window_total) == detector.params.pool_buckets[-1]
    start = (state.last_bucket_ms or 0) + BUCKET_MS
    _, verdict = detector.step(state, start, negative=50, total=10)
    assert verdict.share <= 1.0
    _, verdict = detector.step(state, start, negative=-3, total=-1)
    assert 0.0 <= verdict.score <= 1.0
    late_state, late = detector.step(state, state.last_bucket_ms or 0, 10, 10)
    assert late_state is state and not late.anomalous


@pytest.mark.parametrize(
    "bad",
    [{"threshold": 0.0}, {"pool_buckets": ()}, {"pool_buckets": (6, 3)}, {"min_total": 0}, {"min_share_increase": 1.5}, {"prior_share": 1.0}],
)
def test_bad_params_raise_value_error(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        NegativeShareDetector(ShareParams(**bad))  # type: ignore[arg-type]


@given(
    steps=st.lists(
        st.tuples(st.integers(1, 40), st.integers(-5, 500), st.integers(-5, 500)), max_size=120
    )
)
@settings(max_examples=60, deadline=None)
def test_any_counts_give_bounded_scores_and_round_tripping_state(steps: list[tuple[int, int, int]]) -> None:
    detector = NegativeShareDetector(ShareParams(warmup_buckets=10))
    state = detector.initial_state()
    start = T0_MS
    for gap, negative, total in steps:
        start += gap * BUCKET_MS
        state, verdict = detector.step(state, start, negative, total)
        assert 0.0 <= verdict.score <= 1.0 and 0.0 <= verdict.share <= 1.0
        assert 0.0 < verdict.baseline_share < 1.0
        assert ShareState.from_dict(json.loads(json.dumps(dataclasses.asdict(state)))) == state
