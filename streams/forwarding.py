"""Follow the incident topic: print incidents, or post each one to a webhook at least once;
or read the latest incidents backwards from the end of the topic (:func:`latest_incidents`).

The consumer loop (:class:`IncidentFollower`) is shared by both modes; what happens to
one incident is a :data:`Handler`. The forwarding handler (:class:`WebhookForwarder`)
retries with exponential backoff and returns only once the receiver accepted the event
or refused it for good, and the loop commits a message's offset only after its handler
returned. A crash or restart therefore re-sends at most the events whose delivery was
not yet committed; receivers drop those duplicates by the ``Idempotency-Key`` header
(``incident_id:status:updated_at``, the same for every re-send of one event).

Outcomes are counted in ``flarewatch_incidents_forwarded_total{outcome}``:
``delivered``; ``retried`` (one failed attempt, another follows); ``failed`` (all
attempts failed: :class:`DeliveryFailed` is raised and nothing is committed, so a
restarted forwarder tries again; a new consumer group commits where it starts at once,
so even its first failure is retried rather than skipped); ``rejected`` (a 4xx other than 408/425/429: the
receiver will never take this payload, so it is logged and skipped rather than blocking
every later incident); ``filtered`` and ``invalid`` (not sent, committed).
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import orjson

from schemas.codec import (
    ENCODE_OPTIONS,
    InvalidEvent,
    decode_incident,
    format_timestamp,
    incident_to_dict,
)
from schemas.records import Incident
from streams.incident_text import format_incident
from streams.kafka_clients import FIRST_WINDOW, read_latest
from streams.metrics import ForwarderMetrics

log = logging.getLogger(__name__)

OUTCOMES: Final = ("delivered", "retried", "failed", "rejected", "filtered", "invalid")
DEDUPE_HEADER: Final = "Idempotency-Key"
RETRYABLE_CLIENT_STATUSES: Final = frozenset({408, 425, 429})
USER_AGENT: Final = "flarewatch-incident-forwarder"


class DeliveryFailed(RuntimeError):
    """Every attempt to deliver one incident failed; its offset was not committed."""


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """Which incidents a consumer wants; empty sets mean "any"."""

    brands: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    min_severity: int = 0

    def matches(self, incident: Incident) -> bool:
        return (
            (not self.brands or incident.brand in self.brands)
            and (not self.types or incident.type in self.types)
            and incident.severity >= self.min_severity
        )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: ``initial_delay * multiplier**n`` seconds, capped at ``max_delay``.

    >>> list(RetryPolicy(max_attempts=5, initial_delay=1, max_delay=5).delays())
    [1.0, 2.0, 4.0, 5.0]
    """

    max_attempts: int = 8
    initial_delay: float = 1.0
    max_delay: float = 60.0
    multiplier: float = 2.0
    timeout: float = 10.0
    """Seconds one HTTP request may take."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.initial_delay < 0 or self.max_delay < 0 or self.multiplier < 1:
            raise ValueError("delays must not be negative and the multiplier must be at least 1")

    def delays(self) -> Iterator[float]:
        """The waits between attempts (one fewer than ``max_attempts``)."""
        delay = float(self.initial_delay)
        for _ in range(self.max_attempts - 1):
            yield min(delay, float(self.max_delay))
            delay *= self.multiplier


def dedupe_key(incident: Incident) -> str:
    """Identical for every delivery of one incident event, distinct between events."""
    return f"{incident.incident_id}:{incident.status}:{format_timestamp(incident.updated_at_ms)}"


def webhook_body(incident: Incident, slack: bool) -> bytes:
    """The incident as the JSON of the topic, or a Slack-compatible ``{"text": ...}``."""
    payload: Mapping[str, Any] = {"text": format_incident(incident)} if slack else incident_to_dict(incident)
    return orjson.dumps(payload, option=ENCODE_OPTIONS)


class Post(Protocol):
    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int: ...


def http_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST and return the HTTP status; raises ``OSError`` when no answer arrives."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code)


@dataclass
class WebhookForwarder:
    """Deliver one incident to ``url``, retrying transient failures (see module docstring)."""

    url: str
    metrics: ForwarderMetrics
    slack: bool = False
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    post: Post = http_post
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        for outcome in OUTCOMES:
            self.metrics.incidents_forwarded.labels(outcome=outcome)

    def count(self, outcome: str) -> None:
        self.metrics.incidents_forwarded.labels(outcome=outcome).inc()

    def __call__(self, incident: Incident) -> str:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            DEDUPE_HEADER: dedupe_key(incident),
        }
        body = webhook_body(incident, self.slack)
        delays = self.policy.delays()
        attempt = 0
        while True:
            attempt += 1
            try:
                status = self.post(self.url, body, headers, self.policy.timeout)
                problem = f"HTTP {status}"
            except OSError as error:
                status, problem = 0, f"{type(error).__name__}: {error}"
            if 200 <= status < 300:
                self.count("delivered")
                log.info("delivered %s (attempt %d)", headers[DEDUPE_HEADER], attempt)
                return "delivered"
            if 400 <= status < 500 and status not in RETRYABLE_CLIENT_STATUSES:
                self.count("rejected")
                log.error("receiver refused %s with %s; skipping it", headers[DEDUPE_HEADER], problem)
                return "rejected"
            delay = next(delays, None)
            if delay is None:
                self.count("failed")
                raise DeliveryFailed(f"{headers[DEDUPE_HEADER]}: {attempt} attempts failed, last {problem}")
            self.count("retried")
            log.warning("attempt %d for %s failed (%s); retrying in %.1fs", attempt, headers[DEDUPE_HEADER], problem, delay)
            self.sleep(delay)


Handler = Callable[[Incident], str]
"""Does something with one incident and names the outcome; raising stops the follower."""


@dataclass
class IncidentFollower:
    """Poll ``consumer`` and hand each matching incident to ``handler``, in order.

    With ``commit`` the offset after a message is committed synchronously once its
    handler returned, never before; and a partition the group has no committed offset
    for is committed at its starting position as soon as it is assigned. Otherwise a
    new group's first delivery failure would leave nothing committed, and the restart,
    starting at the end of the topic again, would skip the incident. Stops after
    ``max_incidents`` handled incidents, after ``timeout`` seconds, or when
    ``should_stop()`` is true.
    """

    consumer: Any
    handler: Handler
    incident_filter: IncidentFilter = IncidentFilter()
    commit: bool = False
    on_skipped: Callable[[str], None] = lambda outcome: None
    clock: Callable[[], float] = time.monotonic
    _started: set[Any] = field(default_factory=set, init=False)

    def run(self, max_incidents: int | None = None, timeout: float | None = None, should_stop: Callable[[], bool] = lambda: False) -> int:
        deadline = None if timeout is None else self.clock() + timeout
        handled = 0
        while not should_stop():
            if max_incidents is not None and handled >= max_incidents:
                break
            remaining = None if deadline is None else deadline - self.clock()
            if remaining is not None and remaining <= 0:
                break
            poll_ms = 500 if remaining is None else max(1, min(500, int(remaining * 1000)))
            batches = self.consumer.poll(timeout_ms=poll_ms, max_records=1 if max_incidents is not None else 50)
            if self.commit:
                self._commit_starting_positions(batches)
            for partition, messages in batches.items():
                for message in messages:
                    if self._handle(message.value):
                        handled += 1
                    if self.commit:
                        self._commit(partition, message.offset + 1)
        return handled

    def _handle(self, value: bytes) -> bool:
        try:
            incident = decode_incident(value)
        except InvalidEvent as error:
            log.warning("skipping a message that is not an incident: %s", error)
            self.on_skipped("invalid")
            return False
        if not self.incident_filter.matches(incident):
            self.on_skipped("filtered")
            return False
        self.handler(incident)
        return True

    def _commit_starting_positions(self, batches: Mapping[Any, list[Any]]) -> None:
        """Commit where a newly assigned partition without a committed offset starts:
        its first message in ``batches``, else the consumer's position there."""
        for partition in self.consumer.assignment() - self._started:
            if self.consumer.committed(partition) is None:
                fetched = batches.get(partition)
                self._commit(partition, fetched[0].offset if fetched else self.consumer.position(partition))
            self._started.add(partition)

    def _commit(self, partition: Any, offset: int) -> None:
        from kafka.structs import OffsetAndMetadata

        self.consumer.commit({partition: OffsetAndMetadata(offset, "", -1)})


def latest_incidents(
    consumer: Any,
    topic: str,
    count: int,
    incident_filter: IncidentFilter = IncidentFilter(),
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    first_window: int = FIRST_WINDOW,
) -> tuple[list[Incident], bool]:
    """The last ``count`` matching incident events of ``topic``, oldest first, and whether
    the search was complete (:func:`streams.kafka_clients.read_latest`: read backwards in
    growing windows, so a filter that matches often reads a few hundred messages instead of
    30 days of retention)."""

    def matching(message: Any) -> Incident | None:
        try:
            incident = decode_incident(message.value)
        except InvalidEvent as error:
            log.warning("skipping a message that is not an incident: %s", error)
            return None
        return incident if incident_filter.matches(incident) else None

    return read_latest(consumer, topic, count, matching, timeout, clock, first_window)
