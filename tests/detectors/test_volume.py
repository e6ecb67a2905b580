"""Volume detector: golden streams (exact buckets where it must and must not fire) and contracts."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from detectors.volume import (
    NAB_VOLUME_PARAMS,
    VolumeDetector,
    VolumeParams,
    VolumeState,
    VolumeVerdict,
    nab_scores,
)
from streams.cli import main

BUCKET_MS = 300_000
BUCKETS_PER_DAY = 288
MONDAY_MS = 1_425_254_400_000  # 2015-03-02 00:00 UTC


def daily_stream(days: int, seed: int = 7, base: float = 20.0) -> list[float]:
    """Poisson counts with a strong daily rhythm (peak 3x the night) and quieter weekends."""
    generator = np.random.default_rng(seed)
    values = []
    for bucket in range(days * BUCKETS_PER_DAY):
        hour = (bucket % BUCKETS_PER_DAY) / 12
        weekend = 0.7 if (bucket // BUCKETS_PER_DAY) % 7 >= 5 else 1.0
        rate = base * weekend * (1.0 + 0.5 * math.sin(2 * math.pi * (hour - 9) / 24)) * 1.0
        values.append(float(generator.poisson(rate)))
    return values


def run(detector: VolumeDetector, values: list[float]) -> tuple[VolumeState, list[VolumeVerdict]]:
    state = detector.initial_state()
    verdicts = []
    for index, value in enumerate(values):
        state, verdict = detector.step(state, MONDAY_MS + index * BUCKET_MS, value)
        verdicts.append(verdict)
    return state, verdicts


def fired(verdicts: list[VolumeVerdict]) -> list[int]:
    return [index for index, verdict in enumerate(verdicts) if verdict.anomalous]


def test_ordinary_daily_peaks_never_fire_over_two_weeks() -> None:
    _, verdicts = run(VolumeDetector(), daily_stream(14))
    assert fired(verdicts) == []
    peak = max(range(BUCKETS_PER_DAY * 8, BUCKETS_PER_DAY * 9), key=lambda i: verdicts[i].observed)
    assert verdicts[peak].expected > 1.5 * min(v.expected for v in verdicts[BUCKETS_PER_DAY * 8 : BUCKETS_PER_DAY * 9])


def test_spike_fires_in_its_own_bucket_and_only_there() -> None:
    values = daily_stream(9)
    spike = BUCKETS_PER_DAY * 8 + 40  # 03:20 on day 9, a quiet hour
    values[spike] += 60
    _, verdicts = run(VolumeDetector(), values)
    assert fired(verdicts) == [spike]
    assert verdicts[spike].score > 0.5 and not verdicts[spike].warming_up


def test_slow_build_up_fires_within_an_hour_on_the_hourly_sum() -> None:
    values = daily_stream(9)
    onset = BUCKETS_PER_DAY * 8 + 150  # 12:30, near the daily peak
    for offset in range(36):
        values[onset + offset] += 15.0  # +40 % for three hours, no single extreme bucket
    _, verdicts = run(VolumeDetector(), values)
    assert fired(verdicts) == [onset + 7]
    assert max(v.observed - v.expected for v in verdicts[onset : onset + 8]) < 40


def test_ongoing_anomaly_is_not_learned_keeps_firing_and_baseline_stays() -> None:
    values = daily_stream(9)
    onset = BUCKETS_PER_DAY * 8 + 24
    for offset in range(12 * 10):  # ten hours at four times the usual volume
        values[onset + offset] = 4 * values[onset + offset] + 40
    detector = VolumeDetector()
    _, verdicts = run(detector, values)
    _, clean = run(detector, daily_stream(9))
    alarms = fired(verdicts)
    cooldown = detector.params.cooldown_buckets
    assert alarms == list(range(onset, onset + 120, cooldown))
    for offset in range(0, 12 * 10, 12):
        index = onset + offset
        assert verdicts[index].expected == pytest.approx(clean[index].expected, rel=0.25)


def test_cold_start_fires_only_above_the_absolute_floor() -> None:
    detector = VolumeDetector(VolumeParams(cold_start_floor=50.0))
    values = [5.0] * 20 + [40.0] + [5.0] * 5 + [55.0] + [5.0] * 5
    _, verdicts = run(detector, values)
    assert all(v.warming_up for v in verdicts)
    assert fired(verdicts) == [26]
    assert verdicts[20].score < 0.5 <= verdicts[26].score


def test_quiet_brand_does_not_fire_on_a_handful_of_posts() -> None:
    values = [0.0, 1.0, 0.0, 0.0, 2.0, 0.0] * (BUCKETS_PER_DAY // 6) * 3
    values[BUCKETS_PER_DAY * 2 + 100] = 5.0
    values[BUCKETS_PER_DAY * 2 + 200] = 30.0
    _, verdicts = run(VolumeDetector(), values)
    assert fired(verdicts) == [BUCKETS_PER_DAY * 2 + 200]


def test_deterministic_and_does_not_mutate_its_input_state() -> None:
    detector = VolumeDetector()
    values = daily_stream(2)
    state, _ = run(detector, values)
    snapshot = dataclasses.asdict(state)
    first = detector.step(state, MONDAY_MS + len(values) * BUCKET_MS, 99.0)
    second = detector.step(state, MONDAY_MS + len(values) * BUCKET_MS, 99.0)
    assert first == second
    assert dataclasses.asdict(state) == snapshot


def test_state_round_trips_through_json_and_continues_identically() -> None:
    detector = VolumeDetector()
    values = daily_stream(9)
    state, _ = run(detector, values[: BUCKETS_PER_DAY * 8])
    restored = VolumeState.from_dict(json.loads(json.dumps(dataclasses.asdict(state))))
    assert restored == state
    for index in range(BUCKETS_PER_DAY * 8, len(values)):
        start = MONDAY_MS + index * BUCKET_MS
        state, verdict = detector.step(state, start, values[index])
        restored, restored_verdict = detector.step(restored, start, values[index])
        assert restored_verdict == verdict
    assert restored == state


def test_state_stays_bounded() -> None:
    params = VolumeParams()
    state, _ = run(VolumeDetector(params), daily_stream(21))
    assert len(state.hourly) == 168
    assert len(state.recent) == len(state.window) == params.recent_buckets
    assert len(json.dumps(dataclasses.asdict(state))) < 8000


def test_late_or_repeated_bucket_is_judged_but_not_learned() -> None:
    detector = VolumeDetector()
    state, _ = run(detector, daily_stream(2))
    late_state, verdict = detector.step(state, state.last_bucket_ms or 0, 1e6)
    assert late_state is state and not verdict.anomalous


def test_odd_values_do_not_raise_and_count_as_zero() -> None:
    detector = VolumeDetector()
    state, _ = run(detector, daily_stream(2))
    start = (state.last_bucket_ms or 0) + BUCKET_MS
    for value in (float("nan"), float("inf"), -5.0):
        _, verdict = detector.step(state, start, value)
        assert verdict.observed == 0.0 and 0.0 <= verdict.score <= 1.0


def test_gap_in_buckets_forgets_the_missing_hours() -> None:
    detector = VolumeDetector()
    state, _ = run(detector, daily_stream(2))
    later = (state.last_bucket_ms or 0) + 30 * 3_600_000
    new_state, verdict = detector.step(state, later, 10.0)
    assert sum(slot is None for slot in new_state.hourly) >= 29
    assert 0.0 <= verdict.score <= 1.0


@pytest.mark.parametrize(
    "bad",
    [
        {"bucket_ms": 0},
        {"bucket_ms": 7 * 60_000},
        {"threshold": 0.0},
        {"recent_buckets": 0},
        {"warmup_buckets": -1},
        {"cold_start_floor": 0.0},
        {"scale_halflife_buckets": 0.0},
        {"sustained_buckets": 0},
        {"sensitivity_clamp": 0.5},
        {"typical_peak_z": 0.0},
    ],
)
def test_bad_params_raise_value_error(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        VolumeDetector(VolumeParams(**bad))  # type: ignore[arg-type]


def test_nab_scores_silence_the_cooldown() -> None:
    values = daily_stream(3)
    spike = BUCKETS_PER_DAY * 2 + 40
    values[spike] += 80
    values[spike + 1] += 80
    scores = nab_scores(VolumeDetector(), [MONDAY_MS + i * BUCKET_MS for i in range(len(values))], values)
    assert scores[spike] > 0.5 and scores[spike + 1] == 0.0
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert NAB_VOLUME_PARAMS.cooldown_buckets >= VolumeParams().cooldown_buckets


def write_series(path: Path, values: list[float]) -> None:
    lines = ["timestamp,value"]
    for index, value in enumerate(values):
        minutes = index * 5
        lines.append(f"2015-03-02 {minutes // 60:02d}:{minutes % 60:02d}:00,{value:g}")
    path.write_text("\n".join(lines) + "\n")


def test_score_series_writes_nab_format(tmp_path: Path) -> None:
    series, out = tmp_path / "series.csv", tmp_path / "scores.csv"
    write_series(series, [10.0] * 200)
    assert main(["score-series", str(series), "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "timestamp,value,anomaly_score"
    assert len(lines) == 201
    assert lines[1].startswith("2015-03-02 00:00:00,10,")
    assert all(0.0 <= float(line.split(",")[2]) <= 1.0 for line in lines[1:])


def test_score_series_reports_the_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    series = tmp_path / "series.csv"
    series.write_text("timestamp,value\n2015-03-02 00:00:00,1\n2015-03-02 00:05:00,lots\n")
    assert main(["score-series", str(series), "--out", str(tmp_path / "o.csv")]) == 1
    assert "series.csv:3: value 'lots' is not a number" in capsys.readouterr().err
    assert main(["score-series", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.csv")]) == 1
    assert "missing.csv: no such file" in capsys.readouterr().err
    assert main(["score-series", str(tmp_path), "--out", str(tmp_path / "o.csv")]) == 1
    assert "is a directory" in capsys.readouterr().err


def test_score_series_reads_stdin_and_warns_about_uneven_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    series = tmp_path / "series.csv"
    write_series(series, [10.0] * 20)
    lines = series.read_text().splitlines()
    del lines[5]  # one bucket missing: rows 5 and 7 are 10 minutes apart
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["score-series", "-", "--out", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "timestamp,value,anomaly_score" and len(captured.out.splitlines()) == 20
    assert "warning: <stdin>: 1 of 18 rows do not follow the previous one by 5 minutes (first: row 6, 10 min)" in captured.err


def test_a_series_that_spikes_every_day_needs_a_bigger_spike() -> None:
    values = daily_stream(10)
    generator = np.random.default_rng(1)
    for day in range(10):
        values[day * BUCKETS_PER_DAY + int(generator.integers(60, 220))] += 80  # a daily burst
    _, verdicts = run(VolumeDetector(), values)
    assert fired(verdicts[BUCKETS_PER_DAY * 8 :]) == []
    state, _ = run(VolumeDetector(), values[: BUCKETS_PER_DAY * 9 + 30])
    assert len(state.daily_peaks) == VolumeParams().peak_days
    start = MONDAY_MS + (BUCKETS_PER_DAY * 9 + 30) * BUCKET_MS
    _, ordinary_burst = VolumeDetector().step(state, start, 100.0)
    _, big_burst = VolumeDetector().step(state, start, 400.0)
    assert not ordinary_burst.anomalous and big_burst.anomalous
    calm_state, _ = run(VolumeDetector(), daily_stream(10)[: BUCKETS_PER_DAY * 9 + 30])
    _, calm_burst = VolumeDetector().step(calm_state, start, 100.0)
    assert calm_burst.anomalous


@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=40),
            st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(0, 10_000).map(float)),
        ),
        max_size=120,
    )
)
@example(steps=[(1, 9e307)] * 14)  # hourly sums overflowed to infinity before values were capped
@settings(max_examples=60, deadline=None)
def test_any_stream_gives_bounded_scores_and_round_tripping_state(steps: list[tuple[int, float]]) -> None:
    detector = VolumeDetector(VolumeParams(warmup_buckets=10, recent_buckets=4, sustained_buckets=4))
    state = detector.initial_state()
    start = MONDAY_MS
    for gap, value in steps:
        start += gap * BUCKET_MS
        state, verdict = detector.step(state, start, value)
        assert 0.0 <= verdict.score <= 1.0
        assert math.isfinite(verdict.expected) and verdict.expected >= 0.0
        assert VolumeState.from_dict(json.loads(json.dumps(dataclasses.asdict(state)))) == state
