"""``flarewatch dead-letters``: read the newest dead letters, and send them back to the raw topic."""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import time
from dataclasses import dataclass
from typing import Any

from schemas.codec import RejectReason, format_timestamp
from streams.arguments import int_between
from streams.dead_letter import (
    HEADER_DETAIL,
    HEADER_ORIGINAL_BYTES,
    HEADER_REASON,
    HEADER_SOURCE_OFFSET,
    HEADER_SOURCE_PARTITION,
    HEADER_SOURCE_TOPIC,
)
from streams.errors import CommandError, UsageError
from streams.settings import Settings
from streams.topics import topic_name

EXCERPT_CHARACTERS = 300
REQUEUE_WAIT_SECONDS = 60.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dead-letters",
        help="print the newest dead letters (why each was rejected); --requeue sends them back to the raw topic",
        description=(
            "Print the N newest messages of the dead-letter topic (<prefix>.events.dead-letter), oldest of them "
            "first: reason, detail, where each came from and the start of its payload. With --requeue, send the "
            "payloads of those that came from the raw topic back to it, unchanged and with their key (once their "
            "producer or the worker is fixed); the dead letters stay where they are, and a message that is still "
            "invalid is dead-lettered again."
        ),
    )
    parser.add_argument("--last", type=int_between(1, None, "at least 1"), default=10, metavar="N",
                        help="how many of the newest dead letters (default 10)")
    parser.add_argument("--reason", action="append", default=[], choices=[reason.value for reason in RejectReason],
                        help="only dead letters with this reason (repeatable)")
    parser.add_argument("--requeue", action="store_true", help="send the payloads shown back to <prefix>.events.raw")
    parser.add_argument("--timeout", type=float, metavar="S",
                        help="stop searching after S seconds (> 0), connecting to Kafka included")
    parser.set_defaults(handler=run_dead_letters)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    offset: int
    timestamp_ms: int
    key: bytes | None
    payload: bytes
    headers: dict[str, str]

    @classmethod
    def from_message(cls, message: Any) -> DeadLetter:
        headers = {name: value.decode("utf-8", errors="replace") for name, value in message.headers or ()}
        return cls(message.offset, message.timestamp, message.key, message.value or b"", headers)

    @property
    def reason(self) -> str:
        return self.headers.get(HEADER_REASON, "(no reason header)")

    @property
    def source_topic(self) -> str | None:
        return self.headers.get(HEADER_SOURCE_TOPIC)

    def describe(self) -> str:
        """A block of lines: what an operator needs to decide whether to requeue it.

        >>> print(DeadLetter(7, 1772366400000, b"acme", b'{"id": 1', {
        ...     "flarewatch-reject-reason": "bad_json", "flarewatch-reject-detail": "unexpected end of data",
        ...     "flarewatch-source-topic": "flarewatch.events.raw", "flarewatch-source-partition": "2",
        ...     "flarewatch-source-offset": "41"}).describe())
        #7 2026-03-01T12:00:00.000Z bad_json from flarewatch.events.raw partition 2 offset 41
          detail: unexpected end of data
          key: acme
          payload (8 bytes): {"id": 1
        """
        source = "from an unknown source"
        if self.source_topic is not None:
            source = (f"from {self.source_topic} partition {self.headers.get(HEADER_SOURCE_PARTITION, '?')} "
                      f"offset {self.headers.get(HEADER_SOURCE_OFFSET, '?')}")
        text = self.payload.decode("utf-8", errors="backslashreplace")
        excerpt = text if len(text) <= EXCERPT_CHARACTERS else text[:EXCERPT_CHARACTERS] + " …"
        key = "(none)" if self.key is None else self.key.decode("utf-8", errors="backslashreplace")
        size = f"{len(self.payload)} bytes"
        if self.cut:
            size += f" of {self.headers[HEADER_ORIGINAL_BYTES]}; the whole message is at its source offset"
        return "\n".join([
            f"#{self.offset} {format_timestamp(self.timestamp_ms)} {self.reason} {source}",
            f"  detail: {self.headers.get(HEADER_DETAIL, '')}",
            f"  key: {key}",
            f"  payload ({size}): {excerpt}",
        ])

    @property
    def cut(self) -> bool:
        """Only the start of the message is here (it was over the dead-letter payload limit)."""
        return HEADER_ORIGINAL_BYTES in self.headers


