"""Shared fixtures: one real Kafka broker per test session, and per-test topic isolation.

The broker is the project's own (``streams.local_kafka``) in its own home
``<FLAREWATCH_HOME>/test-kafka`` on ports 39192/39193, so it never collides with a demo
broker on 39092; it reuses the demo broker's downloaded classpath. With
``FLAREWATCH_KAFKA_BOOTSTRAP`` set the tests use that cluster instead. A missing Java
fails the tests loudly: CI must install it, a silent skip would hide the gap.
"""

from __future__ import annotations

import fcntl
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from streams.kafka_admin import BrokerUnavailableError, admin_client, wait_for_broker
from streams.local_kafka import LocalKafka, LocalKafkaError
from streams.settings import Settings

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
TEST_KAFKA_PORT = 39192
TEST_KAFKA_CONTROLLER_PORT = 39193


def project_home(settings: Settings) -> Path:
    """``FLAREWATCH_HOME`` anchored at the repository, so tests work from any directory."""
    return settings.home if settings.home.is_absolute() else REPOSITORY_ROOT / settings.home


@pytest.fixture(scope="session")
def kafka_settings() -> Iterator[Settings]:
    """Settings of a running, healthy broker, started once per session and stopped at its end
    (unless another pytest session still uses it, see :func:`broker_lease`)."""
    environment = Settings.from_env()
    if not environment.uses_local_kafka:
        try:
            wait_for_broker(environment, timeout=60.0)
        except BrokerUnavailableError as error:
            pytest.fail(f"external Kafka (FLAREWATCH_KAFKA_BOOTSTRAP): {error}", pytrace=False)
        yield environment
        return
    home = project_home(environment)
    settings = environment.with_overrides(
        home=home / "test-kafka",
        local_kafka_port=TEST_KAFKA_PORT,
        local_kafka_controller_port=TEST_KAFKA_CONTROLLER_PORT,
    )
    broker = LocalKafka(settings, libs_cache=home / "kafka")
    with broker_lease(broker) as last_user:
        try:
            broker.start(timeout=120.0)
        except LocalKafkaError as error:
            pytest.fail(f"the test Kafka broker did not start: {error}", pytrace=False)
        yield settings
        if last_user():
            broker.stop()


@contextmanager
def broker_lease(broker: LocalKafka) -> Iterator[Callable[[], bool]]:
    """Share the test broker between pytest sessions running at the same time.

    Each session holds a shared lock while it uses the broker; on leaving it yields
    a check that is true only if no other session still holds one, so the last session
    out stops the broker and no session loses it mid-run. The kernel drops the lock of
    a session that dies.
    """
    broker.root.mkdir(parents=True, exist_ok=True)
    with (broker.root / "sessions.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)

        def last_user() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        yield last_user


@pytest.fixture
def topic_prefix() -> str:
    """A prefix no other test uses, so a test never sees another test's messages."""
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def isolated_kafka_settings(kafka_settings: Settings, topic_prefix: str) -> Iterator[Settings]:
    """:func:`kafka_settings` with this test's own topics and consumer group (Faust app id).

    Topics named after the prefix are deleted afterwards, so the broker does not grow with
    every session (Faust's repartition topics are named after the agent's module and stay).
    """
    yield kafka_settings.with_overrides(
        topic_prefix=topic_prefix, worker_id=f"{topic_prefix}-worker"
    )
    with admin_client(kafka_settings) as client:
        leftovers = [name for name in client.list_topics() if name.startswith(topic_prefix)]
        if leftovers:
            client.delete_topics(leftovers)
