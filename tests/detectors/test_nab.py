"""NAB scoring: hand-computed cases, a row-by-row reference, and the realTweets data."""

from __future__ import annotations

import doctest
import json
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detectors import nab
from detectors.nab import CostProfile, prepare_file
from streams.cli import main
from streams.settings import Settings

STANDARD = CostProfile("standard", 1.0, 0.11, 1.0)
LOW_FN = CostProfile("reward_low_FN_rate", 1.0, 0.11, 2.0)
NAB_DIR = Settings.from_env().data_dir / "nab_realtweets"
if not NAB_DIR.is_absolute():
    NAB_DIR = Path(__file__).resolve().parents[2] / NAB_DIR
needs_data = pytest.mark.skipif(
    not (NAB_DIR / "labels" / "combined_windows.json").is_file(),
    reason=f"NAB realTweets data not found in {NAB_DIR} (set FLAREWATCH_DATA_DIR)",
)


def sigmoid(position: float) -> float:
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0 if position < 3.0 else -1.0


def reference_raw_score(
    rows: int, windows: list[tuple[int, int]], scores: list[float], threshold: float,
    profile: CostProfile, probation: int,
) -> float:
    """NAB's rules, one row at a time, written independently of the vectorised scorer."""
    total = 0.0
    window_credit = {}
    previous: tuple[int, int] | None = None
    for i in range(rows):
        current = next((w for w in windows if w[0] <= i <= w[1]), None)
        if current is not None:
            width = current[1] - current[0] + 1
            weight = sigmoid(-(current[1] - i + 1) / width) / sigmoid(-1.0) * profile.true_positive_weight
        else:
            before = [w for w in windows if w[1] < i]
            previous = before[-1] if before else None
            if previous is None:
                weight = -profile.false_positive_weight
            else:
                width = previous[1] - previous[0] + 1
                weight = sigmoid(abs(previous[1] - i) / (width - 1)) * profile.false_positive_weight
        if i < probation or scores[i] < threshold:
            continue
        if current is None:
            total += weight
        else:
            window_credit.setdefault(current, weight)  # earliest detection only
    for window in windows:
        if window[1] >= probation:
            total += window_credit.get(window, -profile.false_negative_weight)
    return total


def test_doctests() -> None:
    import detectors.share
    import detectors.volume

    for module in (nab, detectors.volume, detectors.share):
        failures, tried = doctest.testmod(module)
        assert tried > 0 and failures == 0, module.__name__


def test_no_detection_scores_minus_fn_weight_per_window_and_normalises_to_zero() -> None:
    prepared = prepare_file(100, [(20, 29), (60, 69)], probation=0)
    raw = nab.file_raw_score(prepared, [0.0] * 100, STANDARD, threshold=0.5)
    assert raw == pytest.approx(-2.0)
    assert nab.normalised_score(raw, 2, STANDARD) == 0.0
    assert nab.normalised_score(2 * -2.0, 2, LOW_FN) == 0.0


def test_detection_at_every_window_start_is_perfect() -> None:
    scores = [0.0] * 100
    scores[20] = scores[60] = 1.0
    prepared = prepare_file(100, [(20, 29), (60, 69)], probation=0)
    raw = nab.file_raw_score(prepared, scores, STANDARD, threshold=0.5)
    assert raw == pytest.approx(2.0)
    assert nab.normalised_score(raw, 2, STANDARD) == pytest.approx(100.0)


def test_only_the_earliest_detection_in_a_window_counts() -> None:
    prepared = prepare_file(40, [(10, 19)], probation=0)
    late = [0.0] * 40
    late[17] = 1.0
    both = list(late)
    both[12] = 1.0
    # position of row 12: -(19 - 12 + 1) / 10 = -0.8; row 17: -0.3
    expected_early = sigmoid(-0.8) / sigmoid(-1.0)
    assert nab.file_raw_score(prepared, late, STANDARD, 0.5) == pytest.approx(sigmoid(-0.3) / sigmoid(-1.0))
    assert nab.file_raw_score(prepared, both, STANDARD, 0.5) == pytest.approx(expected_early)


def test_false_positive_costs_full_weight_before_any_window_and_less_just_after_one() -> None:
    prepared = prepare_file(100, [(40, 49)], probation=0)
    before = [0.0] * 100
    before[5] = 1.0
    assert nab.file_raw_score(prepared, before, STANDARD, 0.5) == pytest.approx(-1.0 - 0.11)
    just_after = [0.0] * 100
    just_after[50] = 1.0  # one row past the window: |49 - 50| / (10 - 1)
    cost = sigmoid(1 / 9) * 0.11
    assert nab.file_raw_score(prepared, just_after, STANDARD, 0.5) == pytest.approx(-1.0 + cost)
    far = [0.0] * 100
    far[99] = 1.0  # 50 rows = 5.6 widths past: full cost
    assert nab.file_raw_score(prepared, far, STANDARD, 0.5) == pytest.approx(-1.11)


