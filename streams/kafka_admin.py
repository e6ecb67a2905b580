"""Talking to the Kafka cluster as an administrator: is it up, and do our topics exist.

Works the same on the project's local broker and on an external cluster
(``FLAREWATCH_KAFKA_BOOTSTRAP``); security options come from
:meth:`Settings.kafka_client_options`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import (
    ClusterAuthorizationFailedError,
    InvalidPartitionsError,
    InvalidReplicationFactorError,
    InvalidTopicError,
    KafkaError,
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
    for_code,
)

from streams.kafka_clients import quiet_client_logs
from streams.settings import Settings
from streams.topics import TOPIC_SPECS, topic_name, topic_partitions

log = logging.getLogger("flarewatch.kafka")

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
    changed; :func:`check_partitions` says whether it fits). Returns the names of the
    topics this call created. A topic Kafka refuses to create is a
    :class:`~streams.errors.CommandError` that says what to change.
    """
    from streams.errors import CommandError, UsageError

    wanted = {
        topic_name(settings, spec.key): {
            "num_partitions": topic_partitions(settings, spec.key),
            "replication_factor": settings.replication_factor,
            "configs": {"retention.ms": str(spec.retention_hours * 3600 * 1000)},
        }
        for spec in TOPIC_SPECS
    }
    try:
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
                    error_type = for_code(error_code)
                    # A name or partition count the cluster cannot have is configuration: restarting
                    # will not change it. A replication factor is checked against the brokers up at
                    # that moment, so during a rolling restart it is refused and later accepted.
                    configured = issubclass(error_type, InvalidTopicError | InvalidPartitionsError)
                    raise (UsageError if configured else CommandError)(
                        f"Kafka at {settings.bootstrap_servers} refused to create topic {topic['name']}: "
                        f"{error_type.__name__} {topic.get('error_message') or ''}".rstrip()
                        + f"; {_create_hint(settings, error_type)}"
                    )
            client.wait_for_topics(created, timeout_ms=int(timeout * 1000))
    except KafkaError as error:
        raise CommandError(f"cannot create the topics on Kafka at {settings.bootstrap_servers}: {error}") from None
    return created


def _create_hint(settings: Settings, error_type: type[KafkaError]) -> str:
    from streams.settings import env_var

    if issubclass(error_type, InvalidReplicationFactorError):
        return (f"Kafka counts only the brokers up now, so during a rolling restart this passes once they are back "
                f"(exit 1: systemd tries again); if the cluster has fewer brokers, set {env_var('replication_factor')} "
                f"(now {settings.replication_factor}) to at most their number")
    if issubclass(error_type, TopicAuthorizationFailedError | ClusterAuthorizationFailedError):
        return ("the principal needs create rights on the topics, or create them beforehand "
                "(docs/operations.md, 'Secured Kafka')")
    if issubclass(error_type, InvalidTopicError):
        return f"check {env_var('topic_prefix')} ({settings.topic_prefix!r})"
    if issubclass(error_type, InvalidPartitionsError):
        return f"check {env_var('partitions')} ({settings.partitions})"
    return "see the broker's log"


def check_partitions(settings: Settings, changelog_topics: Sequence[str] = (), timeout: float = 30.0) -> None:
    """Fail if an existing topic's partition count does not fit ``FLAREWATCH_PARTITIONS``.

    The enriched topic and the detector-state changelog (``changelog_topics``) must have
    exactly ``settings.partitions`` partitions: the worker writes a brand's state to the
    changelog partition its events came from, and Faust refuses a table whose changelog
    is partitioned unlike its source. The raw topic may differ: only enrichment, which
    keeps no state, reads it, so its partitions merely bound how many workers enrich in
    parallel (logged as a warning). Topics that do not exist yet are skipped (Faust
    creates the changelog with ``settings.partitions``).
    """
    from streams.errors import CommandError, UsageError
    from streams.settings import env_var

    raw = topic_name(settings, "raw")
    must_match = [topic_name(settings, "enriched"), *changelog_topics]
    try:
        with quiet_client_logs(logging.WARNING), admin_client(settings, timeout) as client:
            described = client.describe_topics([raw, *must_match])
    except KafkaError as error:
        raise CommandError(f"cannot describe the topics on Kafka at {settings.bootstrap_servers}: {error}") from None
    counts = {topic["name"]: len(topic["partitions"]) for topic in described if topic["error_code"] == 0}
    for name in must_match:
        count = counts.get(name)
        if count is not None and count != settings.partitions:
            raise UsageError(
                f"topic {name} has {count} partitions but {env_var('partitions')}={settings.partitions}; "
                f"set {env_var('partitions')}={count}, or see docs/operations.md 'Scaling workers'"
            )
    raw_count = counts.get(raw)
    if raw_count is not None and raw_count != settings.partitions:
        log.warning("topic %s has %d partitions (%s=%d): at most %d workers enrich events in parallel",
                    raw, raw_count, env_var("partitions"), settings.partitions, raw_count)


def require_topic(settings: Settings, topic: str, timeout: float = 30.0) -> None:
    """Fail with one line if ``topic`` does not exist, rather than let a client wait for it.

    Nothing creates a topic on first use (``auto.create.topics.enable=false`` on the local
    broker, and only the worker and ``kafka up`` call :func:`ensure_topics`), so a
    misspelt prefix or topic would leave kafka-python logging "not found in cluster
    metadata" every 100 ms until it gives up, or for ever when following.
    """
    from streams.errors import CommandError
    from streams.settings import env_var

    try:
        with quiet_client_logs(logging.CRITICAL), admin_client(settings, timeout) as client:
            exists = topic in client.list_topics()
    except KafkaError as error:
        raise CommandError(f"cannot list the topics on Kafka at {settings.bootstrap_servers}: {error}") from None
    if exists:
        return
    if topic in {topic_name(settings, spec.key) for spec in TOPIC_SPECS}:
        hint = (f"check {env_var('topic_prefix')} ({settings.topic_prefix!r}); a worker with that prefix, "
                "or `flarewatch kafka up`, creates the topics")
    else:
        hint = "check the topic name; flarewatch creates only its <prefix>.* topics (a worker, or `flarewatch kafka up`)"
    raise CommandError(f"topic {topic} does not exist on Kafka at {settings.bootstrap_servers}; {hint}")


def require_broker(settings: Settings, timeout: float = 15.0) -> None:
    """:func:`wait_for_broker`, failing as a user-facing error that says what to do."""
    from streams.errors import CommandError
    from streams.settings import env_var

    try:
        wait_for_broker(settings, timeout=timeout)
    except BrokerUnavailableError as error:
        hint = "run `flarewatch kafka up`" if settings.uses_local_kafka else f"check {env_var('kafka_bootstrap')}"
        raise CommandError(f"no Kafka broker answers at {settings.bootstrap_servers} ({error}); {hint}") from None


def delete_topics_named(settings: Settings, prefix: str, timeout: float = 30.0) -> list[str]:
    """Delete every topic whose name starts with ``prefix`` (a demo run's own topics, and the
    changelog topics Faust names after the worker id); returns the deleted names."""
    if len(prefix) < 8:
        raise ValueError(f"refusing to delete every topic starting with {prefix!r}: too short a prefix")
    with quiet_client_logs(logging.CRITICAL), admin_client(settings, timeout) as client:
        doomed = sorted(topic for topic in client.list_topics() if topic.startswith(prefix))
        if doomed:
            client.delete_topics(doomed, timeout_ms=int(timeout * 1000))
    return doomed
