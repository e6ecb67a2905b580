from __future__ import annotations

import orjson

from streams.dead_letter import (
    HEADER_REASON,
    HEADER_SOURCE_OFFSET,
    RejectRatioWatch,
    SourcePosition,
    validate_messages,
)

VALID = orjson.dumps({"id": "1", "platform": "twitter", "kind": "post", "brand": "acme",
                      "created_at": 1772366400000, "author": {"id": "u"}})


def test_validate_keeps_order_and_original_bytes() -> None:
    source = SourcePosition("raw", 3, 41)
    valid, rejected = validate_messages([(b"k", VALID, source), (b"k2", b"{nope", source), (None, None, source)])
    assert [event.id for event in valid] == ["1"]
    assert [r.payload for r in rejected] == [b"{nope", b""]
    headers = dict(rejected[0].headers())
    assert headers[HEADER_REASON] == b"bad_json"
    assert headers[HEADER_SOURCE_OFFSET] == b"41"
    assert rejected[0].key == b"k2"


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
