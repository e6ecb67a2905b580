"""kafka-python clients for the command-line tools, configured from Settings in one place."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from streams.settings import Settings


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
