"""Against the real broker: ``produce`` reports records Kafka refuses, and the worker's
start-up check refuses topics whose partition count differs from FLAREWATCH_PARTITIONS."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from kafka.admin import NewTopic

from streams.commands.produce import produce_file
from streams.kafka_admin import admin_client, ensure_topics
from streams.settings import Settings

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
