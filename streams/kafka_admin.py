"""Talking to the Kafka cluster as an administrator: is it up, and do our topics exist.

Works the same on the project's local broker and on an external cluster
(``FLAREWATCH_KAFKA_BOOTSTRAP``); security options come from
:meth:`Settings.kafka_client_options`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError

from streams.kafka_clients import quiet_client_logs
from streams.settings import Settings
from streams.topics import TOPIC_SPECS, topic_name, topic_partitions

PROBE_TIMEOUT_SECONDS = 2.0
"""One health probe's budget; short so a waiting loop notices a dead broker process quickly."""


class BrokerUnavailableError(TimeoutError):
    """The cluster did not answer a metadata request within the deadline."""


@contextmanager
def admin_client(settings: Settings, timeout: float = 10.0) -> Iterator[KafkaAdminClient]:
    """A connected admin client, closed on exit; raises kafka-python's errors if it cannot connect."""
    timeout_ms = max(int(timeout * 1000), 500)
    client = KafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers.split(","),
        client_id="flarewatch-admin",
        request_timeout_ms=timeout_ms,
        bootstrap_timeout_ms=timeout_ms,
        **settings.kafka_client_options(),
    )
    try:
        yield client
    finally:
        client.close()


def describe_cluster(
    settings: Settings, timeout: float = PROBE_TIMEOUT_SECONDS
) -> dict[str, Any] | None:
    """Cluster metadata if the cluster answers with at least one broker within ``timeout``, else None."""
    try:
        with quiet_client_logs(logging.CRITICAL), admin_client(settings, timeout) as client:
            cluster: dict[str, Any] = client.describe_cluster()
    except (KafkaError, OSError, TimeoutError):
        return None
    return cluster if cluster.get("brokers") else None


def wait_for_broker(settings: Settings, timeout: float = 60.0) -> dict[str, Any]:
    """Poll until the cluster answers a metadata request; returns the cluster description.

    Raises :class:`BrokerUnavailableError` after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        cluster = describe_cluster(settings, min(PROBE_TIMEOUT_SECONDS, max(remaining, 0.5)))
        if cluster is not None:
            return cluster
        if time.monotonic() >= deadline:
            raise BrokerUnavailableError(
                f"Kafka at {settings.bootstrap_servers} did not answer within {timeout:.0f} s"
            )
        time.sleep(0.2)


def ensure_topics(settings: Settings, timeout: float = 30.0) -> list[str]:
    """Create every topic of :data:`streams.topics.TOPIC_SPECS` that does not exist yet.

    Idempotent: existing topics are left as they are (their partition count is not
    changed). Returns the names of the topics this call created.
    """
    wanted = {
        topic_name(settings, spec.key): {
            "num_partitions": topic_partitions(settings, spec.key),
            "replication_factor": settings.replication_factor,
            "configs": {"retention.ms": str(spec.retention_hours * 3600 * 1000)},
        }
        for spec in TOPIC_SPECS
    }
    with quiet_client_logs(logging.WARNING), admin_client(settings, timeout) as client:
        existing = set(client.list_topics())
        missing = {name: options for name, options in wanted.items() if name not in existing}
        if not missing:
            return []
        response = client.create_topics(missing, timeout_ms=int(timeout * 1000), raise_errors=False)
        created = []
        for topic in response["topics"]:
            error_code = topic["error_code"]
            if error_code == 0:
                created.append(topic["name"])
            elif error_code != TopicAlreadyExistsError.errno:
                raise KafkaError(
                    f"cannot create topic {topic['name']}: error {error_code} {topic.get('error_message')}"
                )
        client.wait_for_topics(created, timeout_ms=int(timeout * 1000))
    return created


def require_broker(settings: Settings, timeout: float = 15.0) -> None:
    """:func:`wait_for_broker`, failing as a user-facing error that says what to do."""
    from streams.errors import CommandError
    from streams.settings import env_var

    try:
        wait_for_broker(settings, timeout=timeout)
    except BrokerUnavailableError as error:
        hint = "run `flarewatch kafka up`" if settings.uses_local_kafka else f"check {env_var('kafka_bootstrap')}"
        raise CommandError(f"no Kafka broker answers at {settings.bootstrap_servers} ({error}); {hint}") from None
