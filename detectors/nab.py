"""Numenta Anomaly Benchmark (NAB) scoring, implemented from its published definition.

Lavin & Ahmad, "Evaluating Real-time Anomaly Detection Algorithms - the Numenta Anomaly
Benchmark" (2015) and Ahmad et al., Neurocomputing 2017:

* A row is a *detection* when its anomaly score is at or above the threshold.
* Inside a labelled window only the earliest detection counts; it earns
  ``tp_weight * sigma(position) / sigma(-1)`` where ``position`` runs from -1 at the
  window's first row to about 0 at its last and ``sigma(x) = 2 / (1 + exp(5 x)) - 1``
  (NAB's scaled sigmoid, so the first row of a window earns exactly ``tp_weight``).
* Every detection outside a window costs ``fp_weight * sigma(distance)``, with the
  distance past the previous window's end measured in that window's widths (a detection
  just after a window costs almost nothing, one three widths later or before any window
  costs the full ``fp_weight``).
* A window without a detection costs ``fn_weight``.
* The first 15 % of each file (at most 750 rows) is probationary and not scored.
* Normalised score: ``100 * (raw - null) / (perfect - null)`` with
  ``null = -fn_weight * windows`` (never detect) and ``perfect = tp_weight * windows``.

Thresholds are chosen by exhaustive search over all distinct scores (NAB itself uses a
local "twiddle" search, which can only find the same or a worse threshold):
``optimize`` picks one threshold for the whole corpus, ``loo`` scores each file with
the threshold that is best on the other files.

>>> windows = [(10, 19)]
>>> prepared = prepare_file(40, windows, probation=0)
>>> standard = CostProfile("standard", 1.0, 0.11, 1.0)
>>> scores = [0.0] * 40
>>> round(file_raw_score(prepared, scores, standard, threshold=0.5), 6)
-1.0
>>> scores[10] = 1.0
>>> round(file_raw_score(prepared, scores, standard, threshold=0.5), 6)
1.0
>>> normalised_score(1.0, windows=1, profile=standard)
100.0
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PROBATION_FRACTION = 0.15
PROBATION_MAX_ROWS = 750
NO_WINDOW = -1
PROBATIONARY = -2
PROFILE_FILE_NAMES = {
    "standard": "standard",
    "reward_low_FP_rate": "reward_low_FP",
    "reward_low_FN_rate": "reward_low_FN",
}


def scaled_sigmoid(position: float) -> float:
    """NAB's scaled sigmoid: 0.9866 at -1 (window start), 0 at 0, -1 from 3 on.

    >>> round(scaled_sigmoid(-1.0), 5), scaled_sigmoid(0.0), scaled_sigmoid(3.0)
    (0.98661, 0.0, -1.0)
    """
    if position >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def _scaled_sigmoid_array(position: FloatArray) -> FloatArray:
    clipped = np.minimum(position, 3.0)
    values: FloatArray = 2.0 / (1.0 + np.exp(5.0 * clipped)) - 1.0
    values[position >= 3.0] = -1.0
    return values


MAX_TRUE_POSITIVE = scaled_sigmoid(-1.0)


@dataclass(frozen=True, slots=True)
class CostProfile:
    """One NAB application profile (``labels/profiles.json``)."""

    name: str
    true_positive_weight: float
    false_positive_weight: float
    false_negative_weight: float


@dataclass(frozen=True, slots=True)
class PreparedFile:
    """Per-row facts of one labelled file that do not depend on the detector.

    ``window_of_row`` holds the window number, :data:`NO_WINDOW` or
    :data:`PROBATIONARY`; ``position`` the relative position NAB's sigmoid is applied to
    (inside a window: -1 at its start; outside: widths past the previous window, or 3
    before any window).
    """

    window_of_row: IntArray
    position: FloatArray
    inside: npt.NDArray[np.bool_]
    windows: int

    @property
    def rows(self) -> int:
        return int(self.window_of_row.size)


def probation_rows(rows: int) -> int:
    """NAB's probationary period: 15 % of the file, at most 750 rows."""
    return int(min(math.floor(PROBATION_FRACTION * rows), PROBATION_FRACTION * 5000))


