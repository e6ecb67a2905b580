"""``flarewatch produce FILE.jsonl``: send raw events to the input topic."""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path
from typing import Any

from streams.arguments import kafka_topic
from streams.errors import CommandError, UsageError
from streams.jsonl import LIST_ALL_HELP
from streams.settings import Settings, env_var

log = logging.getLogger("flarewatch.produce")

DELIVERY_WAIT_SECONDS = 180.0
"""Longest wait for the outcome of the sends after the last one (kafka-python gives a
record up after its delivery timeout, 120 s by default)."""
INTERRUPTED_FLUSH_SECONDS = 10.0
"""After Ctrl-C, how long the events already sent may take to be acknowledged before the count."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "produce",
        help="send raw events from a JSONL file to the input topic",
        description=(
            "Send each line of FILE (one raw event per line, '-' for stdin) to the raw topic as it is; "
            "the topic must exist (a worker, or `flarewatch kafka up`, creates it). "
            "Lines that break the input contract are still sent (the worker dead-letters them, so nothing "
            "is lost silently); --check only validates and sends nothing. Either way the first 10 such lines are "
            "listed with their line number; -v lists all."
        ),
    )
    parser.add_argument("file", type=Path, help="JSONL file of raw events ('-' for stdin)")
    parser.add_argument("--rate", type=float, default=0.0, help="events per second (0 = as fast as possible)")
    parser.add_argument("--check", action="store_true", help="validate every line locally, send nothing")
    parser.add_argument("--topic", type=kafka_topic, help=f"topic (default <{env_var('topic_prefix')}>.events.raw)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=LIST_ALL_HELP)
    parser.set_defaults(handler=run_produce)


def run_produce(args: argparse.Namespace, settings: Settings) -> int:
    from streams.jsonl import load_events

    if args.check:
        report = load_events(args.file, list_all=args.verbose)
        total = len(report.events) + sum(report.rejected.values())
        if total == 0:
            raise nothing_in(args.file, "to check")
        if not report.rejected:
            print(f"{total} lines OK", file=sys.stderr)
            return 0
        print(report.rejection_summary(total, "not sent (--check)"), file=sys.stderr)
        return 1
    return produce_file(settings, args.file, rate=args.rate, topic=args.topic, progress=not args.quiet,
                        list_all=args.verbose)


def produce_file(settings: Settings, path: Path, *, rate: float = 0.0, topic: str | None = None, progress: bool = True,
                 list_all: bool = False) -> int:
    """Send every line of ``path``; returns 1 if any send failed (after reporting it), else 0.

    kafka-python's ``flush()`` does not raise for a record the broker refused, so every
    send's future is checked; a line larger than the producer's request limit fails in
    ``send()`` itself and counts as a failed send too.
    """
    from kafka.errors import KafkaError, MessageSizeTooLargeError
    from tqdm import tqdm

    from streams.jsonl import LoadReport, count_lines, read_events
    from streams.kafka_admin import require_broker, require_topic
    from streams.kafka_clients import make_producer
    from streams.topics import topic_name

    check_rate(rate)
    expected_lines = count_lines(path)
    if expected_lines == 0:
        raise nothing_in(path, "to send")
    require_broker(settings)
    topic = topic or topic_name(settings, "raw")
    require_topic(settings, topic)
    try:
        producer = make_producer(settings)
    except KafkaError as error:
        raise CommandError(f"cannot connect a producer to {settings.bootstrap_servers}: {error}") from None
    report = LoadReport(list_all=list_all)
    deliveries = Deliveries(path)
    total = 0
    interrupted = False
    started = time.monotonic()
    try:
        with tqdm(total=expected_lines, unit="ev", disable=None if progress else True, file=sys.stderr, desc=f"-> {topic}") as bar:
            for line in read_events(path):
                if line.error is not None:
                    report.note(path, line.number, line.error)
                key = None if line.brand is None else line.brand.encode()
                try:
                    deliveries.add(line.number, producer.send(topic, key=key, value=line.payload))
                except MessageSizeTooLargeError as error:
                    deliveries.refused(line.number, error)
                total += 1
                bar.update()
                if rate > 0:
                    delay = started + total / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
        _flush(producer)
        deliveries.wait(DELIVERY_WAIT_SECONDS)
    except KafkaError as error:
        raise CommandError(
            f"sending to {topic} on {settings.bootstrap_servers} failed after {total} of the lines of {path}: {error}"
        ) from None
    except KeyboardInterrupt:
        interrupted = True
        _flush(producer, INTERRUPTED_FLUSH_SECONDS)
        deliveries.settle()
        print(f"interrupted: {deliveries.summary()} ({topic} on {settings.bootstrap_servers})", file=sys.stderr)
        raise
    finally:
        producer.close(timeout=0 if interrupted else None)
    if total == 0:
        raise nothing_in(path, "to send")
    if report.rejected:
        print(report.rejection_summary(total, "sent, the worker will dead-letter them"), file=sys.stderr)
    if deliveries.failures:
        print(
            f"{deliveries.failures} of {total} events could not be sent to {topic} on {settings.bootstrap_servers}; "
            f"first: {deliveries.first_error}",
            file=sys.stderr,
        )
        return 1
    print(f"sent {total} events to {topic} on {settings.bootstrap_servers}", file=sys.stderr)
    return 0


def _flush(producer: Any, timeout: float | None = None) -> None:
    from kafka.errors import KafkaError

    try:
        producer.flush(timeout)
    except KafkaError as error:
        # kafka-python's flush() can give up on a batch it split and resent
        # ("Future not done"), or time out; each record's own future still completes.
        log.debug("flush: %s; waiting for each record", error)


def check_rate(rate: float) -> None:
    """``--rate`` of ``produce`` and ``demo``: nan compares false with every bound, so it is named."""
    if not (math.isfinite(rate) and rate >= 0):
        raise UsageError(f"--rate must be 0 (as fast as possible) or a positive, finite number of events per second; got {rate:g}")


def nothing_in(path: Path, what: str) -> CommandError:
    """An input without a single line is an error (exit 1), as for ``replay``: a wrong or
    truncated file must not look like a successful run."""
    return CommandError(f"nothing {what} in {path}: it holds no events")


class Deliveries:
    """The outcome of each send, checked as its future completes; pending futures stay bounded."""

    SETTLE_EVERY = 10_000

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending: list[tuple[int, Any]] = []
        self.sent = 0
        self.acknowledged = 0
        self.failures = 0
        self.first_failed_line: int | None = None
        self.first_error: str | None = None

    def add(self, number: int, future: Any) -> None:
        self.sent += 1
        self.pending.append((number, future))
        if len(self.pending) % self.SETTLE_EVERY == 0:
            self.settle()

    def refused(self, number: int, error: BaseException) -> None:
        """The producer refused to send this line at all."""
        self.sent += 1
        self.failed(number, error)

    def failed(self, number: int, error: BaseException) -> None:
        self.failures += 1
        if self.first_failed_line is None or number < self.first_failed_line:
            text = str(error)
            name = type(error).__name__
            self.first_failed_line = number
            self.first_error = f"{self.path}:{number}: {text if name in text else f'{name}: {text}'}"

    def wait(self, timeout: float) -> None:
        """Wait until every send has completed (or ``timeout`` ran out) and count the failures."""
        from kafka.errors import KafkaError

        deadline = time.monotonic() + timeout
        for number, future in self.pending:
            try:
                future.get(max(deadline - time.monotonic(), 0.0))
            except KafkaError as error:
                self.failed(number, error)
            else:
                self.acknowledged += 1
        self.pending = []

    def settle(self) -> None:
        """Count the failures among completed sends and keep only the incomplete ones."""
        still_pending = []
        for number, future in self.pending:
            if not future.is_done:
                still_pending.append((number, future))
            elif future.failed():
                self.failed(number, future.exception)
            else:
                self.acknowledged += 1
        self.pending = still_pending

    def summary(self) -> str:
        """How many events were sent and what became of them so far.

        >>> deliveries = Deliveries(Path("e.jsonl"))
        >>> deliveries.sent, deliveries.acknowledged, deliveries.failures, deliveries.pending = 5, 3, 1, [(5, None)]
        >>> deliveries.summary()
        '5 events sent, 3 acknowledged by Kafka, 1 failed, 1 not yet confirmed'
        """
        parts = [f"{self.sent} events sent", f"{self.acknowledged} acknowledged by Kafka"]
        if self.failures:
            parts.append(f"{self.failures} failed")
        if self.pending:
            parts.append(f"{len(self.pending)} not yet confirmed")
        return ", ".join(parts)
