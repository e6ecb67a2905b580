"""The input contract: the codec and the published JSON Schema agree on every example."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.codec import (
    MAX_COUNT,
    MAX_EVENT_BYTES,
    RFC3339_SHAPE,
    InvalidEvent,
    RejectReason,
    decode_raw_event,
    encode_raw_event,
    format_timestamp,
    parse_timestamp_ms,
)

SCHEMAS = Path(__file__).parents[2] / "schemas"
RAW_SCHEMA = json.loads((SCHEMAS / "json" / "raw_event.v1.json").read_text())
RAW_EXAMPLES = sorted((SCHEMAS / "examples" / "raw-events" / "1").glob("*.json"))
VALIDATOR = jsonschema.Draft202012Validator(RAW_SCHEMA, format_checker=jsonschema.FormatChecker())

BASE = {
    "id": "e1",
    "platform": "twitter",
    "kind": "post",
    "brand": "acme",
    "created_at": "2026-03-01T12:00:00Z",
    "author": {"id": "u1"},
}


def with_changes(**changes: object) -> dict[str, object]:
    event = dict(BASE)
    for key, value in changes.items():
        if value is ...:
            event.pop(key)
        else:
            event[key] = value
    return event


def test_there_are_golden_examples() -> None:
    assert len(RAW_EXAMPLES) >= 4


@pytest.mark.parametrize("path", RAW_EXAMPLES, ids=lambda path: path.stem)
def test_golden_example_is_valid_for_schema_and_codec(path: Path) -> None:
    payload = path.read_bytes()
    VALIDATOR.validate(orjson.loads(payload))
    event = decode_raw_event(payload)
    assert decode_raw_event(encode_raw_event(event)) == event


INVALID = [
    ("missing id", with_changes(id=...), RejectReason.MISSING_FIELD),
    ("missing brand", with_changes(brand=...), RejectReason.MISSING_FIELD),
    ("missing created_at", with_changes(created_at=...), RejectReason.MISSING_FIELD),
    ("missing author", with_changes(author=...), RejectReason.MISSING_FIELD),
    ("missing author.id", with_changes(author={"handle": "x"}), RejectReason.MISSING_FIELD),
    ("id is a number", with_changes(id=17), RejectReason.WRONG_TYPE),
    ("empty brand", with_changes(brand="  "), RejectReason.BAD_VALUE),
    ("unknown platform", with_changes(platform="myspace"), RejectReason.BAD_VALUE),
    ("unknown kind", with_changes(kind="like"), RejectReason.BAD_VALUE),
    ("bad deleted_by", with_changes(kind="deletion", deleted_by="robot"), RejectReason.BAD_VALUE),
    ("followers negative", with_changes(author={"id": "u", "followers": -1}), RejectReason.BAD_VALUE),
    ("followers a string", with_changes(author={"id": "u", "followers": "many"}), RejectReason.WRONG_TYPE),
    ("followers a bool", with_changes(author={"id": "u", "followers": True}), RejectReason.WRONG_TYPE),
    ("followers a fraction", with_changes(author={"id": "u", "followers": 2.5}), RejectReason.WRONG_TYPE),
    ("followers 1e30", with_changes(author={"id": "u", "followers": 1e30}), RejectReason.BAD_VALUE),
    ("followers past 2**53 - 1", with_changes(author={"id": "u", "followers": MAX_COUNT + 1}), RejectReason.BAD_VALUE),
    ("likes negative", with_changes(metrics={"likes": -1.0}), RejectReason.BAD_VALUE),
    ("shares 1e30", with_changes(metrics={"shares": 1e30}), RejectReason.BAD_VALUE),
    ("replies a bool", with_changes(metrics={"replies": False}), RejectReason.WRONG_TYPE),
    ("verified a string", with_changes(author={"id": "u", "verified": "yes"}), RejectReason.WRONG_TYPE),
    ("metrics a list", with_changes(metrics=[1, 2]), RejectReason.WRONG_TYPE),
    ("text a number", with_changes(text=42), RejectReason.WRONG_TYPE),
    ("lang a number", with_changes(lang=1), RejectReason.WRONG_TYPE),
    ("timestamp garbage", with_changes(created_at="yesterday"), RejectReason.BAD_TIMESTAMP),
    ("timestamp without offset", with_changes(created_at="2026-03-01T12:00:00"), RejectReason.BAD_TIMESTAMP),
    ("timestamp in seconds", with_changes(created_at=1772366400), RejectReason.BAD_TIMESTAMP),
    ("timestamp a bool", with_changes(created_at=True), RejectReason.WRONG_TYPE),
    ("timestamp a fraction of a millisecond", with_changes(created_at=1772366400000.7), RejectReason.BAD_TIMESTAMP),
    ("timestamp in seconds with a fraction", with_changes(created_at=1772366400.25), RejectReason.BAD_TIMESTAMP),
    ("timestamp padded", with_changes(created_at=" 2026-03-01T12:00:00Z"), RejectReason.BAD_TIMESTAMP),
    # ISO 8601 forms that datetime.fromisoformat takes but RFC 3339 (and the schema's pattern) does not
    ("offset without colon", with_changes(created_at="2026-05-07T10:00:00+0100"), RejectReason.BAD_TIMESTAMP),
    ("offset in hours only", with_changes(created_at="2026-05-07T10:00:00+01"), RejectReason.BAD_TIMESTAMP),
    ("offset with seconds", with_changes(created_at="2026-05-07T10:00:00+01:00:30"), RejectReason.BAD_TIMESTAMP),
    ("basic format", with_changes(created_at="20260507T100000Z"), RejectReason.BAD_TIMESTAMP),
    ("week date", with_changes(created_at="2026-W19-4T10:00:00Z"), RejectReason.BAD_TIMESTAMP),
    ("hour only", with_changes(created_at="2026-05-07T10Z"), RejectReason.BAD_TIMESTAMP),
    ("decimal comma", with_changes(created_at="2026-05-07T10:00:00,5Z"), RejectReason.BAD_TIMESTAMP),
    ("non-ASCII digits", with_changes(created_at="\uff12\uff10\uff12\uff16-05-07T10:00:00Z"), RejectReason.BAD_TIMESTAMP),
    ("future schema version", with_changes(schema_version=2), RejectReason.UNSUPPORTED_VERSION),
    ("schema version a bool", with_changes(schema_version=True), RejectReason.WRONG_TYPE),
    ("schema version a string", with_changes(schema_version="1"), RejectReason.WRONG_TYPE),
    ("schema version null", with_changes(schema_version=None), RejectReason.WRONG_TYPE),
]


@pytest.mark.parametrize(("name", "event", "reason"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_event_is_rejected_by_codec_and_schema(name: str, event: dict[str, object], reason: RejectReason) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode_raw_event(orjson.dumps(event))
    assert caught.value.reason is reason
    assert not VALIDATOR.is_valid(event), f"JSON Schema accepts {name!r} but the worker rejects it"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b'"followers": 1e30', "author.followers 1e+30 is out of range: must be an integer 0..9007199254740991"),
        (b'"followers": 100000000000000000000000000000', "author.followers 1e+29 is out of range"),
        (b'"followers": -3', "author.followers -3 is out of range: must be an integer 0..9007199254740991"),
        (b'"followers": 2.5', "author.followers must be an integer, got 2.5"),
        (b'"followers": true', "author.followers must be an integer, got a boolean"),
    ],
    ids=["1e30", "past 64 bits", "negative", "fraction", "bool"],
)
def test_a_bad_count_says_what_is_wrong(payload: bytes, message: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode_raw_event(b'{"id": "e1", "platform": "twitter", "kind": "post", "brand": "acme", '
                         b'"created_at": 1772366400000, "author": {"id": "u1", ' + payload + b"}}")
    assert message in str(caught.value)


CODEC_ONLY = [
    ("after 2100", "2101-01-01T00:00:00Z"),
    ("a millisecond after 2100", "2100-01-01T00:00:00.001Z"),
    ("before 2000 in UTC", "2000-01-01T00:30:00+01:00"),
    ("no such day", "2026-02-30T10:00:00Z"),
    ("hour 24", "2026-05-07T24:00:00Z"),
    ("leap second", "2026-12-31T23:59:60Z"),
]


@pytest.mark.parametrize(("name", "timestamp"), CODEC_ONLY, ids=[case[0] for case in CODEC_ONLY])
def test_what_only_the_codec_checks_of_a_string_timestamp(name: str, timestamp: str) -> None:
    """The schema's string branch checks the shape; a real date and time in 2000-2100 (UTC)
    the codec alone, as the schema's description and README say. Both edges are inclusive."""
    assert VALIDATOR.is_valid(with_changes(created_at=timestamp))
    with pytest.raises(InvalidEvent) as caught:
        decode_raw_event(orjson.dumps(with_changes(created_at=timestamp)))
    assert caught.value.reason is RejectReason.BAD_TIMESTAMP


