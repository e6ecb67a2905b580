"""``flarewatch score-series`` and ``flarewatch evaluate-nab``: the volume detector on plain series.

``score-series`` reads NAB's ``timestamp,value`` format and writes
``timestamp,value,anomaly_score``; ``evaluate-nab`` scores the labelled NAB realTweets
files under NAB's three profiles and prints the result next to the published detectors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from streams.errors import CommandError
from streams.settings import Settings, env_var

NAB_SUBDIRECTORY = "nab_realtweets"
PARAMETER_GRID: dict[str, tuple[float, ...]] = {
    "min_excess": (5.0, 10.0, 15.0),
    "threshold": (6.0, 8.0, 10.0),
    "typical_peak_z": (3.0, 4.0, 6.0),
}
"""The volume parameters explored around NAB_VOLUME_PARAMS for ``--parameter-grid``."""


def _grid_size() -> int:
    size = 1
    for values in PARAMETER_GRID.values():
        size *= len(values)
    return size


def register(subparsers: Any) -> None:
    score = subparsers.add_parser(
        "score-series",
        help="score a timestamp,value CSV with the volume detector (NAB format out)",
        description=(
            "Reads SERIES.csv (header 'timestamp,value', UTC 'YYYY-MM-DD HH:MM:SS', one row per bucket, "
            "increasing time) and writes 'timestamp,value,anomaly_score' with the score in [0, 1], "
            "0 while an alert cools down (the Numenta Anomaly Benchmark's format). The first day (288 rows) "
            "is warm-up: only a value of 50 or more scores high, and that alert's cooldown (24 hours with "
            "--params nab, 3 with default) hides what follows; NAB does not score its first 15 %."
        ),
    )
    score.add_argument("series", type=Path, metavar="SERIES.csv", help="the series ('-' for stdin)")
    score.add_argument("--out", type=Path, required=True, metavar="SCORES.csv", help="where to write the scores ('-' for stdout)")
    score.add_argument(
        "--params", choices=("nab", "default"), default="nab",
        help="volume detector parameters: 'nab' (documented NAB set, 5-minute rows) or the live 'default'",
    )
    score.set_defaults(handler=run_score_series)

    evaluate = subparsers.add_parser(
        "evaluate-nab",
        help="score the NAB realTweets files (standard / low FP / low FN, optimize and loo thresholds)",
        description=(
            "Runs the volume detector over every labelled file in DATA_DIR/nab_realtweets, scores it with "
            "NAB's rules under the three profiles with two threshold protocols ('optimize': one threshold "
            "best on all files; 'loo': each file scored with the threshold best on the others) and prints "
            "the table next to the published detectors of PEERS.md."
        ),
    )
    evaluate.add_argument("--data-dir", type=Path, help=f"labelled data root [env: {env_var('data_dir')}]")
    evaluate.add_argument("--params", choices=("nab", "default"), default="nab", help="volume detector parameters")
    evaluate.add_argument("--no-peers", action="store_true", help="print only flarewatch's rows")
    evaluate.add_argument(
        "--parameter-grid", action="store_true",
        help=(
            "also report 'loo+params': each file scored with the parameter set and threshold best on the "
            f"other files, over a grid of {_grid_size()} parameter sets (about a minute)"
        ),
    )
    evaluate.set_defaults(handler=run_evaluate_nab)


def _detector(choice: str) -> Any:
    from detectors.volume import NAB_VOLUME_PARAMS, VolumeDetector, VolumeParams

    return VolumeDetector(NAB_VOLUME_PARAMS if choice == "nab" else VolumeParams())


def run_score_series(args: argparse.Namespace, settings: Settings) -> int:
    from detectors.nab import SeriesFormatError, parse_series, read_series
    from detectors.volume import nab_scores

    try:
        if str(args.series) == "-":
            series = parse_series(sys.stdin.read().splitlines(), "<stdin>")
        else:
            series = read_series(args.series)
    except SeriesFormatError as error:
        raise CommandError(str(error)) from None
    except UnicodeDecodeError:
        raise CommandError(f"{args.series}: not a UTF-8 text file") from None
    _warn_about_spacing(series, "<stdin>" if str(args.series) == "-" else str(args.series))
    scores = nab_scores(_detector(args.params), series.epoch_ms, series.values)
    lines = ["timestamp,value,anomaly_score"]
    lines += [
        f"{stamp},{_number(value)},{score:.6f}"
        for stamp, value, score in zip(series.timestamps, series.values, scores, strict=True)
    ]
    text = "\n".join(lines) + "\n"
    if str(args.out) == "-":
        sys.stdout.write(text)
    else:
        try:
            args.out.write_text(text)
        except OSError as error:
            raise CommandError(f"cannot write {args.out}: {error.strerror}") from None
    return 0


BUCKET_MS = 5 * 60 * 1000
"""The row spacing the volume parameters assume (NAB's realTweets and the live buckets)."""


def _warn_about_spacing(series: Any, source: str) -> None:
    """Rows are scored as consecutive buckets; say so when they are not 5 minutes apart."""
    steps = [later - earlier for earlier, later in zip(series.epoch_ms, series.epoch_ms[1:], strict=False)]
    odd = [index for index, step in enumerate(steps) if step != BUCKET_MS]
    if odd:
        first = odd[0]
        print(
            f"warning: {source}: {len(odd)} of {len(steps)} rows do not follow the previous one by 5 minutes "
            f"(first: row {first + 3}, {steps[first] / 60000:g} min); the detector's parameters assume "
            "one row per 5-minute bucket and a missing row is not read as zero",
            file=sys.stderr,
        )


def run_evaluate_nab(args: argparse.Namespace, settings: Settings) -> int:
    from detectors.nab import (
        CorpusError,
        SeriesFormatError,
        evaluate_all,
        format_table,
        load_corpus,
        read_peer_rows,
        result_rows,
    )
    from detectors.volume import nab_scores

    directory = (args.data_dir or settings.data_dir) / NAB_SUBDIRECTORY
    if not (directory / "labels" / "combined_windows.json").is_file():
        raise CommandError(
            f"no NAB data in {directory} (expected labels/combined_windows.json); "
            f"set {env_var('data_dir')} or --data-dir"
        )
    try:
        corpus = load_corpus(directory)
    except (CorpusError, SeriesFormatError) as error:
        raise CommandError(str(error)) from None
    if not corpus.series:
        raise CommandError(f"none of the labelled files is present in {directory}")
    if corpus.missing:
        print(f"warning: labelled files missing from {directory}: {', '.join(corpus.missing)}; "
              "scoring the others, without the published detectors' rows (those are for all files)",
              file=sys.stderr)
    detector = _detector(args.params)
    scores = {name: nab_scores(detector, s.epoch_ms, s.values) for name, s in corpus.series.items()}
    results = evaluate_all(corpus, scores)
    name = "flarewatch volume" + ("" if args.params == "nab" else " (default params)")
    ours = result_rows(name, results)
    if args.parameter_grid:
        ours += result_rows("flarewatch volume", _parameter_choice(corpus, detector), ("loo+params",))
    rows = ours if args.no_peers or corpus.missing else ours + read_peer_rows(directory / "PEERS.md")
    order = {"optimize": 0, "loo": 1, "loo+params": 2}
    rows.sort(key=lambda row: (order.get(row.threshold, 3), -_float(row.standard)))
    print(f"NAB on {len(corpus.series)} files of {directory} ({sum(p.windows for p in corpus.prepared.values())} windows)")
    print(format_table(rows))
    return 0


def _parameter_choice(corpus: Any, detector: Any) -> dict[tuple[str, str], Any]:
    import dataclasses
    import itertools

    from tqdm import tqdm

    from detectors.nab import PROFILE_ORDER, evaluate_with_parameter_choice
    from detectors.volume import VolumeDetector, nab_scores

    scores_by_choice = []
    for values in tqdm(list(itertools.product(*PARAMETER_GRID.values())), desc="parameter grid", unit="set",
                       file=sys.stderr):
        params = dataclasses.replace(detector.params, **dict(zip(PARAMETER_GRID, values, strict=True)))
        candidate = VolumeDetector(params)
        scores_by_choice.append(
            {name: nab_scores(candidate, s.epoch_ms, s.values) for name, s in corpus.series.items()}
        )
    return {
        (profile, "loo+params"): evaluate_with_parameter_choice(
            corpus.prepared, scores_by_choice, corpus.profiles[profile]
        )
        for profile in PROFILE_ORDER
    }


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("-inf")
