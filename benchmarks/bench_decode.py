"""Raw-event decoding (``decode_raw_event``) and what its duplicate-key check costs of it.

    .venv/bin/python benchmarks/bench_decode.py

100,000 events of the bundled demo sample, in three spellings a producer might send:
orjson's own compact one (also Jackson's and JavaScript's for these events), Python's
``json.dumps`` (spaces after ``,`` and ``:``, non-ASCII as ``\\uXXXX``), and compact with
spaces but raw UTF-8. CPU time, best of ``--rounds``, since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas import codec

SAMPLE = Path(__file__).resolve().parents[1] / "streams" / "samples" / "demo_events.jsonl"
EVENTS = 100_000


def spellings() -> dict[str, list[bytes]]:
    lines = [line.encode() for line in SAMPLE.read_text().splitlines() if line.strip()]
    compact = [orjson.dumps(orjson.loads(line)) for line in (lines * (EVENTS // len(lines) + 1))[:EVENTS]]
    return {
        "orjson compact": compact,
        "json.dumps": [json.dumps(orjson.loads(payload)).encode() for payload in compact],
        "spaced, UTF-8": [payload.replace(b'":', b'": ').replace(b',"', b', "') for payload in compact],
    }


def best_us(run: Callable[[], object], count: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best / count * 1e6


def decode_all(payloads: list[bytes]) -> None:
    for payload in payloads:
        codec.decode_raw_event(payload)


def check_all(pairs: list[tuple[bytes, object]]) -> None:
    for payload, value in pairs:
        codec._reject_duplicate_keys(payload, value)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()}, orjson {orjson.__version__}, {EVENTS:,} events")
    print(f"{'spelling':<16} {'decode':>9} {'key check':>10} {'share':>6}")
    for name, payloads in spellings().items():
        pairs = [(payload, orjson.loads(payload)) for payload in payloads]
        decode = best_us(partial(decode_all, payloads), len(payloads), args.rounds)
        check = best_us(partial(check_all, pairs), len(payloads), args.rounds)
        print(f"{name:<16} {decode:>6.2f} us {check:>7.2f} us {check / (decode - check):>6.1%}")


if __name__ == "__main__":
    main()