@pytest.mark.parametrize(
    "timestamp",
    ["2100-01-01T00:00:00Z", "2100-01-01T01:00:00+01:00", "2000-01-01T00:00:00Z", "1999-12-31T23:30:00-01:00",
     "2026-05-07t10:00:00z", "2026-05-07 10:00+01:00", "2026-05-07T10:00:00.123456789Z"],
)
def test_string_timestamps_both_accept(timestamp: str) -> None:
    VALIDATOR.validate(with_changes(created_at=timestamp))
    decode_raw_event(orjson.dumps(with_changes(created_at=timestamp)))


def test_the_codec_checks_the_shape_with_the_schema_pattern() -> None:
    string_branch = RAW_SCHEMA["properties"]["created_at"]["oneOf"][0]
    assert string_branch["pattern"] == f"^{RFC3339_SHAPE.pattern}$"


def test_an_offset_without_colon_says_so() -> None:
    with pytest.raises(InvalidEvent, match=r"is not RFC 3339 \(the UTC offset needs a colon, e\.g\. \+01:00\)"):
        decode_raw_event(orjson.dumps(with_changes(created_at="2026-05-07T10:00:00+0100")))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"schema_version": "1"}, "wrong_type: schema_version must be the integer 1, got a string"),
        ({"schema_version": True}, "wrong_type: schema_version must be the integer 1, got a boolean"),
        ({"schema_version": 2}, "unsupported_version: schema_version 2 is not supported (this worker reads 1)"),
        ({"created_at": 1772366400}, "created_at 1772366400 is outside 2000-2100 (epoch seconds, not milliseconds?)"),
        ({"created_at": 1772366400000000}, "outside 2000-2100 (microseconds, not milliseconds?)"),
        ({"created_at": "2101-01-01T00:00:00Z"}, "created_at '2101-01-01T00:00:00Z' is outside 2000-2100"),
        ({"created_at": 1772366400000.5}, "created_at 1772366400000.5 is not a whole number of epoch milliseconds"),
        ({"created_at": 1772366400.25},
         "created_at 1772366400.25 is not a whole number of epoch milliseconds (epoch seconds, not milliseconds?)"),
    ],
    ids=["version a string", "version a bool", "version 2", "seconds", "microseconds", "far-future string",
         "fraction of a millisecond", "seconds with a fraction"],
)
def test_a_rejection_says_what_is_wrong(changes: dict[str, object], message: str) -> None:
    """The unit hint fits numbers only: a far-future string is no unit mistake."""
    with pytest.raises(InvalidEvent) as caught:
        decode_raw_event(orjson.dumps({**BASE, **changes}))
    assert str(caught.value).endswith(message)