def prepare_file(
    rows: int, windows: Sequence[tuple[int, int]], probation: int | None = None
) -> PreparedFile:
    """Window membership and sigmoid position of every row.

    ``windows`` are inclusive ``(first_row, last_row)`` pairs in time order.
    """
    if probation is None:
        probation = probation_rows(rows)
    window_of_row = np.full(rows, NO_WINDOW, dtype=np.int64)
    position = np.full(rows, 3.0, dtype=np.float64)
    index = np.arange(rows, dtype=np.float64)
    previous_end: int | None = None
    previous_width = 0.0
    for number, (first, last) in enumerate(windows):
        if not 0 <= first <= last < rows:
            raise ValueError(f"window {number} ({first}, {last}) is outside 0..{rows - 1}")
        if previous_end is not None and first <= previous_end:
            raise ValueError(f"window {number} overlaps the previous window")
        width = float(last - first + 1)
        window_of_row[first : last + 1] = number
        position[first : last + 1] = -(last - index[first : last + 1] + 1) / width
        if previous_end is not None:
            gap = slice(previous_end + 1, first)
            position[gap] = np.abs(previous_end - index[gap]) / (previous_width - 1.0)
        previous_end, previous_width = last, width
    if previous_end is not None:
        tail = slice(previous_end + 1, rows)
        position[tail] = np.abs(previous_end - index[tail]) / (previous_width - 1.0)
    inside = window_of_row >= 0
    window_of_row[:probation] = PROBATIONARY
    scored_windows = len({int(w) for w in window_of_row if w >= 0})
    return PreparedFile(window_of_row, position, inside, scored_windows)


def _row_weights(prepared: PreparedFile, profile: CostProfile) -> FloatArray:
    unweighted = _scaled_sigmoid_array(prepared.position)
    weights: FloatArray = np.where(
        prepared.inside,
        unweighted * profile.true_positive_weight / MAX_TRUE_POSITIVE,
        unweighted * profile.false_positive_weight,
    )
    return weights


@dataclass(frozen=True, slots=True)
class ThresholdCurve:
    """Raw NAB score of one file as a step function of the threshold.

    Evaluate with :meth:`at`; a row is a detection when ``score >= threshold``.
    """

    false_positive_scores: FloatArray  # descending
    false_positive_cumulative: FloatArray  # cost of the first k false positives, k = 0..n
    window_scores: tuple[FloatArray, ...]  # per window, descending
    window_best: tuple[FloatArray, ...]  # per window, best (earliest) credit of the first k
    false_negative_weight: float

    def at(self, thresholds: FloatArray) -> FloatArray:
        """Raw score at each threshold (vectorised)."""
        count = np.searchsorted(-self.false_positive_scores, -thresholds, side="right")
        total: FloatArray = self.false_positive_cumulative[count].astype(np.float64)
        for scores, best in zip(self.window_scores, self.window_best, strict=True):
            hits = np.searchsorted(-scores, -thresholds, side="right")
            total = total + np.where(
                hits > 0, best[np.maximum(hits - 1, 0)], -self.false_negative_weight
            )
        return total

    def false_positives_at(self, threshold: float) -> int:
        return int(np.searchsorted(-self.false_positive_scores, -threshold, side="right"))

    def windows_hit_at(self, threshold: float) -> int:
        return sum(int(scores.size > 0 and scores[0] >= threshold) for scores in self.window_scores)


def threshold_curve(
    prepared: PreparedFile, scores: Sequence[float] | FloatArray, profile: CostProfile
) -> ThresholdCurve:
    values = np.asarray(scores, dtype=np.float64)
    if values.size != prepared.rows:
        raise ValueError(f"{values.size} scores for a file of {prepared.rows} rows")
    weights = _row_weights(prepared, profile)
    outside = prepared.window_of_row == NO_WINDOW
    order = np.argsort(-values[outside], kind="stable")
    fp_scores = values[outside][order]
    fp_cumulative = np.concatenate(([0.0], np.cumsum(weights[outside][order])))
    window_scores: list[FloatArray] = []
    window_best: list[FloatArray] = []
    for number in sorted({int(w) for w in prepared.window_of_row if w >= 0}):
        members = prepared.window_of_row == number
        order = np.argsort(-values[members], kind="stable")
        window_scores.append(values[members][order])
        window_best.append(np.maximum.accumulate(weights[members][order]))
    return ThresholdCurve(
        fp_scores, fp_cumulative, tuple(window_scores), tuple(window_best),
        profile.false_negative_weight,
    )


def file_raw_score(
    prepared: PreparedFile, scores: Sequence[float] | FloatArray, profile: CostProfile,
    threshold: float,
) -> float:
    curve = threshold_curve(prepared, scores, profile)
    return float(curve.at(np.array([threshold]))[0])


