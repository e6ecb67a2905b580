"""Against the real broker: ``produce`` reports records Kafka refuses, a missing topic is
one line (nothing creates it), and the worker's start-up check refuses topics whose
partition count differs from FLAREWATCH_PARTITIONS."""

from __future__ import annotations

import logging
from pathlib import Path

import orjson
import pytest
from kafka.admin import NewTopic

from streams.cli import main
from streams.commands.produce import produce_file
from streams.errors import CommandError, UsageError
from streams.kafka_admin import admin_client, check_partitions, ensure_topics
from streams.settings import Settings
from streams.topics import topic_name

GOOD = {"id": "1", "platform": "twitter", "kind": "post", "brand": "acme",
        "created_at": "2026-03-01T12:00:00Z", "author": {"id": "u"}}


@pytest.mark.kafka
def test_produce_counts_records_the_broker_refuses(isolated_kafka_settings: Settings, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    settings = isolated_kafka_settings
    ensure_topics(settings)
    small = f"{settings.topic_prefix}.small-messages"
    with admin_client(settings) as client:
        client.create_topics([NewTopic(small, 1, 1, topic_configs={"max.message.bytes": "2000"})])
        client.wait_for_topics([small], timeout_ms=30_000)
    events = tmp_path / "events.jsonl"
    too_big_for_the_topic = orjson.dumps({**GOOD, "id": "2", "text": "x" * 5000})
    too_big_for_the_producer = orjson.dumps({**GOOD, "id": "3", "text": "x" * 1_100_000})
    events.write_bytes(b"\n".join([orjson.dumps(GOOD), too_big_for_the_topic, too_big_for_the_producer]) + b"\n")

    assert produce_file(settings, events, topic=small, progress=False) == 1
    err = capsys.readouterr().err
    assert f"2 of 3 events could not be sent to {small}" in err
    assert f"first: {events}:2: " in err
    assert "sent 3 events" not in err


@pytest.mark.kafka
def test_a_missing_topic_is_one_line_and_nothing_creates_it(isolated_kafka_settings: Settings, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                            caplog: pytest.LogCaptureFixture) -> None:
    """An outside tester's misspelt prefix: produce created a second set of topics and exited 0,
    `incidents --last` printed nothing, following logged an error every 100 ms, and a
    misspelt --topic logged one every 100 ms for a minute before failing."""
    settings = isolated_kafka_settings  # no topics with this prefix, as with a misspelt one
    monkeypatch.setenv("FLAREWATCH_KAFKA_BOOTSTRAP", settings.bootstrap_servers)
    monkeypatch.setenv("FLAREWATCH_TOPIC_PREFIX", settings.topic_prefix)
    events = tmp_path / "one.jsonl"
    events.write_bytes(orjson.dumps(GOOD) + b"\n")
    for argv in (
        ["produce", str(events), "--quiet"],
        ["produce", str(events), "--quiet", "--topic", f"{settings.topic_prefix}.nonexistent"],
        ["incidents", "--last", "5"],
        ["incidents", "--timeout", "20"],
        ["incidents", "--forward", "http://127.0.0.1:1/", "--metrics-port", "0", "--timeout", "20"],
    ):
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and " does not exist on Kafka at " in err, (argv, err)
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    with admin_client(settings) as client:
        assert [name for name in client.list_topics() if name.startswith(settings.topic_prefix)] == []


def _create(settings: Settings, name: str, partitions: int) -> None:
    with admin_client(settings) as client:
        client.create_topics([NewTopic(name, partitions, 1)])
        client.wait_for_topics([name], timeout_ms=30_000)


@pytest.mark.kafka
@pytest.mark.parametrize("which", ["enriched", "changelog"])
def test_worker_refuses_topics_partitioned_unlike_the_setting(isolated_kafka_settings: Settings, which: str) -> None:
    settings = isolated_kafka_settings.with_overrides(partitions=2)
    changelog = f"{settings.worker_id}-brand_to_detector_state-changelog"
    name = topic_name(settings, "enriched") if which == "enriched" else changelog
    _create(settings, name, 3)
    ensure_topics(settings)
    with pytest.raises(UsageError) as raised:  # configuration: exit 2, systemd does not restart
        check_partitions(settings, changelog_topics=[changelog])
    assert str(raised.value) == (
        f"topic {name} has 3 partitions but FLAREWATCH_PARTITIONS=2; set FLAREWATCH_PARTITIONS=3, "
        "or see docs/operations.md 'Scaling workers'"
    )


@pytest.mark.kafka
def test_raw_topic_may_have_another_partition_count(isolated_kafka_settings: Settings,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    settings = isolated_kafka_settings.with_overrides(partitions=2)
    _create(settings, topic_name(settings, "raw"), 1)
    ensure_topics(settings)
    check_partitions(settings, changelog_topics=[f"{settings.worker_id}-brand_to_detector_state-changelog"])
    assert "at most 1 workers enrich events in parallel" in caplog.text


@pytest.mark.kafka
def test_worker_start_checks_partitions_before_running(isolated_kafka_settings: Settings,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.commands.worker import start_worker

    settings = isolated_kafka_settings.with_overrides(partitions=2, metrics_port=free_port())
    _create(settings, topic_name(settings, "enriched"), 1)
    with pytest.raises(CommandError, match="has 1 partitions but FLAREWATCH_PARTITIONS=2"):
        start_worker(settings)


@pytest.mark.kafka
def test_a_topic_kafka_refuses_to_create_is_a_clear_error(isolated_kafka_settings: Settings) -> None:
    settings = isolated_kafka_settings.with_overrides(replication_factor=3)
    with pytest.raises(CommandError) as raised:  # brokers may be back later: exit 1, systemd restarts
        ensure_topics(settings)
    assert raised.value.exit_code == 1
    message = str(raised.value)
    assert "refused to create topic" in message
    assert "InvalidReplicationFactorError" in message
    assert "set FLAREWATCH_REPLICATION_FACTOR (now 3) to at most their number" in message


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
