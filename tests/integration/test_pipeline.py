"""The working pipeline end to end, on the real local Kafka broker and a real worker process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from detectors.scenarios import demo_scenario
from schemas.codec import MAX_EVENT_BYTES, decode_enriched_event, decode_incident, encode_incident
from streams.commands.produce import produce_file
from streams.dead_letter import (
    HEADER_ORIGINAL_BYTES,
    HEADER_REASON,
    HEADER_SOURCE_OFFSET,
    HEADER_SOURCE_PARTITION,
    HEADER_SOURCE_TOPIC,
    MAX_DEAD_LETTER_PAYLOAD_BYTES,
)
from streams.kafka_admin import ensure_topics
from streams.kafka_clients import make_producer
from streams.settings import Settings
from streams.topics import topic_name
from tests.demo_samples import DEMO_BRANDS, DEMO_EVENTS
from tests.integration.worker_process import (
    consume_until,
    metric_value,
    running_worker,
    scrape,
    wait_until,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]



@pytest.fixture(scope="module")
def pipeline(kafka_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One worker for the module, on topics of its own."""
    import uuid

    prefix = f"it-{uuid.uuid4().hex[:8]}"
    settings = kafka_settings.with_overrides(topic_prefix=prefix, worker_id=f"{prefix}-worker", partitions=2)
    ensure_topics(settings)
    work = tmp_path_factory.mktemp("worker")
    # The demo's brand, and one of its own for the dead-letter checks (the crisis test
    # compares the demo brand's incidents with a replay).
    brands = work / "brands.yaml"
    brands.write_text(DEMO_BRANDS.read_text() + "- name: dlq-check\n  exclude: [dlq-check arena]\n")
    with running_worker(settings, work / "worker.log", brands) as running:
        yield running


def send(settings: Settings, payloads: list[bytes], key: bytes | None = None) -> None:
    producer = make_producer(settings)
    try:
        for payload in payloads:
            producer.send(topic_name(settings, "raw"), key=key, value=payload)
        producer.flush()
    finally:
        producer.close()


def valid_event(event_id: str, brand: str = "dlq-check", text: str = "Thanks for the quick help!") -> bytes:
    return orjson.dumps(
        {
            "id": event_id,
            "platform": "twitter",
            "kind": "post",
            "brand": brand,
            "created_at": "2026-03-02T08:00:00Z",
            "author": {"id": f"user-{event_id}"},
            "text": text,
        }
    )


def test_malformed_messages_are_dead_lettered_while_valid_ones_flow(pipeline: Settings) -> None:
    bad = {
        b"this is not json": "bad_json",
        b"\xff\xfe\x00garbage": "not_utf8",
        orjson.dumps({"id": "x1", "platform": "twitter", "kind": "post", "created_at": "2026-03-02T08:00:00Z",
                      "author": {"id": "u"}}): "missing_field",
        orjson.dumps({"id": "x2", "platform": "twitter", "kind": "post", "brand": "dlq-check",
                      "created_at": "last tuesday", "author": {"id": "u"}}): "bad_timestamp",
        b"[1, 2, 3]": "not_an_object",
        b'{"pad": "' + b"x" * (MAX_EVENT_BYTES + 10) + b'"}': "oversized",
        valid_event("typo-brand", brand="dlq-chekc"): "unknown_brand",
    }
    good_ids = [f"dlq-ok-{index}" for index in range(4)]
    payloads = [valid_event(good_ids[0]), *list(bad)[:3], valid_event(good_ids[1]), *list(bad)[3:],
                valid_event(good_ids[2]), valid_event(good_ids[3])]
    send(pipeline, payloads)

    dead = consume_until(pipeline, topic_name(pipeline, "dead_letter"), lambda got: len(got) >= len(bad), timeout=90)
    assert len(dead) == len(bad)
    raw_topic = topic_name(pipeline, "raw")
    for message in dead:
        headers = {key: value.decode() for key, value in message.headers}
        assert message.value in bad, "the dead letter must carry the original bytes"
        assert headers[HEADER_REASON] == bad[message.value]
        assert headers[HEADER_SOURCE_TOPIC] == raw_topic
        assert int(headers[HEADER_SOURCE_OFFSET]) >= 0
        assert int(headers[HEADER_SOURCE_PARTITION]) >= 0

    def has_all_good(messages: list[object]) -> bool:
        ids = {decode_enriched_event(m.value).event.id for m in messages}  # type: ignore[attr-defined]
        return set(good_ids) <= ids

    enriched = consume_until(pipeline, topic_name(pipeline, "enriched"), has_all_good, timeout=90)
    by_id = {decode_enriched_event(m.value).event.id: m for m in enriched}
    assert by_id[good_ids[0]].key == b"dlq-check", "enriched events are keyed by brand"
    assert decode_enriched_event(by_id[good_ids[0]].value).sentiment.model_version

    def rejected_counted() -> bool:
        text = scrape(pipeline)
        return all(metric_value(text, "flarewatch_events_rejected_total", reason=reason) >= 1 for reason in bad.values())

    wait_until(rejected_counted, timeout=30, what="rejections counted in /metrics")