def run_dead_letters(args: argparse.Namespace, settings: Settings) -> int:
    from kafka.errors import KafkaError

    from streams.kafka_clients import connect_consumer, read_latest, remaining_seconds

    started = time.monotonic()
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UsageError(f"--timeout must be a positive number of seconds, got {args.timeout:g} (leave it out to wait without limit)")
    deadline = None if args.timeout is None else started + args.timeout
    topic = topic_name(settings, "dead_letter")
    reasons = frozenset(args.reason)

    def selected(message: Any) -> DeadLetter | None:
        letter = DeadLetter.from_message(message)
        return letter if not reasons or letter.reason in reasons else None

    consumer = connect_consumer(settings, topic, from_beginning=True, subscribe=False, deadline=deadline, timeout=args.timeout)
    try:
        letters, complete = read_latest(consumer, topic, args.last, selected, remaining_seconds(deadline))
    except KafkaError as error:
        raise CommandError(f"cannot read {topic} from {settings.bootstrap_servers}: {error}") from None
    finally:
        consumer.close()
    for letter in letters:
        print(letter.describe(), end="\n\n", flush=True)
    what = f" with reason {', '.join(sorted(reasons))}" if reasons else ""
    print(f"{len(letters)} dead letter(s){what} in {topic}", file=sys.stderr)
    if not complete:
        print(f"stopped after {args.timeout:g}s; older dead letters were not searched", file=sys.stderr)
    return requeue(settings, letters) if args.requeue else 0


def requeue(settings: Settings, letters: list[DeadLetter]) -> int:
    """Send the payloads of ``letters`` that came from the raw topic back to it, key kept;
    1 if any send failed. Dead letters from the enriched topic hold enriched events, which
    the raw topic does not take, and cut ones hold only the start of an oversized message:
    they are left out and counted."""
    from kafka.errors import KafkaError

    from streams.kafka_admin import require_topic
    from streams.kafka_clients import make_producer

    raw = topic_name(settings, "raw")
    chosen = [letter for letter in letters if letter.source_topic == raw and not letter.cut]
    cut = sum(1 for letter in letters if letter.source_topic == raw and letter.cut)
    left_out = len(letters) - len(chosen) - cut
    note = f"; {left_out} left out (not from {raw})" if left_out else ""
    # A cut dead letter is only the start of a message over the input limit: never valid.
    note += f"; {cut} left out (cut: only the start of an oversized message)" if cut else ""
    if not chosen:
        print(f"requeued nothing{note}", file=sys.stderr)
        return 0
    require_topic(settings, raw)
    try:
        producer = make_producer(settings)
    except KafkaError as error:
        raise CommandError(f"cannot connect a producer to {settings.bootstrap_servers}: {error}") from None
    failures: list[str] = []
    try:
        futures = [(letter, producer.send(raw, key=letter.key, value=letter.payload)) for letter in chosen]
        with contextlib.suppress(KafkaError):  # each future below says whether its record arrived
            producer.flush(REQUEUE_WAIT_SECONDS)
        for letter, future in futures:
            try:
                future.get(0)
            except KafkaError as error:
                failures.append(f"#{letter.offset}: {type(error).__name__}: {error}")
    except KafkaError as error:
        raise CommandError(f"requeueing to {raw} on {settings.bootstrap_servers} failed: {error}") from None
    finally:
        producer.close()
    if failures:
        print(f"{len(failures)} of {len(chosen)} could not be requeued to {raw}; first: {failures[0]}{note}", file=sys.stderr)
        return 1
    print(f"requeued {len(chosen)} to {raw}{note}", file=sys.stderr)
    return 0
