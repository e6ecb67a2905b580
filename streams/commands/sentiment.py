"""``flarewatch train``, ``evaluate`` and ``sentiment``: the sentiment model's life cycle.

``train`` fits the model on the labelled data in ``Settings.data_dir`` and writes
a versioned artifact (by default into the package, replacing the shipped one);
``evaluate`` scores an artifact on the held-out test sets next to the lexicon
baselines; ``sentiment`` classifies text from stdin for a quick look.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from streams.settings import Settings, env_var

DATA_HELP = f"labelled data directory [env: {env_var('data_dir')}]"
MODEL_HELP = "model artifact (path without suffix, or the .json/.npz file); default: the one shipped in the package"


def register(subparsers: Any) -> None:
    train = subparsers.add_parser(
        "train",
        help="train the sentiment model from the labelled data and write a versioned artifact",
        description=(
            "Train one linear model per language (English: SemEval 2013-2016; German: SB10k, PotTS, XLM-T, "
            "GermEval 2017 dev) and write <output>.npz + <output>.json. Hyper-parameters are chosen on held-out "
            "training data; the test sets are never trained on."
        ),
    )
    train.add_argument("--data-dir", type=Path, help=DATA_HELP)
    train.add_argument("--output", type=Path, help="artifact path without suffix; default: the package's shipped model")
    train.add_argument("--model-version", help="version stamped on every enriched event; default fw-sent-<YYYY.MM.DD>")
    train.add_argument("--quick", action="store_true", help="one C value, fewer folds (a smoke run, about 1 minute)")
    train.add_argument(
        "--word-vectors",
        metavar="ENCODER",
        help=(
            "experimental, off by default: distil static word vectors from this sentence encoder (a directory or "
            "wheel holding model.safetensors + vocab.txt + config.json, e.g. all-MiniLM-L6-v2) and add their "
            "per-text means as features; training-time only, the artifact carries the table"
        ),
    )
    train.add_argument(
        "--word-vector-languages", default="en", help="comma-separated languages that get word vectors (default en)"
    )
    train.set_defaults(handler=run_train)

    evaluate = subparsers.add_parser(
        "evaluate",
        help="macro-F1 and per-class recall on the held-out test sets, next to the lexicon baselines",
        description=(
            "Score a sentiment model artifact on the held-out test sets of the labelled data (never trained "
            "on) and print macro-F1 and per-class recall per language and data set, next to the lexicon "
            "baselines (VADER for English, a SentiWS weight sum for German); --json prints the rows as JSON."
        ),
    )
    evaluate.add_argument("--data-dir", type=Path, help=DATA_HELP)
    evaluate.add_argument("--model", type=Path, help=MODEL_HELP)
    evaluate.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    evaluate.set_defaults(handler=run_evaluate)

    sentiment = subparsers.add_parser(
        "sentiment",
        help="classify texts from stdin (one per line, or JSONL with 'text' and optional 'lang')",
        description=(
            "Reads stdin line by line. A line that is a JSON object uses its 'text' and optional 'lang' "
            "fields; any other line is the text itself and its language is detected. Prints label, score "
            "and language per line (tab-separated), or JSON with --json."
        ),
    )
    sentiment.add_argument("--lang", help="language of every line (e.g. en, de); default: per line / detected")
    sentiment.add_argument("--model", type=Path, help=MODEL_HELP)
    sentiment.add_argument("--json", action="store_true", help="one JSON object per line")
    sentiment.add_argument("--batch-size", type=int, default=1000, help="lines classified together (default 1000)")
    sentiment.set_defaults(handler=run_sentiment)


def _data_dir(args: argparse.Namespace, settings: Settings) -> Path:
    from streams.errors import CommandError

    data_dir: Path = args.data_dir or settings.data_dir
    if not (data_dir / "sentiment").is_dir():
        raise CommandError(
            f"no labelled data at {data_dir} (expected {data_dir / 'sentiment'}); "
            f"pass --data-dir or set {env_var('data_dir')}"
        )
    return data_dir


def _load_classifier(path: Path | None) -> Any:
    from detectors.sentiment import ArtifactError, SentimentClassifier
    from streams.errors import CommandError

    try:
        return SentimentClassifier.load(path) if path else SentimentClassifier.load_default()
    except ArtifactError as error:
        raise CommandError(str(error)) from None


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from detectors.sentiment import DEFAULT_MODEL_PATH
    from detectors.sentiment.artifact import save_artifact
    from detectors.sentiment.datasets import DataMissingError
    from detectors.sentiment.training import TrainingOptions, train
    from streams.errors import CommandError

    data_dir = _data_dir(args, settings)
    version = args.model_version or time.strftime("fw-sent-%Y.%m.%d", time.gmtime())
    options = TrainingOptions(c_values=(10.0,), in_domain_weights=(40.0,), folds=2) if args.quick else TrainingOptions()
    if args.word_vectors:
        if not Path(args.word_vectors).exists():
            raise CommandError(f"--word-vectors: {args.word_vectors} does not exist")
        languages = tuple(lang.strip() for lang in args.word_vector_languages.split(",") if lang.strip())
        options = replace(options, word_vectors=str(args.word_vectors), word_vector_languages=languages)
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    try:
        artifact = train(data_dir, version, options, progress)
    except DataMissingError as error:
        raise CommandError(str(error)) from None
    arrays, metadata = save_artifact(artifact, args.output or DEFAULT_MODEL_PATH)
    print(f"wrote {version}: {arrays} ({arrays.stat().st_size / 1e6:.1f} MB), {metadata}")
    return 0


def run_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from detectors.sentiment.datasets import DataMissingError
    from detectors.sentiment.evaluation import evaluate, format_table
    from streams.errors import CommandError

    data_dir = _data_dir(args, settings)
    classifier = _load_classifier(args.model)
    try:
        rows = evaluate(classifier, data_dir, lambda message: print(message, file=sys.stderr, flush=True))
    except DataMissingError as error:
        raise CommandError(str(error)) from None
    except ModuleNotFoundError as error:
        raise CommandError(f"{error}; the baselines need the dev extras (pip install -e '.[dev]')") from None
    if args.json:
        print(json.dumps({"model_version": classifier.version, "rows": [asdict(row) for row in rows]}, indent=2))
    else:
        print(format_table(rows, classifier.version))
    return 0


def _read_items(lines: Iterator[str], default_lang: str | None) -> Iterator[tuple[str | None, str | None]]:
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        stripped = line.strip()
        if stripped.startswith("{"):
            try:
                item = json.loads(stripped)
            except json.JSONDecodeError as error:
                _warn(number, f"starts with '{{' but is not JSON ({error.msg}); classified as plain text")
                yield line, default_lang
                continue
            if isinstance(item, dict):
                text = item.get("text")
                lang = item.get("lang")
                if not isinstance(text, str):
                    _warn(number, "has no string 'text' field; label unknown")
                if lang is not None and not isinstance(lang, str):
                    _warn(number, "'lang' is not a string; language detected from the text")
                yield (text if isinstance(text, str) else None,
                       default_lang or (lang if isinstance(lang, str) else None))
                continue
        yield line, default_lang


def _warn(number: int, problem: str) -> None:
    print(f"warning: stdin line {number} {problem}", file=sys.stderr)


def run_sentiment(args: argparse.Namespace, settings: Settings) -> int:
    from itertools import islice

    from streams.errors import UsageError

    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    classifier = _load_classifier(args.model)
    if args.lang is not None:
        from detectors.sentiment.language import normalise_lang

        known = sorted(classifier.languages)
        if normalise_lang(args.lang) not in (*known, None):
            raise UsageError(f"--lang {args.lang}: the model classifies {', '.join(known)}; "
                             "leave --lang out to detect each line's language")
    items = _read_items(iter(sys.stdin), args.lang)
    while batch := list(islice(items, args.batch_size)):
        texts = [text for text, _ in batch]
        results = classifier.classify_batch(texts, [lang for _, lang in batch])
        for text, (lang, sentiment) in zip(texts, results, strict=True):
            if args.json:
                print(json.dumps({
                    "label": sentiment.label, "score": sentiment.score, "lang": lang,
                    "model_version": sentiment.model_version, "text": text,
                }, ensure_ascii=False))
            else:
                print(f"{sentiment.label}\t{sentiment.score:+.3f}\t{lang or '-'}\t{text or ''}")
        sys.stdout.flush()
    return 0
