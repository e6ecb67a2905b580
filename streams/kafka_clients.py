"""kafka-python clients for the command-line tools, configured from Settings in one place."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final, TypeVar

from streams.settings import Settings, env_var

T = TypeVar("T")


@contextmanager
def quiet_client_logs(level: int = logging.CRITICAL) -> Iterator[None]:
    """kafka-python 3 logs each connection at INFO, every refused one at ERROR and a
    harmless traceback when a consumer closes; unless debugging, that is noise."""
    client_logger = logging.getLogger("kafka")
    previous = client_logger.level
    if not client_logger.isEnabledFor(logging.DEBUG):
        client_logger.setLevel(level)
    try:
        yield
    finally:
        client_logger.setLevel(previous)


def make_producer(settings: Settings, **overrides: Any) -> Any:
    from kafka import KafkaProducer

    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "acks": "all",
        "linger_ms": 20,
        "max_request_size": 1_048_576,
        "client_id": "flarewatch-cli",
        **settings.kafka_client_options(),
    }
    options.update(overrides)
    return KafkaProducer(**options)


def make_consumer(settings: Settings, *topics: str, **overrides: Any) -> Any:
    from kafka import KafkaConsumer

    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "client_id": "flarewatch-cli",
        "auto_offset_reset": "earliest",
        "enable_auto_commit": False,
        **settings.kafka_client_options(),
    }
    options.update(overrides)
    return KafkaConsumer(*topics, **options)


def remaining_seconds(deadline: float | None) -> float | None:
    """Seconds left until ``deadline`` (a ``time.monotonic()`` value); None for no deadline."""
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)


def connect_consumer(settings: Settings, topic: str, *, group: str | None = None, from_beginning: bool = False,
                     subscribe: bool = True, deadline: float | None = None, timeout: float | None = None,
                     client_id: str = "flarewatch-cli") -> Any:
    """A connected consumer of an existing ``topic`` (subscribed to it unless ``subscribe`` is
    false); connecting gives up at ``deadline`` (kafka-python's 30 s without one), the end of
    the ``--timeout`` the error names. A missing topic is an error here, before the consumer
    subscribes to it.

    kafka-python logs every refused connection and its own "Bootstrap failed" line; the
    one-line error below says the same, so its log is quiet here unless debugging (-v).
    """
    from kafka.errors import KafkaError

    from streams.errors import CommandError
    from streams.kafka_admin import require_topic

    options: dict[str, Any] = {}
    remaining = remaining_seconds(deadline)
    if remaining is not None:
        options["bootstrap_timeout_ms"] = max(int(remaining * 1000), 1)
    try:
        with quiet_client_logs():
            consumer = make_consumer(
                settings,
                group_id=group,
                client_id=client_id,
                auto_offset_reset="earliest" if from_beginning else "latest",
                max_poll_interval_ms=900_000,
                **options,
            )
    except KafkaError as error:
        within = "" if timeout is None else f" within --timeout {timeout:g} s"
        hint = "run `flarewatch kafka up`" if settings.uses_local_kafka else f"check {env_var('kafka_bootstrap')}"
        raise CommandError(f"cannot reach Kafka at {settings.bootstrap_servers}{within} ({error}); {hint}") from None
    try:
        remaining = remaining_seconds(deadline)
        require_topic(settings, topic, timeout=30.0 if remaining is None else max(remaining, 0.5))
    except CommandError:
        consumer.close()
        raise
    if subscribe:
        consumer.subscribe([topic])
    return consumer


FIRST_WINDOW: Final = 100
"""Messages per partition read first by :func:`read_latest`; each earlier window doubles."""


def read_latest(
    consumer: Any,
    topic: str,
    count: int,
    select: Callable[[Any], T | None],
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    first_window: int = FIRST_WINDOW,
) -> tuple[list[T], bool]:
    """The last ``count`` messages of ``topic`` that ``select`` turns into a value (None skips
    a message), oldest first, and whether the search was complete (``False`` when ``timeout``
    seconds ran out first).

    Each partition is read backwards in windows: the newest ``first_window`` messages,
    then, while fewer than ``count`` were selected, the window before it, twice as large.
    A selection that matches often reads a few hundred messages instead of the whole
    retention; one that matches rarely reads as far back as it must. Across partitions
    the newest are those with the latest Kafka timestamps. ``consumer`` is a kafka-python
    consumer without a subscription; it is assigned one partition at a time.
    """
    from kafka.structs import TopicPartition

    deadline = None if timeout is None else clock() + timeout
    partitions = [TopicPartition(topic, number) for number in sorted(consumer.partitions_for_topic(topic) or ())]
    found: list[tuple[int, int, int, T]] = []
    complete = True
    for partition in partitions:
        consumer.assign([partition])
        oldest = consumer.beginning_offsets([partition])[partition]
        end = consumer.end_offsets([partition])[partition]
        window = max(1, first_window)
        selected = 0
        while end > oldest and selected < count:
            start = max(oldest, end - window)
            batch = _read_range(consumer, partition, start, end, select, deadline, clock)
            if batch is None:
                complete = False
                break
            found.extend(batch)
            selected += len(batch)
            end, window = start, window * 2
        if not complete:
            break
    found.sort(key=lambda item: item[:3])
    return [value for *_, value in found[-count:]], complete


def _read_range(
    consumer: Any,
    partition: Any,
    start: int,
    end: int,
    select: Callable[[Any], T | None],
    deadline: float | None,
    clock: Callable[[], float],
) -> list[tuple[int, int, int, T]] | None:
    """Selected messages at offsets ``start`` to ``end - 1`` as (timestamp, partition,
    offset, value); ``None`` if the deadline passed first."""
    consumer.seek(partition, start)
    selected = []
    while consumer.position(partition) < end:
        remaining = None if deadline is None else deadline - clock()
        if remaining is not None and remaining <= 0:
            return None
        poll_ms = 500 if remaining is None else max(1, min(500, int(remaining * 1000)))
        for message in consumer.poll(timeout_ms=poll_ms, max_records=500).get(partition, []):
            if message.offset >= end:
                continue
            value = select(message)
            if value is not None:
                selected.append((message.timestamp, partition.partition, message.offset, value))
    return selected
