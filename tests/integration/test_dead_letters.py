"""``flarewatch dead-letters`` against the real broker: read the newest dead letters by reason,
and send the ones from the raw topic back to it."""

from __future__ import annotations

import pytest

from schemas.codec import InvalidEvent, RejectReason
from streams.cli import main
from streams.dead_letter import MAX_DEAD_LETTER_PAYLOAD_BYTES, Rejected, SourcePosition
from streams.kafka_admin import ensure_topics
from streams.kafka_clients import make_consumer, make_producer
from streams.settings import Settings
from streams.topics import topic_name

pytestmark = pytest.mark.kafka


def dead_letter(settings: Settings, payload: bytes, reason: RejectReason, source: str, offset: int) -> Rejected:
    return Rejected(payload, b"acme", InvalidEvent(reason, f"detail {offset}"), SourcePosition(topic_name(settings, source), 0, offset))


def test_dead_letters_prints_the_newest_by_reason_and_requeues_them(isolated_kafka_settings: Settings,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The runbook's FlarewatchDeadLetterRateHigh section had no command to read them."""
    settings = isolated_kafka_settings
    ensure_topics(settings)
    monkeypatch.setenv("FLAREWATCH_KAFKA_BOOTSTRAP", settings.bootstrap_servers)
    monkeypatch.setenv("FLAREWATCH_TOPIC_PREFIX", settings.topic_prefix)
    letters = [
        dead_letter(settings, b'{"id": "old"', RejectReason.BAD_JSON, "raw", 1),
        dead_letter(settings, b'{"id": "a", "kind": "like"}', RejectReason.BAD_VALUE, "raw", 2),
        dead_letter(settings, b'{"id": "b"', RejectReason.BAD_JSON, "raw", 3),
        dead_letter(settings, b'{"id": "enriched"}', RejectReason.BAD_JSON, "enriched", 4),
    ]
    huge = dead_letter(settings, b"x" * (MAX_DEAD_LETTER_PAYLOAD_BYTES + 100), RejectReason.OVERSIZED, "raw", 5)
    producer = make_producer(settings)
    for letter in [*letters, huge]:
        producer.send(topic_name(settings, "dead_letter"), key=letter.dead_letter_key(), value=letter.dead_letter_value(),
                      headers=letter.headers())
    producer.flush(60)
    producer.close()

    assert main(["dead-letters", "--last", "2", "--reason", "bad_json", "--requeue", "--timeout", "60"]) == 0
    out, err = capsys.readouterr()
    blocks = out.strip().split("\n\n")
    assert [block.splitlines()[0].split()[2:4] for block in blocks] == [["bad_json", "from"]] * 2
    assert f"from {topic_name(settings, 'raw')} partition 0 offset 3" in blocks[0]
    assert f"from {topic_name(settings, 'enriched')} partition 0 offset 4" in blocks[1]
    assert '  payload (10 bytes): {"id": "b"' in blocks[0] and "  detail: detail 3" in blocks[0]
    assert "requeued 1 to " in err and "1 left out (not from " in err

    consumer = make_consumer(settings, topic_name(settings, "raw"), group_id=None, consumer_timeout_ms=5000)
    requeued = [(message.key, message.value) for message in consumer]
    consumer.close()
    assert requeued == [(b"acme", b'{"id": "b"')]

    # A dead letter cut at the payload limit holds only the start of an oversized message.
    assert main(["dead-letters", "--last", "1", "--reason", "oversized", "--requeue", "--timeout", "60"]) == 0
    out, err = capsys.readouterr()
    assert f"payload ({MAX_DEAD_LETTER_PAYLOAD_BYTES} bytes of {MAX_DEAD_LETTER_PAYLOAD_BYTES + 100};" in out
    assert "requeued nothing; 1 left out (cut: only the start of an oversized message)" in err
