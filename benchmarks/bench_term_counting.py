"""Bounded term counting (``detectors.threads.bounded_count``) on a full tally.

    .venv/bin/python benchmarks/bench_term_counting.py

A busy brand's 5-minute bucket holds more distinct terms than its tally keeps (200), and a
thread more than its 40, so every post with new words replaces the least counted ones. The
demo workload of ``bench_pipeline.py`` has too few distinct words to fill a bucket's tally,
so this measures the full case directly: one call with 8 new terms, against a call that only
counts known terms (the dictionary copy every call makes).
"""

from __future__ import annotations

import platform
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.threads import bounded_count

CALLS = 20_000


def per_call_us(counts: dict[str, int], keys: list[str], limit: int) -> float:
    return timeit.timeit(lambda: bounded_count(counts, keys, limit), number=CALLS) / CALLS * 1e6


def main() -> None:
    print(f"machine: {platform.machine()}, Python {platform.python_version()}; {CALLS} calls each")
    new_terms = [f"new{i}" for i in range(8)]
    for limit in (40, 200):
        mixed = {f"term{i}": i % 7 + 1 for i in range(limit)}
        once = dict.fromkeys(mixed, 1)
        print(f"tally of {limit}: 8 new terms {per_call_us(mixed, new_terms, limit):.1f} us "
              f"(all counted once: {per_call_us(once, new_terms, limit):.1f} us), "
              f"8 known terms {per_call_us(mixed, list(mixed)[:8], limit):.1f} us")


if __name__ == "__main__":
    main()
