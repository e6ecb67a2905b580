"""Dead-lettering: rejected raw messages keep their original bytes, the reason travels in headers.

Faust has no dead-letter support and re-raises decode errors inside agents, so
the raw topic is consumed as bytes and validation happens here, where a bad
message becomes a routed outcome instead of a crash.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from schemas.codec import InvalidEvent, RejectReason, decode_raw_event
from schemas.records import EnrichedEvent, RawEvent

log = logging.getLogger("flarewatch.worker")

HEADER_REASON = "flarewatch-reject-reason"
HEADER_DETAIL = "flarewatch-reject-detail"
HEADER_SOURCE_TOPIC = "flarewatch-source-topic"
HEADER_SOURCE_PARTITION = "flarewatch-source-partition"
HEADER_SOURCE_OFFSET = "flarewatch-source-offset"
HEADER_ORIGINAL_BYTES = "flarewatch-original-bytes"
MAX_DETAIL_BYTES = 1024
MAX_DEAD_LETTER_PAYLOAD_BYTES = 512 * 1024
"""A dead letter carries at most this much of the original message (twice the input limit).
A raw message near Kafka's 1 MiB default, copied with its headers, no longer fit a message:
the send failed, the enrich agent crashed and the valid event after it was lost. The whole
original stays in the raw topic at the source offset the headers name."""
MAX_DEAD_LETTER_KEY_BYTES = 1024


@dataclass(frozen=True, slots=True)
class SourcePosition:
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class Rejected:
    payload: bytes
    key: bytes | None
    error: InvalidEvent
    source: SourcePosition

    def headers(self) -> list[tuple[str, bytes]]:
        headers = [
            (HEADER_REASON, self.error.reason.value.encode()),
            (HEADER_DETAIL, self.error.detail.encode("utf-8", errors="replace")[:MAX_DETAIL_BYTES]),
            (HEADER_SOURCE_TOPIC, self.source.topic.encode()),
            (HEADER_SOURCE_PARTITION, str(self.source.partition).encode()),
            (HEADER_SOURCE_OFFSET, str(self.source.offset).encode()),
        ]
        if len(self.payload) > MAX_DEAD_LETTER_PAYLOAD_BYTES:
            headers.append((HEADER_ORIGINAL_BYTES, str(len(self.payload)).encode()))
        return headers

    def dead_letter_value(self) -> bytes:
        """The original bytes, cut at ``MAX_DEAD_LETTER_PAYLOAD_BYTES`` (then the
        ``flarewatch-original-bytes`` header gives the full length).

        >>> rejected = Rejected(b"x" * (MAX_DEAD_LETTER_PAYLOAD_BYTES + 5), None,
        ...                     InvalidEvent(RejectReason.OVERSIZED, "too big"), SourcePosition("raw", 0, 7))
        >>> len(rejected.dead_letter_value()) == MAX_DEAD_LETTER_PAYLOAD_BYTES, rejected.headers()[-1]
        (True, ('flarewatch-original-bytes', b'524293'))
        """
        return self.payload[:MAX_DEAD_LETTER_PAYLOAD_BYTES]

    def dead_letter_key(self) -> bytes | None:
        return None if self.key is None else self.key[:MAX_DEAD_LETTER_KEY_BYTES]


@dataclass(frozen=True, slots=True)
class Accepted:
    event: RawEvent
    payload: bytes
    key: bytes | None
    source: SourcePosition


def validate_messages(
    messages: list[tuple[bytes | None, bytes | None, SourcePosition]],
) -> tuple[list[Accepted], list[Rejected]]:
    """Split ``(key, value, source)`` triples into valid events and dead letters, order kept."""
    valid: list[Accepted] = []
    rejected: list[Rejected] = []
    for key, value, source in messages:
        payload = value if value is not None else b""
        try:
            valid.append(Accepted(decode_raw_event(payload), payload, key, source))
        except InvalidEvent as error:
            rejected.append(Rejected(payload=payload, key=key, error=error, source=source))
    return valid, rejected


def split_unknown_brands(accepted: list[Accepted], known: Collection[str]) -> tuple[list[Accepted], list[Rejected]]:
    """Events for brands the registry lists, and dead letters (``unknown_brand``) for the rest, order kept."""
    listed: list[Accepted] = []
    unknown: list[Rejected] = []
    for item in accepted:
        if item.event.brand in known:
            listed.append(item)
            continue
        error = InvalidEvent(
            RejectReason.UNKNOWN_BRAND,
            f"brand {item.event.brand!r} is not in the brand registry; add it (FLAREWATCH_BRANDS_FILE) or fix the producer",
        )
        unknown.append(Rejected(payload=item.payload, key=item.key, error=error, source=item.source))
    return listed, unknown


def enrich_isolating_failures(
    enrich_batch: Callable[[Sequence[RawEvent]], list[EnrichedEvent]],
    accepted: list[Accepted],
) -> tuple[list[EnrichedEvent], list[Rejected]]:
    """Enrich a batch; if that raises, one event at a time, dead-lettering the ones that fail.

    An exception must not take a batch of good events with it: Faust would ack them all.
    """
    try:
        return enrich_batch([item.event for item in accepted]), []
    except Exception:
        log.exception("enrichment failed for a batch of %d; retrying one by one", len(accepted))
    enriched: list[EnrichedEvent] = []
    rejected: list[Rejected] = []
    for item in accepted:
        try:
            enriched.extend(enrich_batch([item.event]))
        except Exception as error:
            detail = f"enrichment raised {type(error).__name__}: {error}"
            rejected.append(Rejected(item.payload, item.key, InvalidEvent(RejectReason.ENRICH_FAILED, detail), item.source))
    return enriched, rejected


class RejectRatioWatch:
    """Ratio of rejected messages over the last ``window`` messages.

    A producer that suddenly sends garbage should page someone, not silently
    fill the dead-letter topic: the worker logs loudly when the ratio passes the limit.
    """

    def __init__(self, window: int = 1000, limit: float = 0.5) -> None:
        self.limit = limit
        self._outcomes: deque[bool] = deque(maxlen=window)
        self._rejected = 0

    def record(self, rejected: bool) -> None:
        if len(self._outcomes) == self._outcomes.maxlen and self._outcomes[0]:
            self._rejected -= 1
        self._outcomes.append(rejected)
        self._rejected += rejected

    @property
    def ratio(self) -> float:
        return self._rejected / len(self._outcomes) if self._outcomes else 0.0

    @property
    def exceeded(self) -> bool:
        return len(self._outcomes) >= 100 and self.ratio > self.limit