def normalised_score(raw: float, windows: int, profile: CostProfile) -> float:
    """NAB's normalisation: never detecting scores 0, a detection at every window's start 100."""
    null = -profile.false_negative_weight * windows
    perfect = profile.true_positive_weight * windows
    return 100.0 * (raw - null) / (perfect - null)


def candidate_thresholds(curves: Sequence[ThresholdCurve]) -> FloatArray:
    """Every threshold at which some curve changes, descending, plus one above all scores."""
    values = [c.false_positive_scores for c in curves] + [s for c in curves for s in c.window_scores]
    distinct = np.unique(np.concatenate(values)) if values else np.array([], dtype=np.float64)
    top = (distinct[-1] + 1.0) if distinct.size else 1.0
    return np.concatenate(([top], distinct[::-1]))


def best_threshold(curves: Sequence[ThresholdCurve]) -> float:
    """Threshold maximising the summed raw score; ties go to the highest threshold.

    The returned value is the midpoint of the optimal step (between the distinct score
    it admits and the next lower one), so a held-out file is not judged at an exact
    score of the training files.
    """
    grid = candidate_thresholds(curves)
    total = np.zeros(grid.size)
    for curve in curves:
        total += curve.at(grid)
    best = int(np.argmax(total > total.max() - 1e-9))
    if best + 1 < grid.size:
        return float((grid[best] + grid[best + 1]) / 2.0)
    return float(grid[best] / 2.0) if grid[best] > 0 else float(grid[best] - 1.0)


@dataclass(frozen=True, slots=True)
class ProtocolResult:
    """NAB result of one detector under one profile and one threshold protocol."""

    profile: str
    protocol: str
    score: float
    windows_hit: int
    windows: int
    false_positives: int
    thresholds: tuple[float, ...]
    choices: tuple[int, ...] = ()
    """For ``loo+params``: the parameter set used for each file (index into the grid)."""


def evaluate(
    prepared: Mapping[str, PreparedFile],
    scores: Mapping[str, Sequence[float] | FloatArray],
    profile: CostProfile,
    protocol: str,
) -> ProtocolResult:
    """Score a corpus under ``optimize`` (one threshold, best on all files) or ``loo``."""
    names = sorted(prepared)
    curves = {name: threshold_curve(prepared[name], scores[name], profile) for name in names}
    if protocol == "optimize":
        threshold = best_threshold(list(curves.values()))
        thresholds = {name: threshold for name in names}
    elif protocol == "loo":
        thresholds = {
            name: best_threshold([curves[other] for other in names if other != name])
            for name in names
        }
    else:
        raise ValueError(f"unknown protocol {protocol!r} (expected 'optimize' or 'loo')")
    raw = sum(float(curves[n].at(np.array([thresholds[n]]))[0]) for n in names)
    windows = sum(prepared[n].windows for n in names)
    return ProtocolResult(
        profile=profile.name,
        protocol=protocol,
        score=normalised_score(raw, windows, profile),
        windows_hit=sum(curves[n].windows_hit_at(thresholds[n]) for n in names),
        windows=windows,
        false_positives=sum(curves[n].false_positives_at(thresholds[n]) for n in names),
        thresholds=tuple(thresholds[n] for n in names),
    )


def evaluate_with_parameter_choice(
    prepared: Mapping[str, PreparedFile],
    scores_by_choice: Sequence[Mapping[str, Sequence[float] | FloatArray]],
    profile: CostProfile,
) -> ProtocolResult:
    """Nested leave-one-file-out (``loo+params``): each file is scored with the parameter
    set *and* threshold that are best on the other files, so choosing parameters on the
    benchmark is itself judged out of sample."""
    names = sorted(prepared)
    curves = [
        {name: threshold_curve(prepared[name], scores[name], profile) for name in names}
        for scores in scores_by_choice
    ]
    raw, hit, false_positives = 0.0, 0, 0
    thresholds: list[float] = []
    choices: list[int] = []
    for held_out in names:
        best_value, best_choice, best_at = -math.inf, 0, 0.0
        for choice, by_name in enumerate(curves):
            others = [by_name[name] for name in names if name != held_out]
            threshold = best_threshold(others)
            value = sum(float(c.at(np.array([threshold]))[0]) for c in others)
            if value > best_value + 1e-9:
                best_value, best_choice, best_at = value, choice, threshold
        curve = curves[best_choice][held_out]
        raw += float(curve.at(np.array([best_at]))[0])
        hit += curve.windows_hit_at(best_at)
        false_positives += curve.false_positives_at(best_at)
        thresholds.append(best_at)
        choices.append(best_choice)
    windows = sum(prepared[n].windows for n in names)
    return ProtocolResult(
        profile=profile.name, protocol="loo+params", score=normalised_score(raw, windows, profile),
        windows_hit=hit, windows=windows, false_positives=false_positives,
        thresholds=tuple(thresholds), choices=tuple(choices),
    )


