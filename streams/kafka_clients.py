"""kafka-python clients for the command-line tools, configured from Settings in one place."""

from __future__ import annotations

from typing import Any

from streams.settings import Settings


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
