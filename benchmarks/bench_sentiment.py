"""Sentiment throughput on one core: texts per second at batch sizes 1, 100 and 1000.

Run it as::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        taskset -c 0 .venv/bin/python benchmarks/bench_sentiment.py

It pins BLAS to one thread itself too (before numpy is imported) and, where
``os.sched_setaffinity`` exists, pins the process to one CPU. Texts are real
tweets from the data directory (SemEval 2016 test, English; SB10k, German).
Before each measurement the caches are cleared and warmed on *other* tweets
(SemEval 2013 train, PotTS), as a live worker's caches are warm from earlier
events but have not seen the new ones; each measured text is classified once.
Two cases: the
producer sends ``lang`` (as Twitter does), and ``lang`` is absent so every
text also goes through language detection.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detectors.sentiment import SentimentClassifier

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))


def load_texts(data_dir: Path, limit: int, *, warm_up: bool = False) -> tuple[list[str], list[str]]:
    from detectors.sentiment.datasets import read_potts, read_sb10k, read_semeval

    semeval = data_dir / "sentiment" / "en" / "semeval"
    if warm_up:
        english = read_semeval(semeval / "twitter-2013train-A.tsv").texts
        german = read_potts(data_dir).texts
    else:
        english = read_semeval(semeval / "twitter-2016test-A.tsv").texts
        german = read_sb10k(data_dir).texts
    texts: list[str] = []
    langs: list[str] = []
    # Four English tweets to one German, interleaved like a mixed stream.
    for index, text in enumerate(english[: limit * 4 // 5]):
        texts.append(text)
        langs.append("en")
        if index % 4 == 3 and index // 4 < len(german):
            texts.append(german[index // 4])
            langs.append("de")
    return texts[:limit], langs[:limit]


def measure(
    classifier: SentimentClassifier, warm: tuple[list[str], list[str]],
    texts: list[str], langs: list[str | None], batch_size: int,
) -> float:
    classifier.clear_caches()
    classifier.classify_batch(warm[0], list(warm[1]))
    classify = classifier.classify_batch
    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        classify(texts[start:start + batch_size], langs[start:start + batch_size])
    return len(texts) / (time.perf_counter() - started)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main() -> int:
    from streams.errors import SettingsError
    from streams.settings import Settings, env_var

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    # A relative data directory is read from the repository, wherever the benchmark is started.
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPOSITORY / settings.data_dir,
                        help=f"labelled data [env: {env_var('data_dir')}]")
    parser.add_argument("--texts", type=int, default=10_000, help="texts per measurement (batch 1 uses a tenth)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--model", type=Path, help="artifact to measure (default: the one shipped in the package)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    if not (args.data_dir / "sentiment").is_dir():
        print(f"no labelled data at {args.data_dir}; set {env_var('data_dir')} or pass --data-dir", file=sys.stderr)
        return 1
    from detectors.sentiment import SentimentClassifier

    classifier = SentimentClassifier.load(args.model) if args.model else SentimentClassifier.load_default()
    texts, langs = load_texts(args.data_dir, args.texts)
    warm = load_texts(args.data_dir, 5_000, warm_up=True)
    print(f"machine: {os.cpu_count()} CPUs, {_cpu_model()}, Python {sys.version.split()[0]}")
    print(f"model {classifier.version}; {len(texts)} real tweets (4 en : 1 de), caches warmed on "
          f"{len(warm[0])} other tweets; one core; best of {args.repeat}")
    print(f"{'batch':>6}  {'lang given':>14}  {'lang detected':>14}")
    for batch_size in (1, 100, 1000):
        count = len(texts) // 10 if batch_size == 1 else len(texts)
        given = max(
            measure(classifier, warm, texts[:count], list(langs[:count]), batch_size) for _ in range(args.repeat)
        )
        detected = max(
            measure(classifier, warm, texts[:count], [None] * count, batch_size) for _ in range(args.repeat)
        )
        print(f"{batch_size:>6}  {given:>10,.0f} t/s  {detected:>10,.0f} t/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