class CorpusError(ValueError):
    """A NAB labels file flarewatch cannot read (the message names the file and the problem)."""


def _read_json_object(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise CorpusError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: cannot read ({error})") from None
    except json.JSONDecodeError as error:
        raise CorpusError(f"{path}:{error.lineno}: not JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def load_profiles(path: Path) -> dict[str, CostProfile]:
    """Profiles from NAB's ``profiles.json``, keyed by NAB's profile name."""
    profiles = {}
    for name, body in _read_json_object(path).items():
        try:
            matrix = body["CostMatrix"]  # type: ignore[index]
            profiles[name] = CostProfile(
                name, float(matrix["tpWeight"]), float(matrix["fpWeight"]), float(matrix["fnWeight"])
            )
        except (KeyError, TypeError, ValueError) as error:
            raise CorpusError(f"{path}: profile {name!r} has no readable CostMatrix ({error!r})") from None
    return profiles


def load_windows(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Windows from NAB's ``combined_windows.json``, keyed by file name (no directory)."""
    windows: dict[str, list[tuple[str, str]]] = {}
    for name, spans in _read_json_object(path).items():
        try:
            windows[Path(name).name] = [(str(start), str(end)) for start, end in spans]  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            raise CorpusError(f"{path}: the windows of {name!r} are not [start, end] pairs") from None
    return windows


def window_rows(
    timestamps: Sequence[str], windows: Sequence[tuple[str, str]]
) -> list[tuple[int, int]]:
    """Map timestamp windows to inclusive row ranges (first row >= start, last row <= end).

    Timestamps compare as ``YYYY-MM-DD HH:MM:SS`` text; NAB's fractional ``.000000`` is
    ignored.
    """
    stamps = np.array([stamp[:19] for stamp in timestamps])
    rows = []
    for start, end in windows:
        first = int(np.searchsorted(stamps, start[:19], side="left"))
        last = int(np.searchsorted(stamps, end[:19], side="right")) - 1
        if first <= last:
            rows.append((first, last))
    return rows


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?")
"""NAB's timestamps: UTC, optionally with fractional seconds (ignored)."""


class SeriesFormatError(ValueError):
    """A ``timestamp,value`` file has a row flarewatch cannot read (message names the line)."""


@dataclass(frozen=True, slots=True)
class Series:
    """A NAB-format series: ``timestamp`` text as written, epoch milliseconds and values."""

    timestamps: tuple[str, ...]
    epoch_ms: tuple[int, ...]
    values: tuple[float, ...]


def parse_series(lines: Sequence[str], source: str = "<series>") -> Series:
    """Parse ``timestamp,value`` CSV text (header first, UTC ``YYYY-MM-DD HH:MM:SS``).

    Raises :class:`SeriesFormatError` naming the line of the first bad row.

    >>> parse_series(["timestamp,value", "2015-02-26 21:42:53,104"]).epoch_ms
    (1424986973000,)
    >>> parse_series(["timestamp,value", "yesterday,1"], "x.csv")
    Traceback (most recent call last):
    ...
    detectors.nab.SeriesFormatError: x.csv:2: bad timestamp 'yesterday' (expected UTC YYYY-MM-DD HH:MM:SS, no offset)
    """
    from datetime import UTC, datetime

    if not lines or [c.strip() for c in lines[0].strip().split(",")][:2] != ["timestamp", "value"]:
        raise SeriesFormatError(f"{source}:1: expected the header 'timestamp,value'")
    stamps: list[str] = []
    epoch: list[int] = []
    values: list[float] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.rstrip("\r\n").split(",")]
        if len(cells) < 2:
            raise SeriesFormatError(f"{source}:{number}: expected 'timestamp,value', got {line.strip()!r}")
        stamp, raw = cells[0], cells[1]
        try:
            if not _TIMESTAMP.fullmatch(stamp):
                raise ValueError(stamp)
            moment = datetime.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            raise SeriesFormatError(
                f"{source}:{number}: bad timestamp {stamp!r} (expected UTC YYYY-MM-DD HH:MM:SS, no offset)"
            ) from None
        try:
            value = float(raw)
        except ValueError:
            raise SeriesFormatError(f"{source}:{number}: value {raw!r} is not a number") from None
        if not math.isfinite(value):
            raise SeriesFormatError(f"{source}:{number}: value {raw!r} is not finite")
        if value < 0:
            raise SeriesFormatError(f"{source}:{number}: value {raw!r} is negative (the volume detector scores counts)")
        millis = int(moment.timestamp() * 1000)
        if epoch and millis <= epoch[-1]:
            raise SeriesFormatError(
                f"{source}:{number}: timestamp {stamp!r} is not after the previous row"
            )
        stamps.append(stamp)
        epoch.append(millis)
        values.append(value)
    return Series(tuple(stamps), tuple(epoch), tuple(values))


def read_series(path: Path) -> Series:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise SeriesFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SeriesFormatError(f"{path}: is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise SeriesFormatError(f"{path}: not a UTF-8 text file") from None
    except OSError as error:
        raise SeriesFormatError(f"{path}: cannot read ({error.strerror or error})") from None
    return parse_series(text.splitlines(), str(path))


PROFILE_ORDER = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")
PROTOCOLS = ("optimize", "loo")


@dataclass(frozen=True, slots=True)
class Corpus:
    """Labelled NAB files: series, prepared windows and profiles."""

    series: Mapping[str, Series]
    prepared: Mapping[str, PreparedFile]
    profiles: Mapping[str, CostProfile]
    missing: tuple[str, ...] = ()
    """Labelled files not present in the directory."""


def load_corpus(directory: Path) -> Corpus:
    """Every CSV of ``directory`` named in ``labels/combined_windows.json``.

    Raises :class:`CorpusError` or :class:`SeriesFormatError` for a file it cannot read.
    """
    windows = load_windows(directory / "labels" / "combined_windows.json")
    profiles = load_profiles(directory / "labels" / "profiles.json")
    series: dict[str, Series] = {}
    prepared: dict[str, PreparedFile] = {}
    missing = []
    for name in sorted(windows):
        path = directory / name
        if not path.exists():
            missing.append(name)
            continue
        series[name] = read_series(path)
        rows = window_rows(series[name].timestamps, windows[name])
        prepared[name] = prepare_file(len(series[name].values), rows)
    return Corpus(series, prepared, profiles, tuple(missing))


def evaluate_all(
    corpus: Corpus, scores: Mapping[str, Sequence[float] | FloatArray]
) -> dict[tuple[str, str], ProtocolResult]:
    """Results keyed by (NAB profile name, protocol) for the three standard profiles."""
    return {
        (profile, protocol): evaluate(corpus.prepared, scores, corpus.profiles[profile], protocol)
        for profile in PROFILE_ORDER
        if profile in corpus.profiles
        for protocol in PROTOCOLS
    }


@dataclass(frozen=True, slots=True)
class TableRow:
    detector: str
    threshold: str
    standard: str
    low_fp: str
    low_fn: str
    windows_hit: str
    false_positives: str


TABLE_HEADER = TableRow(
    "detector", "threshold", "standard", "reward low FP", "reward low FN",
    "windows hit (standard)", "false-positive points (standard)",
)


def result_rows(
    name: str, results: Mapping[tuple[str, str], ProtocolResult], protocols: Sequence[str] = PROTOCOLS
) -> list[TableRow]:
    rows = []
    for protocol in protocols:
        standard = results[("standard", protocol)]
        rows.append(
            TableRow(
                name, protocol, f"{standard.score:.1f}",
                f"{results[('reward_low_FP_rate', protocol)].score:.1f}",
                f"{results[('reward_low_FN_rate', protocol)].score:.1f}",
                f"{standard.windows_hit}/{standard.windows}", str(standard.false_positives),
            )
        )
    return rows


def read_peer_rows(path: Path) -> list[TableRow]:
    """The published detectors' rows of ``PEERS.md`` (a markdown table); [] when absent."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[1] in PROTOCOLS:
            rows.append(TableRow(*cells))
    return rows


def format_table(rows: Sequence[TableRow]) -> str:
    """Markdown table of ``rows`` under :data:`TABLE_HEADER`, in the given order."""
    table = [TABLE_HEADER, *rows]
    columns = list(zip(*(tuple(getattr(r, f) for f in TableRow.__slots__) for r in table), strict=True))
    widths = [max(len(cell) for cell in column) for column in columns]
    lines = []
    for number, row in enumerate(table):
        cells = [getattr(row, f) for f in TableRow.__slots__]
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