def test_probationary_rows_are_not_scored() -> None:
    prepared = prepare_file(100, [(40, 49)], probation=15)
    scores = [0.0] * 100
    scores[3] = 1.0
    assert nab.file_raw_score(prepared, scores, STANDARD, 0.5) == pytest.approx(-1.0)
    assert nab.probation_rows(1000) == 150
    assert nab.probation_rows(16000) == 750


@pytest.mark.parametrize("seed", range(8))
def test_vectorised_scorer_matches_row_by_row_reference(seed: int) -> None:
    generator = random.Random(seed)
    rows = generator.randint(60, 300)
    starts = sorted(generator.sample(range(10, rows - 20, 20), k=generator.randint(1, 3)))
    windows = [(s, s + generator.randint(3, 15)) for s in starts]
    scores = [round(generator.random(), 2) for _ in range(rows)]
    probation = generator.randint(0, 15)
    prepared = prepare_file(rows, windows, probation=probation)
    for profile in (STANDARD, LOW_FN):
        curve = nab.threshold_curve(prepared, scores, profile)
        for threshold in (0.0, 0.3, 0.55, 0.9, 0.99, 1.5):
            expected = reference_raw_score(rows, windows, scores, threshold, profile, probation)
            assert curve.at(np.array([threshold]))[0] == pytest.approx(expected)


def test_optimize_finds_the_best_threshold_and_loo_holds_files_out() -> None:
    prepared = {"a": prepare_file(50, [(20, 29)], probation=0), "b": prepare_file(50, [(20, 29)], probation=0)}
    scores_a = [0.0] * 50
    scores_a[20] = 0.9
    scores_a[5] = 0.8  # a false positive just below the true detection
    scores_b = [0.0] * 50
    scores_b[22] = 0.7
    scores = {"a": scores_a, "b": scores_b}
    optimised = nab.evaluate(prepared, scores, STANDARD, "optimize")
    # 0.7 catches both windows and pays one false positive: better than 0.9 (one window).
    assert 0.0 < optimised.thresholds[0] <= 0.7
    assert optimised.windows_hit == 2 and optimised.false_positives == 1
    loo = nab.evaluate(prepared, scores, STANDARD, "loo")
    # File a is scored with b's best threshold (about 0.35) and b with a's (about 0.85).
    assert loo.thresholds[0] < 0.7 < loo.thresholds[1]
    assert loo.windows_hit == 1
    with pytest.raises(ValueError, match="protocol"):
        nab.evaluate(prepared, scores, STANDARD, "oracle")


def test_parameter_choice_is_made_without_the_held_out_file() -> None:
    prepared = {name: prepare_file(50, [(20, 29)], probation=0) for name in "abc"}
    hit = [0.0] * 50
    hit[20] = 0.9
    miss = [0.0] * 50
    # choice 0 is best on a and b, choice 1 only on c: c must be scored with choice 0
    by_choice = [{"a": hit, "b": hit, "c": miss}, {"a": miss, "b": miss, "c": hit}]
    result = nab.evaluate_with_parameter_choice(prepared, by_choice, STANDARD)
    assert result.choices == (0, 0, 0)
    assert result.windows_hit == 2 and result.protocol == "loo+params"
    assert result.score == pytest.approx(nab.normalised_score(2.0 - 1.0, 3, STANDARD))


def test_window_rows_match_timestamps_inclusively() -> None:
    stamps = [f"2015-03-01 00:{minute:02d}:53" for minute in range(0, 60, 5)]
    windows = [("2015-03-01 00:10:53.000000", "2015-03-01 00:20:53.000000")]
    assert nab.window_rows(stamps, windows) == [(2, 4)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,count\n", "x.csv:1: expected the header"),
        ("timestamp,value\n2015-02-26 21:42:53,1\n2015-02-26 21:47:53,abc\n", "x.csv:3: value 'abc'"),
        ("timestamp,value\n2015-02-26 21:42:53\n", "x.csv:2: expected 'timestamp,value'"),
        ("timestamp,value\n2015-02-26 21:42:53,1\n2015-02-26 21:42:53,2\n", "x.csv:3: timestamp"),
        ("timestamp,value\n2015-02-26 21:42:53,nan\n", "x.csv:2: value 'nan' is not finite"),
        ("timestamp,value\n2015-02-26 21:42:53,-500\n", "x.csv:2: value '-500' is negative"),
        ("timestamp,value\n2015-02-26 21:42:53+05:00,1\n", "x.csv:2: bad timestamp .* no offset"),
        ("timestamp,value\n2015-02-26 21:42:53xyz,1\n", "x.csv:2: bad timestamp"),
    ],
)
def test_parse_series_names_the_bad_line(text: str, message: str) -> None:
    with pytest.raises(nab.SeriesFormatError, match=message):
        nab.parse_series(text.splitlines(), "x.csv")


def test_parse_series_reads_fractional_seconds_as_nab_writes_them() -> None:
    series = nab.parse_series(["timestamp,value", "2015-02-26 21:42:53.000000,4"])
    assert series.epoch_ms == (1424986973000,) and series.values == (4.0,)


