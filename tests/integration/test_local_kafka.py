"""The project's local Kafka broker against the real thing: lifecycle, persistence, produce/consume, CLI."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer

from streams.cli import main
from streams.kafka_admin import admin_client, ensure_topics
from streams.local_kafka import LocalKafka, LocalKafkaError, java_major_version, random_cluster_id
from streams.settings import Settings
from streams.topics import TOPIC_SPECS, topic_name
from tests.conftest import project_home


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_392"', 8),
        ("no version here", None),
    ],
)
def test_java_major_version_reads_old_and_new_schemes(output: str, major: int | None) -> None:
    assert java_major_version(output) == major


def test_random_cluster_id_looks_like_kafkas() -> None:
    cluster_id = random_cluster_id()
    assert len(cluster_id) == 22
    assert not cluster_id.startswith("-")


@pytest.mark.kafka
def test_status_reports_the_running_broker(kafka_settings: Settings) -> None:
    status = LocalKafka(kafka_settings).status()
    assert status.running
    assert status.healthy
    assert status.bootstrap == kafka_settings.bootstrap_servers
    if not status.external:
        assert status.pid is not None
        assert status.version == kafka_settings.local_kafka_version
        assert status.data_dir is not None and (status.data_dir / "meta.properties").exists()


@pytest.mark.kafka
def test_ensure_topics_creates_every_spec_once(isolated_kafka_settings: Settings) -> None:
    names = {topic_name(isolated_kafka_settings, spec.key) for spec in TOPIC_SPECS}
    assert set(ensure_topics(isolated_kafka_settings)) == names
    assert ensure_topics(isolated_kafka_settings) == []
    with admin_client(isolated_kafka_settings) as client:
        assert names <= set(client.list_topics())


@pytest.mark.kafka
def test_a_produced_message_can_be_consumed(isolated_kafka_settings: Settings) -> None:
    ensure_topics(isolated_kafka_settings)
    topic = topic_name(isolated_kafka_settings, "raw")
    payload = uuid.uuid4().bytes
    produce(isolated_kafka_settings, topic, payload)
    assert payload in consume_until(isolated_kafka_settings, topic, payload, timeout=30.0)


@pytest.mark.kafka
def test_a_second_up_reuses_the_running_broker(
    kafka_settings: Settings,
    topic_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not kafka_settings.uses_local_kafka:
        pytest.skip("FLAREWATCH_KAFKA_BOOTSTRAP is set: there is no local broker to reuse")
    pid_before = LocalKafka(kafka_settings).status().pid
    for name, value in {
        "HOME": str(kafka_settings.home),
        "LOCAL_KAFKA_PORT": str(kafka_settings.local_kafka_port),
        "LOCAL_KAFKA_CONTROLLER_PORT": str(kafka_settings.local_kafka_controller_port),
        "TOPIC_PREFIX": topic_prefix,
    }.items():
        monkeypatch.setenv(f"FLAREWATCH_{name}", value)
    assert main(["kafka", "up"]) == 0
    assert "already running" in capsys.readouterr().out
    assert main(["kafka", "status"]) == 0
    assert f"pid {pid_before}" in capsys.readouterr().out
    assert LocalKafka(kafka_settings).status().pid == pid_before


@pytest.fixture
def lifecycle_broker(kafka_settings: Settings, tmp_path: Path) -> Iterator[LocalKafka]:
    """A broker of its own, so stopping it does not disturb the session broker."""
    if not kafka_settings.uses_local_kafka:
        pytest.skip("FLAREWATCH_KAFKA_BOOTSTRAP is set: the local broker is not used")
    port, controller_port = free_ports(2)
    settings = Settings(
        home=tmp_path / "home",
        local_kafka_port=port,
        local_kafka_controller_port=controller_port,
        topic_prefix="lifecycle",
    )
    broker = LocalKafka(settings, libs_cache=project_home(Settings.from_env()) / "kafka")
    try:
        yield broker
    finally:
        broker.stop()


@pytest.mark.kafka
def test_topics_and_messages_survive_a_restart(lifecycle_broker: LocalKafka) -> None:
    settings = lifecycle_broker.settings
    first = lifecycle_broker.start(timeout=120.0)
    ensure_topics(settings)
    topic = topic_name(settings, "incidents")
    payload = uuid.uuid4().bytes
    produce(settings, topic, payload)

    assert lifecycle_broker.stop()
    stopped = lifecycle_broker.status()
    assert not stopped.running and not stopped.healthy and stopped.pid is None
    assert not lifecycle_broker.pid_file.exists()

    second = lifecycle_broker.start(timeout=120.0)
    assert second.pid != first.pid
    assert ensure_topics(settings) == []
    assert payload in consume_until(settings, topic, payload, timeout=30.0)


@pytest.mark.kafka
def test_start_refuses_a_port_taken_by_another_process(lifecycle_broker: LocalKafka) -> None:
    port = lifecycle_broker.settings.local_kafka_port
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(LocalKafkaError, match=f"port {port} .* in use"):
            lifecycle_broker.start(timeout=30.0)
    assert not lifecycle_broker.status().running


@pytest.mark.kafka
def test_a_broker_that_dies_at_startup_is_reported_with_its_log(
    lifecycle_broker: LocalKafka,
) -> None:
    lifecycle_broker.data_dir.mkdir(parents=True)
    (lifecycle_broker.data_dir / "meta.properties").write_text("not a kafka meta.properties\n")
    with pytest.raises(LocalKafkaError, match="exited during startup") as raised:
        lifecycle_broker.start(timeout=60.0)
    assert "node ID not found" in str(raised.value)
    assert not lifecycle_broker.pid_file.exists()
    assert not lifecycle_broker.status().running


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out as free, so concurrent sessions do not collide."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for listener in sockets:
            listener.bind(("127.0.0.1", 0))
        return [listener.getsockname()[1] for listener in sockets]
    finally:
        for listener in sockets:
            listener.close()


def produce(settings: Settings, topic: str, value: bytes) -> None:
    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap_servers, **settings.kafka_client_options()
    )
    try:
        producer.send(topic, value).get(timeout=30)
    finally:
        producer.close()


def consume_until(settings: Settings, topic: str, wanted: bytes, timeout: float) -> list[bytes]:
    """Values read from the start of ``topic`` until ``wanted`` arrives or ``timeout`` passes."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=settings.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        **settings.kafka_client_options(),
    )
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while wanted not in values and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                values.extend(record.value for record in records)
    finally:
        consumer.close()
    return values
