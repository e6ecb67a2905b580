"""Scaling out the Kafka way: two workers in one consumer group share the partitions."""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson
import pytest

from streams.kafka_admin import ensure_topics
from streams.kafka_clients import make_producer
from streams.settings import Settings
from streams.topics import topic_name
from tests.integration.worker_process import metric_value, running_worker, scrape, wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

BRANDS = [f"brand-{index}" for index in range(8)]


def test_two_workers_split_partitions_and_process_everything_once(kafka_settings: Settings, tmp_path: Path) -> None:
    prefix = f"scale-{uuid.uuid4().hex[:8]}"
    settings = kafka_settings.with_overrides(topic_prefix=prefix, worker_id=f"{prefix}-worker", partitions=2)
    ensure_topics(settings)
    brands_file = tmp_path / "brands.yaml"
    brands_file.write_text("brands:\n" + "".join(f"  - name: {brand}\n" for brand in BRANDS))
    raw_topic = topic_name(settings, "raw")

    with running_worker(settings, tmp_path / "a" / "worker.log", brands_file) as first, \
            running_worker(settings, tmp_path / "b" / "worker.log", brands_file) as second:

        def assigned_partitions(worker: Settings) -> set[str]:
            text = scrape(worker)
            return {
                line.split('partition="')[1].split('"')[0]
                for line in text.splitlines()
                if line.startswith("flarewatch_consumer_lag_messages") and f'topic="{raw_topic}"' in line
            }

        def split_between_both() -> bool:
            first_parts, second_parts = assigned_partitions(first), assigned_partitions(second)
            return len(first_parts) == 1 and len(second_parts) == 1 and first_parts != second_parts

        wait_until(split_between_both, timeout=90, what="the two workers to hold one raw partition each")

        producer = make_producer(settings)
        total = 400
        for index in range(total):
            brand = BRANDS[index % len(BRANDS)]
            event = {"id": f"s-{index}", "platform": "forum", "kind": "post", "brand": brand,
                     "created_at": 1772366400000 + index * 1000, "author": {"id": f"u{index}"}, "text": "ok"}
            producer.send(raw_topic, key=brand.encode(), value=orjson.dumps(event))
        producer.flush()
        producer.close()

        def consumed(worker: Settings, topic: str) -> float:
            return metric_value(scrape(worker), "flarewatch_events_consumed_total", topic=topic)

        enriched_topic = topic_name(settings, "enriched")
        wait_until(lambda: consumed(first, enriched_topic) + consumed(second, enriched_topic) >= total,
                   timeout=120, what=f"{total} enriched events detected across both workers")
        raw_counts = [consumed(first, raw_topic), consumed(second, raw_topic)]
        assert sum(raw_counts) == total, "every raw event is processed exactly once across the group"
        assert min(raw_counts) > 0, f"both workers must take part, got {raw_counts}"
        assert consumed(first, enriched_topic) + consumed(second, enriched_topic) == total