def test_read_peer_rows_parses_the_markdown_table(tmp_path: Path) -> None:
    peers = tmp_path / "PEERS.md"
    peers.write_text(
        "| detector | threshold | standard | reward low FP | reward low FN | windows hit (standard) | false-positive points (standard) |\n"
        "|---|---|---|---|---|---|---|\n| ARTime | optimize | 88.1 | 82.3 | 92.1 | 16/16 | 18 |\n"
    )
    (row,) = nab.read_peer_rows(peers)
    assert (row.detector, row.threshold, row.standard) == ("ARTime", "optimize", "88.1")
    assert nab.read_peer_rows(tmp_path / "missing.md") == []


@pytest.mark.data
@needs_data
def test_realtweets_null_scores_zero_and_oracle_one_hundred() -> None:
    corpus = nab.load_corpus(NAB_DIR)
    assert len(corpus.series) == 5
    assert sum(p.windows for p in corpus.prepared.values()) == 16
    null = {name: np.zeros(p.rows) for name, p in corpus.prepared.items()}
    oracle = {}
    for name, prepared in corpus.prepared.items():
        scores = np.zeros(prepared.rows)
        for window in range(prepared.windows + 1):
            rows = np.flatnonzero(prepared.window_of_row == window)
            if rows.size:
                scores[rows[0]] = 1.0
        oracle[name] = scores
    for protocol in nab.PROTOCOLS:
        for profile in nab.PROFILE_ORDER:
            profile_costs = corpus.profiles[profile]
            assert nab.evaluate(corpus.prepared, null, profile_costs, protocol).score == pytest.approx(0.0)
            assert nab.evaluate(corpus.prepared, oracle, profile_costs, protocol).score == pytest.approx(100.0)


@pytest.mark.data
@needs_data
def test_evaluate_nab_command_prints_our_rows_and_the_peers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate-nab", "--data-dir", str(NAB_DIR.parent)]) == 0
    output = capsys.readouterr().out
    assert "| flarewatch volume" in output and "| ARTime" in output
    ours = [line for line in output.splitlines() if line.startswith("| flarewatch volume")]
    assert [line.split("|")[2].strip() for line in ours] == ["optimize", "loo"]


def test_evaluate_nab_without_data_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate-nab", "--data-dir", str(tmp_path)]) == 1
    assert "no NAB data" in capsys.readouterr().err


def _tiny_corpus(root: Path, files: int = 2) -> Path:
    """A labelled NAB-like corpus of ``files`` series (one window each) under root/nab_realtweets."""
    directory = root / "nab_realtweets"
    (directory / "labels").mkdir(parents=True)
    cost = {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11, "tnWeight": 1.0}
    (directory / "labels" / "profiles.json").write_text(json.dumps(
        {name: {"CostMatrix": cost} for name in nab.PROFILE_ORDER}))
    windows = {}
    for index in range(files):
        name = f"series_{index}.csv"
        rows = [f"2015-03-01 {minute // 60:02d}:{minute % 60:02d}:00,{10 + (minute == 600) * 500}"
                for minute in range(0, 1200, 5)]
        (directory / name).write_text("timestamp,value\n" + "\n".join(rows) + "\n")
        windows[f"realTweets/{name}"] = [["2015-03-01 09:30:00.000000", "2015-03-01 10:30:00.000000"]]
    (directory / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    (directory / "PEERS.md").write_text(
        "| detector | threshold | standard | reward low FP | reward low FN | windows hit (standard) | false-positive points (standard) |\n"
        "|---|---|---|---|---|---|---|\n| ARTime | optimize | 88.1 | 82.3 | 92.1 | 16/16 | 18 |\n"
    )
    return directory


def test_evaluate_nab_warns_about_a_missing_file_and_drops_the_peers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = _tiny_corpus(tmp_path)
    assert main(["evaluate-nab", "--data-dir", str(tmp_path)]) == 0
    assert "| ARTime" in capsys.readouterr().out
    (directory / "series_1.csv").unlink()
    assert main(["evaluate-nab", "--data-dir", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "labelled files missing" in captured.err and "series_1.csv" in captured.err
    assert "NAB on 1 files" in captured.out and "| ARTime" not in captured.out


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "labels" / "combined_windows.json").write_text("{broken"), "combined_windows.json:1: not JSON"),
        (lambda d: (d / "labels" / "combined_windows.json").write_text("[]"), "expected a JSON object, got list"),
        (lambda d: (d / "labels" / "profiles.json").unlink(), "profiles.json: no such file"),
        (lambda d: (d / "labels" / "profiles.json").write_text('{"standard": {}}'), "no readable CostMatrix"),
        (lambda d: (d / "series_0.csv").write_text("timestamp,value\ngarbage,1\n"), "series_0.csv:2: bad timestamp"),
    ],
    ids=["windows-not-json", "windows-not-object", "profiles-missing", "profile-without-costs", "bad-row"],
)
def test_evaluate_nab_names_the_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Any, message: str
) -> None:
    damage(_tiny_corpus(tmp_path))
    assert main(["evaluate-nab", "--data-dir", str(tmp_path)]) == 1
    assert message in capsys.readouterr().err
