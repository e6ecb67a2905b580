from __future__ import annotations

from collections.abc import Sequence

import orjson

from schemas.records import EnrichedEvent, RawEvent, Sentiment
from streams.dead_letter import (
    HEADER_REASON,
    HEADER_SOURCE_OFFSET,
    RejectRatioWatch,
    SourcePosition,
    enrich_isolating_failures,
    split_unknown_brands,
    validate_messages,
)

VALID = orjson.dumps({"id": "1", "platform": "twitter", "kind": "post", "brand": "acme",
                      "created_at": 1772366400000, "author": {"id": "u"}})


def test_validate_keeps_order_and_original_bytes() -> None:
    source = SourcePosition("raw", 3, 41)
    valid, rejected = validate_messages([(b"k", VALID, source), (b"k2", b"{nope", source), (None, None, source)])
    assert [item.event.id for item in valid] == ["1"]
    assert valid[0].payload == VALID and valid[0].source == source
    assert [r.payload for r in rejected] == [b"{nope", b""]
    headers = dict(rejected[0].headers())
    assert headers[HEADER_REASON] == b"bad_json"
    assert headers[HEADER_SOURCE_OFFSET] == b"41"
    assert rejected[0].key == b"k2"


def test_a_message_with_a_key_twice_is_a_dead_letter_as_bad_json() -> None:
    """Found by an outside tester: two "brand" keys were read as the last one, unnoticed."""
    payload = VALID[:-1] + b',"brand":"globex"}'
    valid, rejected = validate_messages([(b"acme", payload, SourcePosition("raw", 0, 9))])
    assert not valid
    assert rejected[0].payload == payload
    assert dict(rejected[0].headers())[HEADER_REASON] == b"bad_json"
    assert "key 'brand' appears twice" in rejected[0].error.detail


def test_reject_ratio_needs_enough_messages_and_slides() -> None:
    watch = RejectRatioWatch(window=200, limit=0.5)
    for _ in range(60):
        watch.record(True)
    assert not watch.exceeded, "60 messages are too few to judge a producer"
    for _ in range(60):
        watch.record(True)
    assert watch.exceeded
    for _ in range(200):
        watch.record(False)
    assert watch.ratio == 0.0
    assert not watch.exceeded


def test_an_enrichment_failure_dead_letters_only_the_event_that_fails() -> None:
    source = SourcePosition("raw", 0, 7)
    messages = [(b"k", VALID.replace(b'"id":"1"', f'"id":"{n}"'.encode()), source) for n in ("1", "boom", "3")]
    valid, _ = validate_messages(messages)

    def enrich_batch(events: Sequence[RawEvent]) -> list[EnrichedEvent]:
        if any(event.id == "boom" for event in events):
            raise RuntimeError("tokeniser bug")
        return [EnrichedEvent(event, "en", "other", 0.0, Sentiment("neutral", 0.0, "t")) for event in events]

    enriched, failed = enrich_isolating_failures(enrich_batch, valid)
    assert [item.event.id for item in enriched] == ["1", "3"]
    assert len(failed) == 1
    assert failed[0].error.reason.value == "enrich_failed"
    assert "RuntimeError: tokeniser bug" in failed[0].error.detail
    assert failed[0].payload == messages[1][1], "the original bytes are kept"


def test_events_for_brands_the_registry_does_not_list_are_dead_letters_naming_the_brand() -> None:
    """Found by an outside operator: 300 events for misspelt brands made 6,000 new metric
    series and a detector state each, without a warning."""
    source = SourcePosition("raw", 0, 5)
    typo = VALID.replace(b'"acme"', b'"acme-rial"')
    valid, _ = validate_messages([(b"k", VALID, source), (b"t", typo, source)])
    listed, unknown = split_unknown_brands(valid, {"acme"})
    assert [item.event.brand for item in listed] == ["acme"]
    assert [dict(r.headers())[HEADER_REASON] for r in unknown] == [b"unknown_brand"]
    assert "'acme-rial' is not in the brand registry" in unknown[0].error.detail
    assert unknown[0].payload == typo and unknown[0].key == b"t"
