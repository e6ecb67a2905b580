"""``flarewatch produce FILE.jsonl``: send raw events to the input topic."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from streams.settings import Settings, env_var


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "produce",
        help="send raw events from a JSONL file to the input topic",
        description=(
            "Send each line of FILE (one raw event per line, '-' for stdin) to the raw topic as it is. "
            "Lines that break the input contract are still sent (the worker dead-letters them, so nothing "
            "is lost silently); --check only validates and sends nothing."
        ),
    )
    parser.add_argument("file", type=Path, help="JSONL file of raw events")
    parser.add_argument("--rate", type=float, default=0.0, help="events per second (0 = as fast as possible)")
    parser.add_argument("--check", action="store_true", help="validate every line locally, send nothing")
    parser.add_argument("--topic", help=f"topic (default <{env_var('topic_prefix')}>.events.raw)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run_produce)


def run_produce(args: argparse.Namespace, settings: Settings) -> int:
    from streams.jsonl import load_events

    if args.check:
        report = load_events(args.file)
        _print_rejections(report, len(report.events) + sum(report.rejected.values()))
        return 1 if report.rejected else 0
    return produce_file(settings, args.file, rate=args.rate, topic=args.topic, progress=not args.quiet)


def produce_file(settings: Settings, path: Path, *, rate: float = 0.0, topic: str | None = None, progress: bool = True) -> int:
    import orjson
    from tqdm import tqdm

    from schemas.codec import InvalidEvent, decode_raw_event
    from streams.errors import CommandError
    from streams.jsonl import LoadReport, count_lines, read_lines
    from streams.kafka_admin import ensure_topics, require_broker
    from streams.kafka_clients import make_producer
    from streams.topics import topic_name

    expected_lines = count_lines(path)
    if rate < 0:
        raise CommandError("--rate must not be negative")
    require_broker(settings)
    ensure_topics(settings)
    topic = topic or topic_name(settings, "raw")
    producer = make_producer(settings)
    report = LoadReport()
    total = 0
    started = time.monotonic()
    try:
        with tqdm(total=expected_lines, unit="ev", disable=None if progress else True, file=sys.stderr, desc=f"-> {topic}") as bar:
            for number, line in read_lines(path):
                key = None
                try:
                    key = decode_raw_event(line).brand.encode()
                except InvalidEvent as error:
                    report.note(path, number, error)
                    try:
                        obj = orjson.loads(line)
                        if isinstance(obj, dict) and isinstance(obj.get("brand"), str):
                            key = obj["brand"].encode()
                    except orjson.JSONDecodeError:
                        pass
                producer.send(topic, key=key, value=line)
                total += 1
                bar.update()
                if rate > 0:
                    delay = started + total / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
        producer.flush()
    finally:
        producer.close()
    print(f"sent {total} events to {topic} on {settings.bootstrap_servers}", file=sys.stderr)
    if report.rejected:
        _print_rejections(report, total, sent=True)
    return 0


def _print_rejections(report: Any, total: int, sent: bool = False) -> None:
    bad = sum(report.rejected.values())
    where = "the worker will dead-letter them" if sent else "not sent"
    print(f"{bad} of {total} lines break the input contract ({where}):", file=sys.stderr)
    for reason, count in sorted(report.rejected.items()):
        print(f"  {reason}: {count}", file=sys.stderr)
    for line in report.first_errors:
        print(f"  {line}", file=sys.stderr)
