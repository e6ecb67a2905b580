"""Dead-lettering: rejected raw messages keep their original bytes, the reason travels in headers.

Faust has no dead-letter support and re-raises decode errors inside agents, so
the raw topic is consumed as bytes and validation happens here, where a bad
message becomes a routed outcome instead of a crash.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from schemas.codec import InvalidEvent, decode_raw_event
from schemas.records import RawEvent

HEADER_REASON = "flarewatch-reject-reason"
HEADER_DETAIL = "flarewatch-reject-detail"
HEADER_SOURCE_TOPIC = "flarewatch-source-topic"
HEADER_SOURCE_PARTITION = "flarewatch-source-partition"
HEADER_SOURCE_OFFSET = "flarewatch-source-offset"
MAX_DETAIL_BYTES = 1024


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
        return [
            (HEADER_REASON, self.error.reason.value.encode()),
            (HEADER_DETAIL, self.error.detail.encode("utf-8", errors="replace")[:MAX_DETAIL_BYTES]),
            (HEADER_SOURCE_TOPIC, self.source.topic.encode()),
            (HEADER_SOURCE_PARTITION, str(self.source.partition).encode()),
            (HEADER_SOURCE_OFFSET, str(self.source.offset).encode()),
        ]


def validate_messages(
    messages: list[tuple[bytes | None, bytes | None, SourcePosition]],
) -> tuple[list[RawEvent], list[Rejected]]:
    """Split ``(key, value, source)`` triples into valid events and dead letters, order kept."""
    valid: list[RawEvent] = []
    rejected: list[Rejected] = []
    for key, value, source in messages:
        payload = value if value is not None else b""
        try:
            valid.append(decode_raw_event(payload))
        except InvalidEvent as error:
            rejected.append(Rejected(payload=payload, key=key, error=error, source=source))
    return valid, rejected


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