@pytest.mark.parametrize("number", [b"1772366400000", b"1772366400000.0", b"1.7723664e12", b"17723664000000e-1"])
def test_a_whole_number_of_milliseconds_is_accepted_by_codec_and_schema(number: bytes) -> None:
    """JSON Schema's integer, as for counts: how the number is written does not matter, its value does."""
    payload = orjson.dumps(with_changes(created_at=0)).replace(b'"created_at":0', b'"created_at":' + number)
    VALIDATOR.validate(json.loads(payload))
    assert decode_raw_event(payload).created_at_ms == 1772366400000


@pytest.mark.parametrize("count", [0, 5.0, 1e3, MAX_COUNT, float(MAX_COUNT)], ids=str)
def test_a_whole_number_count_is_accepted_by_codec_and_schema(count: float) -> None:
    """JSON Schema's integer is a number without a fraction (5.0, 1e3): the codec reads it as an int."""
    event = with_changes(author={"id": "u", "followers": count}, metrics={"likes": count, "shares": count, "replies": count})
    VALIDATOR.validate(event)
    decoded = decode_raw_event(orjson.dumps(event))
    assert decoded.author.followers == count and type(decoded.author.followers) is int
    assert decoded.metrics is not None and decoded.metrics.likes == count and type(decoded.metrics.likes) is int


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe{}", RejectReason.NOT_UTF8),
        (b'{"id": "\xff"}', RejectReason.NOT_UTF8),
        (b'{"text": "\xed\xa0\x80"}', RejectReason.NOT_UTF8),
        (b'{"text": "\xc3"}', RejectReason.NOT_UTF8),
        (b'{"id": "1", ', RejectReason.BAD_JSON),
        (b"", RejectReason.BAD_JSON),
        (b"[1, 2, 3]", RejectReason.NOT_AN_OBJECT),
        (b'"just a string"', RejectReason.NOT_AN_OBJECT),
        (b"{" + b" " * MAX_EVENT_BYTES + b"}", RejectReason.OVERSIZED),
    ],
    ids=["not utf-8", "not utf-8 in a valid object", "utf-8 encoded surrogate", "cut utf-8 sequence",
         "truncated json", "empty", "array", "string", "oversized"],
)
def test_unreadable_payloads_have_a_reason(payload: bytes, reason: RejectReason) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode_raw_event(payload)
    assert caught.value.reason is reason
    assert caught.value.detail