def test_an_event_naming_the_brand_only_inside_an_excluded_phrase_is_counted_and_not_forwarded(pipeline: Settings) -> None:
    off_topic = valid_event("arena-1", text="Der Schiri in der dlq-check Arena heute: eine Frechheit")
    about = valid_event("arena-2", text="Kein Netz in der dlq-check Arena, dlq-check bitte fixen")
    send(pipeline, [off_topic, about], key=b"dlq-check")  # one partition: arena-1 is handled first
    enriched = consume_until(pipeline, topic_name(pipeline, "enriched"),
                             lambda got: any(decode_enriched_event(m.value).event.id == "arena-2" for m in got), timeout=90)
    assert "arena-1" not in {decode_enriched_event(m.value).event.id for m in enriched}
    wait_until(lambda: metric_value(scrape(pipeline), "flarewatch_events_off_topic_total", brand="dlq-check") == 1,
               timeout=30, what="the off-topic event counted in /metrics")


def test_a_message_near_kafkas_limit_is_dead_lettered_cut_and_the_next_event_still_flows(pipeline: Settings) -> None:
    """Found by an outside operator: a 1 MiB raw message's dead-letter copy, with its headers,
    was over the producer's limit; the send raised, the enrich agent crashed, and its restart
    acked the valid event after it, which never reached the enriched topic."""
    huge = b'{"pad": "' + b"x" * 1_048_000 + b'"}'
    send(pipeline, [huge, valid_event("after-huge")])
    dead = consume_until(pipeline, topic_name(pipeline, "dead_letter"),
                         lambda got: any(dict(m.headers).get(HEADER_ORIGINAL_BYTES) for m in got), timeout=90)
    letter = next(m for m in dead if dict(m.headers).get(HEADER_ORIGINAL_BYTES))
    headers = {key: value.decode() for key, value in letter.headers}
    assert headers[HEADER_REASON] == "oversized" and int(headers[HEADER_ORIGINAL_BYTES]) == len(huge)
    assert letter.value == huge[:MAX_DEAD_LETTER_PAYLOAD_BYTES]
    enriched = consume_until(pipeline, topic_name(pipeline, "enriched"),
                             lambda got: any(decode_enriched_event(m.value).event.id == "after-huge" for m in got),
                             timeout=90)
    assert any(decode_enriched_event(m.value).event.id == "after-huge" for m in enriched)


def test_crisis_sample_yields_self_inflicted_incident_and_matches_replay(pipeline: Settings, tmp_path: Path) -> None:
    from streams.cli import main

    replay_out = tmp_path / "replay.jsonl"
    assert main(["replay", str(DEMO_EVENTS), "--brands", str(DEMO_BRANDS), "--out", str(replay_out),
                 "--no-flush", "--quiet"]) == 0
    expected = [decode_incident(line) for line in replay_out.read_bytes().splitlines()]
    opened = [incident for incident in expected if incident.status == "opened"]
    assert any(incident.origin == "self_inflicted" and incident.trigger is not None for incident in opened), (
        "the demo crisis starts with the brand's own rude reply: replay must open a self-inflicted incident"
    )

    brands = {incident.brand for incident in expected}

    def sample_incidents(messages: list[object]) -> list[bytes]:
        return [m.value for m in messages if decode_incident(m.value).brand in brands]  # type: ignore[attr-defined]

    # As `flarewatch produce` does: keyed by brand, so each brand's events keep their order.
    produce_file(pipeline, DEMO_EVENTS, progress=False)
    live_messages = consume_until(
        pipeline, topic_name(pipeline, "incidents"), lambda got: len(sample_incidents(got)) >= len(expected), timeout=240
    )
    live = [decode_incident(value) for value in sample_incidents(live_messages)]
    assert [encode_incident(incident) for incident in live] == [encode_incident(incident) for incident in expected]

    truth = demo_scenario().expectation
    assert truth is not None
    first_self_inflicted = next(i for i in live if i.status == "opened" and i.origin == "self_inflicted")
    assert first_self_inflicted.type == truth.types[0]
    assert first_self_inflicted.trigger is not None
    assert first_self_inflicted.trigger.event_id == truth.trigger_event_id, "the trigger is the brand's rude reply"
    assert truth.onset_ms <= first_self_inflicted.detected_at_ms <= truth.onset_ms + 30 * 60_000, (
        "detected within 30 minutes of onset (event time)"
    )

    text = scrape(pipeline)
    assert metric_value(text, "flarewatch_incident_events_total", brand=first_self_inflicted.brand,
                        incident_type=first_self_inflicted.type, status="opened") >= 1
