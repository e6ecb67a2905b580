"""A worker killed mid-stream resumes from the checkpointed detector state without
counting re-read events twice: the incidents equal an uninterrupted replay."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import pytest

from schemas.codec import decode_incident, encode_incident
from streams.cli import main
from streams.kafka_admin import ensure_topics
from streams.kafka_clients import make_producer
from streams.settings import Settings, env_var
from streams.topics import topic_name
from tests.integration.worker_process import (
    consume_until,
    metric_value,
    scrape,
    wait_until,
    worker_process,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

SAMPLES = Path(__file__).resolve().parents[2] / "streams" / "samples"
EVENTS = SAMPLES / "demo_events.jsonl"
BRANDS = SAMPLES / "demo_brands.yaml"


def test_killed_worker_resumes_without_double_counting(kafka_settings: Settings, tmp_path: Path) -> None:
    replay_out = tmp_path / "replay.jsonl"
    assert main(["replay", str(EVENTS), "--brands", str(BRANDS), "--out", str(replay_out), "--no-flush", "--quiet"]) == 0
    expected = replay_out.read_bytes().splitlines()

    prefix = f"restart-{uuid.uuid4().hex[:8]}"
    settings = kafka_settings.with_overrides(topic_prefix=prefix, worker_id=f"{prefix}-worker", partitions=1)
    ensure_topics(settings)
    lines = EVENTS.read_bytes().splitlines()
    half = len(lines) // 2
    # Checkpoint at every event, so the restored state is never older than the committed offset.
    extra_env = {env_var("state_checkpoint_seconds"): "0"}
    enriched_topic = topic_name(settings, "enriched")

    def send(batch: list[bytes]) -> None:
        producer = make_producer(settings)
        for line in batch:
            producer.send(topic_name(settings, "raw"), key=b"acme-rail", value=line)
        producer.flush()
        producer.close()

    with worker_process(settings, tmp_path / "first" / "worker.log", BRANDS, extra_env) as (first, process):
        send(lines[:half])
        wait_until(lambda: metric_value(scrape(first), "flarewatch_events_consumed_total", topic=enriched_topic) >= half,
                   timeout=180, what="the first half detected")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    with worker_process(settings, tmp_path / "second" / "worker.log", BRANDS, extra_env):
        send(lines[half:])
        live = consume_until(settings, topic_name(settings, "incidents"), lambda got: len(got) >= len(expected), timeout=240)

    assert [encode_incident(decode_incident(m.value)) for m in live] == expected