@pytest.mark.parametrize("lang", ["", "   ", None], ids=["empty", "blank", "null"])
def test_an_empty_lang_counts_as_absent_for_codec_and_schema(lang: str | None) -> None:
    """Platforms send "" for a language they do not know: accepted, and read as no tag, so
    enrichment detects it and the enriched event does not carry a tag that says nothing."""
    event = with_changes(lang=lang, text="Where is my refund?")
    VALIDATOR.validate(event)
    decoded = decode_raw_event(orjson.dumps(event))
    assert decoded.lang is None
    assert "lang" not in orjson.loads(encode_raw_event(decoded))


def test_a_lang_tag_is_kept_as_sent() -> None:
    assert decode_raw_event(orjson.dumps(with_changes(lang="de-DE"))).lang == "de-DE"


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, lambda payload: payload.decode()],
                         ids=["bytes", "bytearray", "memoryview", "str"])
def test_any_buffer_of_the_message_decodes_alike(kind: Callable[[bytes], object]) -> None:
    payload = orjson.dumps(BASE)
    assert decode_raw_event(kind(payload)) == decode_raw_event(payload)  # type: ignore[arg-type]


COMPACT = orjson.dumps(BASE)[:-1]
"""BASE without its closing brace, so a test can add pairs as a producer would write them."""

DUPLICATES = [
    ("brand twice", COMPACT + b',"brand":"globex"}', "brand"),
    ("the same brand twice", COMPACT + b',"brand":"acme"}', "brand"),
    ("spaced, as json.dumps writes", b'{"id": "e1", "brand": "acme", "brand": "globex"}', "brand"),
    ("pretty-printed", b'{\n  "brand" : "acme",\n  "brand" : "globex"\n}', "brand"),
    ("author.id twice", COMPACT + b',"author":{"id":"u1","id":"u2"}}', "id"),
    ("a count twice", COMPACT + b',"metrics":{"likes":1,"likes":1000000}}', "likes"),
    ("in an extra field's array", COMPACT + b',"tags":[{"k":1},{"k":1,"k":2}]}', "k"),
    ("a key spelt with an escape", COMPACT + b',"br\\u0061nd":"globex"}', "brand"),
    ("a colon escaped elsewhere evens out the count", COMPACT + b',"text":"a\\u003ab","brand":"globex"}', "brand"),
    ("created_at twice, the second a string", COMPACT.replace(b'"created_at":"2026-03-01T12:00:00Z"', b'"created_at":1772366400000,"created_at":"2026-03-01T12:00:00Z"') + b"}", "created_at"),
]


@pytest.mark.parametrize(("name", "payload", "key"), DUPLICATES, ids=[case[0] for case in DUPLICATES])
def test_a_key_twice_in_one_object_is_bad_json(name: str, payload: bytes, key: str) -> None:
    """orjson keeps the last value, Python's json too, other parsers the first or an error
    (RFC 8259 leaves it open): which event the message is depends on who reads it. The JSON
    Schema sees only a parser's result, so it cannot tell; its description states the rule."""
    with pytest.raises(InvalidEvent) as caught:
        decode_raw_event(payload)
    assert caught.value.reason is RejectReason.BAD_JSON
    assert caught.value.detail == f"key {key!r} appears twice in one object (JSON parsers disagree on which one counts)"
    assert "key twice" in RAW_SCHEMA["description"]


@pytest.mark.parametrize(
    "payload",
    [
        COMPACT + b',"text":"10:30: delayed again: \\"why?\\":"}',
        COMPACT + b',"text":"a\\u003ab \\\\u003a"}',
        COMPACT + b',"parent":{"author":{"id":"u0"}},"id:":"not the id"}',
        json.dumps({**BASE, "text": "Grüße: ✓", "tags": [{"k": 1}, {"k": 2}]}).encode(),
        json.dumps({**BASE, "text": "Grüße: ✓"}, ensure_ascii=False, indent=2).encode(),
        COMPACT + b',"deep":' + b"[" * 300 + b"]" * 300 + b"}",
    ],
    ids=["colons and quotes in a string", "escaped colon", "same key in different objects",
         "json.dumps ascii", "indented utf-8", "nested past orjson's encoder"],
)
def test_the_duplicate_key_check_passes_what_has_none(payload: bytes) -> None:
    decode_raw_event(payload)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(alphabet=":\\\"{}[], aé✓\n"),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(alphabet=':a"\\é', max_size=3), children, max_size=4),
    max_leaves=20,
)


@given(
    extra=st.dictionaries(st.text(alphabet=':a"\\é', max_size=3).map(lambda key: f"x{key}"), json_values, max_size=5),
    ensure_ascii=st.booleans(),
    separators=st.sampled_from([(",", ":"), (", ", ": "), (",", " : ")]),
    twice=st.sampled_from([None, "brand", "id", "x"]),
)
def test_the_duplicate_key_check_is_exact(
    extra: dict[str, object], ensure_ascii: bool, separators: tuple[str, str], twice: str | None
) -> None:
    """Whatever the spelling (escapes, spaces, colons inside strings), a message is rejected
    exactly when one of its objects names a key twice."""
    body = json.dumps({**BASE, **extra}, ensure_ascii=ensure_ascii, separators=separators)
    if twice is not None:
        body = body[:-1] + separators[0] + json.dumps(twice, ensure_ascii=ensure_ascii) + separators[1] + "1}"
    duplicate = twice is not None and (twice in BASE or twice in extra)
    try:
        decode_raw_event(body.encode())
    except InvalidEvent as error:
        assert duplicate and "appears twice" in error.detail, error
    else:
        assert not duplicate


def test_unknown_fields_are_kept() -> None:
    event = decode_raw_event(orjson.dumps({**BASE, "campaign": {"id": 7}, "source": "crawler"}))
    assert event.extra == {"campaign": {"id": 7}, "source": "crawler"}
    assert orjson.loads(encode_raw_event(event))["campaign"] == {"id": 7}


def test_epoch_milliseconds_and_offsets_give_the_same_instant() -> None:
    assert parse_timestamp_ms("2026-03-01T13:00:00+01:00") == parse_timestamp_ms(1772366400000)
    assert parse_timestamp_ms("2026-03-01T12:00:00.5Z") == 1772366400500


@given(st.integers(min_value=946_684_800_000, max_value=4_102_444_800_000))
def test_timestamp_round_trip(millis: int) -> None:
    assert parse_timestamp_ms(format_timestamp(millis)) == millis


identifiers = st.text(min_size=1, max_size=40).filter(lambda text: text.strip() != "")


@given(
    event_id=identifiers,
    brand=identifiers,
    text=st.one_of(st.none(), st.text(max_size=200)),
    followers=st.one_of(st.none(), st.integers(min_value=0, max_value=MAX_COUNT)),
    millis=st.integers(min_value=946_684_800_000, max_value=4_102_444_800_000),
)
def test_raw_event_round_trip(event_id: str, brand: str, text: str | None, followers: int | None, millis: int) -> None:
    obj = {**BASE, "id": event_id, "brand": brand, "created_at": millis, "author": {"id": "a", "followers": followers}}
    if text is not None:
        obj["text"] = text
    event = decode_raw_event(orjson.dumps(obj))
    assert decode_raw_event(encode_raw_event(event)) == event
