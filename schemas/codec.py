"""The one codec for flarewatch's topics.

``decode_raw_event`` turns producer bytes into a :class:`~schemas.records.RawEvent`
or raises :class:`InvalidEvent` with a :class:`RejectReason`; it never raises
anything else for bad input. The ``encode``/``decode_*`` pairs for enriched
events and incidents are exact inverses (tested by round-trip properties).
Output is orjson with sorted keys, so equal records give equal bytes.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, cast

import orjson

from schemas.records import (
    AUTHOR_ROLES,
    CLAIM_KINDS,
    DELETED_BY,
    EVENT_KINDS,
    INCIDENT_STATUSES,
    INCIDENT_TYPES,
    ORIGINS,
    PLATFORMS,
    SCHEMA_VERSION,
    SENTIMENT_LABELS,
    Author,
    AuthorClaim,
    Engagement,
    EnrichedEvent,
    Evidence,
    Incident,
    RawEvent,
    Sentiment,
    Trigger,
    level_for_severity,
)

MAX_EVENT_BYTES: Final = 256 * 1024
"""Raw events larger than this are rejected (a post with its metadata is a few KiB)."""

MAX_ID_LENGTH: Final = 512
MAX_COUNT: Final = 2**53 - 1
"""Largest follower or engagement count: the largest integer a JSON number carries exactly
(2**53 - 1; JavaScript's Number.MAX_SAFE_INTEGER); a larger one is a unit or overflow mistake."""
ENCODE_OPTIONS: Final = orjson.OPT_SORT_KEYS

# Timestamps before 2000 or after 2100 are almost always unit mistakes (seconds
# sent as milliseconds, or microseconds).
_MIN_TIME_MS: Final = 946_684_800_000
_MAX_TIME_MS: Final = 4_102_444_800_000
RFC3339_SHAPE: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
"""The pattern of ``created_at``'s string branch in ``raw_event.v1.json`` (full match).
:meth:`datetime.fromisoformat` alone also takes ISO 8601 forms RFC 3339 does not
(``+0100``, ``20260301T1200Z``, week dates), which the published schema rejects."""

_KNOWN_RAW_FIELDS: Final = frozenset(
    {
        "id", "platform", "kind", "brand", "created_at", "author", "text", "lang",
        "parent_id", "root_id", "deleted_by", "url", "metrics", "schema_version",
    }
)


class RejectReason(enum.StrEnum):
    """Why a raw message went to the dead-letter topic (a metric label: keep it small)."""

    OVERSIZED = "oversized"
    NOT_UTF8 = "not_utf8"
    BAD_JSON = "bad_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    BAD_VALUE = "bad_value"
    BAD_TIMESTAMP = "bad_timestamp"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_BRAND = "unknown_brand"
    """Valid by the contract, but for a brand the registry does not list (a typo, or a brand
    not added yet): each would otherwise get its own detector state and metric series."""
    ENRICH_FAILED = "enrich_failed"
    """Valid by the contract, but enrichment raised on it (a bug to report, not bad input)."""


class InvalidEvent(ValueError):
    """A message that does not satisfy the input contract."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


# --------------------------------------------------------------------------- time

def parse_timestamp_ms(value: object, field_name: str = "created_at") -> int:
    """RFC 3339 string or epoch milliseconds to epoch milliseconds.

    A number must be a whole number of milliseconds, as JSON Schema's ``integer``:
    ``1772366400000.0`` and ``1.7723664e12`` are the same instant as ``1772366400000``;
    a fraction (``1772366400000.5``, or seconds such as ``1772366400.25``) is rejected,
    not rounded, since either is a producer's unit or rounding mistake. JSON numbers are
    read as doubles, so a fraction below about 1/4096 ms is gone before anyone checks it.

    >>> parse_timestamp_ms("2026-03-01T12:00:00Z")
    1772366400000
    >>> parse_timestamp_ms(1772366400000.0)
    1772366400000
    >>> parse_timestamp_ms(1772366400.25)
    Traceback (most recent call last):
    ...
    schemas.codec.InvalidEvent: bad_timestamp: created_at 1772366400.25 is not a whole number of epoch milliseconds (epoch seconds, not milliseconds?)
    """
    if isinstance(value, bool):
        raise InvalidEvent(RejectReason.WRONG_TYPE, f"{field_name} must be an RFC 3339 string or epoch milliseconds, got a boolean")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidEvent(RejectReason.BAD_TIMESTAMP, f"{field_name} is not a finite number")
        if isinstance(value, float) and not value.is_integer():
            seconds = " (epoch seconds, not milliseconds?)" if _MIN_TIME_MS <= value * 1000 <= _MAX_TIME_MS else ""
            raise InvalidEvent(
                RejectReason.BAD_TIMESTAMP, f"{field_name} {value!r} is not a whole number of epoch milliseconds{seconds}"
            )
        millis = int(value)
    elif isinstance(value, str):
        text = value
        if not text.strip():
            raise InvalidEvent(RejectReason.BAD_TIMESTAMP, f"{field_name} is empty")
        if text != text.strip():
            raise InvalidEvent(RejectReason.BAD_TIMESTAMP, f"{field_name} {value!r} has spaces around it (not RFC 3339)")
        if not RFC3339_SHAPE.fullmatch(text):
            colon = " (the UTC offset needs a colon, e.g. +01:00)" if re.search(r"[+-][0-9]{4}$", text) else ""
            raise InvalidEvent(RejectReason.BAD_TIMESTAMP, f"{field_name} {value!r} is not RFC 3339{colon}")
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidEvent(RejectReason.BAD_TIMESTAMP, f"{field_name} {value!r} is not RFC 3339") from None
        if parsed.tzinfo is None:
            raise InvalidEvent(RejectReason.BAD_TIMESTAMP, f"{field_name} {value!r} has no UTC offset")
        millis = round(parsed.timestamp() * 1000)
    else:
        raise InvalidEvent(RejectReason.WRONG_TYPE, f"{field_name} must be an RFC 3339 string or epoch milliseconds, got {type(value).__name__}")
    if not _MIN_TIME_MS <= millis <= _MAX_TIME_MS:
        unit = ""
        if not isinstance(value, str):  # a unit mistake is a number's; a string says its year
            unit = " (epoch seconds, not milliseconds?)" if millis < _MIN_TIME_MS else " (microseconds, not milliseconds?)"
        raise InvalidEvent(RejectReason.BAD_TIMESTAMP, f"{field_name} {value!r} is outside 2000-2100{unit}")
    return millis


def format_timestamp(millis: int) -> str:
    """Epoch milliseconds to RFC 3339 UTC with millisecond precision.

    >>> format_timestamp(1772366400123)
    '2026-03-01T12:00:00.123Z'
    """
    moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


# ------------------------------------------------------------------ field readers

def _required_str(obj: Mapping[str, Any], key: str, prefix: str = "") -> str:
    if key not in obj or obj[key] is None:
        raise InvalidEvent(RejectReason.MISSING_FIELD, f"{prefix}{key} is required")
    value = obj[key]
    if not isinstance(value, str):
        raise InvalidEvent(RejectReason.WRONG_TYPE, f"{prefix}{key} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidEvent(RejectReason.BAD_VALUE, f"{prefix}{key} must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidEvent(RejectReason.BAD_VALUE, f"{prefix}{key} is longer than {MAX_ID_LENGTH} characters")
    return value


def _optional_str(obj: Mapping[str, Any], key: str, prefix: str = "") -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidEvent(RejectReason.WRONG_TYPE, f"{prefix}{key} must be a string, got {type(value).__name__}")
    return value


def _optional_tag(obj: Mapping[str, Any], key: str) -> str | None:
    """An optional string in which blank means absent: platforms send ``""`` for a tag they
    do not know, and one spelling of "no tag" lets enrichment detect the language."""
    value = _optional_str(obj, key)
    return value if value is not None and value.strip() else None


def _optional_count(obj: Mapping[str, Any], key: str, prefix: str = "") -> int | None:
    """A whole number 0..MAX_COUNT, as JSON Schema's ``integer``: ``5.0`` and ``1e3`` are
    whole numbers too, and orjson reads an integer past 64 bits as a float."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidEvent(RejectReason.WRONG_TYPE, f"{prefix}{key} must be an integer, got a boolean")
    if isinstance(value, float) and not value.is_integer():
        raise InvalidEvent(RejectReason.WRONG_TYPE, f"{prefix}{key} must be an integer, got {value!r}")
    if not isinstance(value, int | float):
        raise InvalidEvent(RejectReason.WRONG_TYPE, f"{prefix}{key} must be an integer, got {type(value).__name__}")
    if not 0 <= value <= MAX_COUNT:
        raise InvalidEvent(RejectReason.BAD_VALUE, f"{prefix}{key} {value!r} is out of range: must be an integer 0..{MAX_COUNT}")
    return int(value)


def _choice(obj: Mapping[str, Any], key: str, choices: tuple[str, ...], required: bool) -> str | None:
    value = _required_str(obj, key) if required else _optional_str(obj, key)
    if value is not None and value not in choices:
        raise InvalidEvent(RejectReason.BAD_VALUE, f"{key} {value!r} is not one of {', '.join(choices)}")
    return value


def _json_type(value: object) -> str:
    """The JSON name of a decoded value's type, with its article, for messages.

    >>> _json_type("1"), _json_type(True), _json_type(None)
    ('a string', 'a boolean', 'null')
    """
    names = {str: "a string", bool: "a boolean", type(None): "null", list: "an array", dict: "an object"}
    return names.get(type(value), "a number")


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen.add(key)
    return dict(pairs)


_ESCAPED_COLON: Final = re.compile(rb"\\u003[aA]")


def _reject_duplicate_keys(data: bytes, value: Any) -> None:
    """Raise ``bad_json`` if an object in ``data`` names a key twice.

    orjson keeps the last of two ``"brand"`` keys, other parsers the first or an error
    (RFC 8259 leaves it open), so such a message means different events to different readers.
    The check is a re-encode and two byte counts (0.5 to 1 us, 5 to 10 % of decoding an
    event: ``benchmarks/bench_decode.py``): each
    ``:`` outside a string stands for one key, so ``data`` has as many colons as orjson's
    encoding of ``value`` unless a pair was dropped (its colon goes, and those in its
    strings) or a colon was escaped as ``\\u003a`` (encoded back as a plain one). Only
    then, or when orjson cannot encode what it read (nested over 254 levels), does the
    exact and slower parse of the standard library run.
    """
    try:
        encoded = orjson.dumps(value)
    except orjson.JSONEncodeError:
        encoded = b""
    if data == encoded:  # orjson's own spelling, as compact producers write: nothing dropped
        return
    escaped_colon = 0x5C in data and _ESCAPED_COLON.search(data) is not None  # an int: memchr
    if not escaped_colon and data.count(b":") == encoded.count(b":"):
        return
    try:
        json.loads(data, object_pairs_hook=_unique_keys)
    except _DuplicateKey as duplicate:
        raise InvalidEvent(
            RejectReason.BAD_JSON,
            f"key {duplicate.key[:100]!r} appears twice in one object (JSON parsers disagree on which one counts)",
        ) from None
    except (RecursionError, ValueError) as error:
        raise InvalidEvent(RejectReason.BAD_JSON, f"could not check for duplicate keys: {error}") from None


def _loads(payload: bytes | str) -> Any:
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise InvalidEvent(RejectReason.BAD_JSON, f"not valid JSON: {error}") from None


# ---------------------------------------------------------------------- raw events

def decode_raw_event(payload: bytes | bytearray | memoryview | str) -> RawEvent:
    """Validate one producer message against the input contract."""
    return raw_event_from_dict(parse_raw_payload(payload))


def parse_raw_payload(payload: bytes | bytearray | memoryview | str) -> Any:
    """The JSON value of a producer message, after the size, UTF-8 and unique-key checks
    of the contract.

    The first half of :func:`decode_raw_event`, for callers that also need the value
    of a message :func:`raw_event_from_dict` rejects (``produce`` keys it by brand).
    """
    if isinstance(payload, str):
        payload = payload.encode("utf-8", errors="surrogatepass")
    data = payload if isinstance(payload, bytes) else bytes(payload)
    if len(data) > MAX_EVENT_BYTES:
        raise InvalidEvent(RejectReason.OVERSIZED, f"{len(data)} bytes is more than the {MAX_EVENT_BYTES} allowed")
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        pass  # orjson rejects any input that is not all UTF-8: only now is it worth asking
    else:
        _reject_duplicate_keys(data, value)
        return value
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidEvent(RejectReason.NOT_UTF8, f"byte {error.start} is not UTF-8") from None
    return _loads(data)


def raw_event_from_dict(obj: Any) -> RawEvent:
    if not isinstance(obj, dict):
        raise InvalidEvent(RejectReason.NOT_AN_OBJECT, f"a message must be a JSON object, got {type(obj).__name__}")
    version = obj.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int | float):
        raise InvalidEvent(
            RejectReason.WRONG_TYPE,
            f"schema_version must be the integer {SCHEMA_VERSION}, got {_json_type(version)}",
        )
    if version != SCHEMA_VERSION:
        raise InvalidEvent(RejectReason.UNSUPPORTED_VERSION, f"schema_version {version!r} is not supported (this worker reads {SCHEMA_VERSION})")
    author_obj = obj.get("author")
    if author_obj is None:
        raise InvalidEvent(RejectReason.MISSING_FIELD, "author.id is required")
    if not isinstance(author_obj, dict):
        raise InvalidEvent(RejectReason.WRONG_TYPE, f"author must be an object, got {type(author_obj).__name__}")
    verified = author_obj.get("verified")
    if verified is not None and not isinstance(verified, bool):
        raise InvalidEvent(RejectReason.WRONG_TYPE, "author.verified must be a boolean")
    author = Author(
        id=_required_str(author_obj, "id", "author."),
        handle=_optional_str(author_obj, "handle", "author."),
        followers=_optional_count(author_obj, "followers", "author."),
        verified=verified,
    )
    metrics_obj = obj.get("metrics")
    metrics = None
    if metrics_obj is not None:
        if not isinstance(metrics_obj, dict):
            raise InvalidEvent(RejectReason.WRONG_TYPE, "metrics must be an object")
        metrics = Engagement(
            likes=_optional_count(metrics_obj, "likes", "metrics."),
            shares=_optional_count(metrics_obj, "shares", "metrics."),
            replies=_optional_count(metrics_obj, "replies", "metrics."),
        )
    if "created_at" not in obj or obj["created_at"] is None:
        raise InvalidEvent(RejectReason.MISSING_FIELD, "created_at is required")
    kind = _choice(obj, "kind", EVENT_KINDS, required=True)
    deleted_by = _choice(obj, "deleted_by", DELETED_BY, required=False)
    return RawEvent(
        id=_required_str(obj, "id"),
        platform=cast(Any, _choice(obj, "platform", PLATFORMS, required=True)),
        kind=cast(Any, kind),
        brand=_required_str(obj, "brand"),
        created_at_ms=parse_timestamp_ms(obj["created_at"]),
        author=author,
        text=_optional_str(obj, "text"),
        lang=_optional_tag(obj, "lang"),
        parent_id=_optional_str(obj, "parent_id"),
        root_id=_optional_str(obj, "root_id"),
        deleted_by=cast(Any, deleted_by),
        url=_optional_str(obj, "url"),
        metrics=metrics,
        extra={key: value for key, value in obj.items() if key not in _KNOWN_RAW_FIELDS},
    )


def raw_event_to_dict(event: RawEvent) -> dict[str, Any]:
    obj: dict[str, Any] = dict(event.extra)
    author: dict[str, Any] = {"id": event.author.id}
    for key in ("handle", "followers", "verified"):
        value = getattr(event.author, key)
        if value is not None:
            author[key] = value
    obj.update(
        id=event.id,
        platform=event.platform,
        kind=event.kind,
        brand=event.brand,
        created_at=format_timestamp(event.created_at_ms),
        author=author,
    )
    for key in ("text", "lang", "parent_id", "root_id", "deleted_by", "url"):
        value = getattr(event, key)
        if value is not None:
            obj[key] = value
    if event.metrics is not None:
        obj["metrics"] = {
            key: getattr(event.metrics, key)
            for key in ("likes", "shares", "replies")
            if getattr(event.metrics, key) is not None
        }
    return obj


def encode_raw_event(event: RawEvent) -> bytes:
    return orjson.dumps(raw_event_to_dict(event), option=ENCODE_OPTIONS)


# ----------------------------------------------------------------- enriched events

def enriched_event_to_dict(enriched: EnrichedEvent) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "schema_version": enriched.schema_version,
        "event": raw_event_to_dict(enriched.event),
        "lang": enriched.lang,
        "author_role": enriched.author_role,
        "reach": enriched.reach,
        "sentiment": {
            "label": enriched.sentiment.label,
            "score": enriched.sentiment.score,
            "model_version": enriched.sentiment.model_version,
        },
        "author_claim": None,
    }
    if enriched.author_claim is not None:
        obj["author_claim"] = {"kind": enriched.author_claim.kind, "cue": enriched.author_claim.cue}
    return obj


def encode_enriched_event(enriched: EnrichedEvent) -> bytes:
    return orjson.dumps(enriched_event_to_dict(enriched), option=ENCODE_OPTIONS)


def enriched_event_from_dict(obj: Any) -> EnrichedEvent:
    try:
        sentiment = obj["sentiment"]
        claim = obj.get("author_claim")
        label = sentiment["label"]
        role = obj["author_role"]
        if label not in SENTIMENT_LABELS or role not in AUTHOR_ROLES:
            raise InvalidEvent(RejectReason.BAD_VALUE, f"unknown sentiment label {label!r} or author role {role!r}")
        if claim is not None and claim["kind"] not in CLAIM_KINDS:
            raise InvalidEvent(RejectReason.BAD_VALUE, f"unknown author claim {claim['kind']!r}")
        return EnrichedEvent(
            event=raw_event_from_dict(obj["event"]),
            lang=obj.get("lang"),
            author_role=role,
            reach=float(obj["reach"]),
            sentiment=Sentiment(label=label, score=float(sentiment["score"]), model_version=str(sentiment["model_version"])),
            author_claim=None if claim is None else AuthorClaim(kind=claim["kind"], cue=str(claim["cue"])),
            schema_version=int(obj.get("schema_version", SCHEMA_VERSION)),
        )
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, InvalidEvent):
            raise
        raise InvalidEvent(RejectReason.MISSING_FIELD, f"enriched event is malformed: {error!r}") from None


def decode_enriched_event(payload: bytes | str) -> EnrichedEvent:
    return enriched_event_from_dict(_loads(payload))


# ----------------------------------------------------------------------- incidents

def incident_to_dict(incident: Incident) -> dict[str, Any]:
    evidence = incident.evidence
    trigger = incident.trigger
    return {
        "schema_version": incident.schema_version,
        "incident_id": incident.incident_id,
        "status": incident.status,
        "brand": incident.brand,
        "type": incident.type,
        "origin": incident.origin,
        "severity": incident.severity,
        "level": level_for_severity(incident.severity),
        "started_at": format_timestamp(incident.started_at_ms),
        "detected_at": format_timestamp(incident.detected_at_ms),
        "updated_at": format_timestamp(incident.updated_at_ms),
        "resolved_at": None if incident.resolved_at_ms is None else format_timestamp(incident.resolved_at_ms),
        "trigger": None if trigger is None else {
            "event_id": trigger.event_id,
            "author_role": trigger.author_role,
            "url": trigger.url,
            "kind": trigger.kind,
            "excerpt": trigger.excerpt,
        },
        "evidence": {
            "observed": evidence.observed,
            "expected": evidence.expected,
            "window_seconds": evidence.window_seconds,
            "negative_events": evidence.negative_events,
            "total_events": evidence.total_events,
            "top_terms": list(evidence.top_terms),
            "platforms": dict(evidence.platforms),
            "sample_event_ids": list(evidence.sample_event_ids),
        },
        "summary": incident.summary,
        "lang": incident.lang,
        "first_actions": list(incident.first_actions),
    }


def encode_incident(incident: Incident) -> bytes:
    return orjson.dumps(incident_to_dict(incident), option=ENCODE_OPTIONS)


def incident_from_dict(obj: Any) -> Incident:
    try:
        if obj["type"] not in INCIDENT_TYPES or obj["status"] not in INCIDENT_STATUSES or obj["origin"] not in ORIGINS:
            raise InvalidEvent(RejectReason.BAD_VALUE, f"unknown type/status/origin {obj['type']!r}/{obj['status']!r}/{obj['origin']!r}")
        evidence = obj["evidence"]
        trigger = obj.get("trigger")
        resolved_at = obj.get("resolved_at")
        return Incident(
            incident_id=obj["incident_id"],
            status=obj["status"],
            brand=obj["brand"],
            type=obj["type"],
            origin=obj["origin"],
            severity=int(obj["severity"]),
            started_at_ms=parse_timestamp_ms(obj["started_at"], "started_at"),
            detected_at_ms=parse_timestamp_ms(obj["detected_at"], "detected_at"),
            updated_at_ms=parse_timestamp_ms(obj["updated_at"], "updated_at"),
            resolved_at_ms=None if resolved_at is None else parse_timestamp_ms(resolved_at, "resolved_at"),
            evidence=Evidence(
                observed=float(evidence["observed"]),
                expected=float(evidence["expected"]),
                window_seconds=int(evidence["window_seconds"]),
                negative_events=int(evidence["negative_events"]),
                total_events=int(evidence["total_events"]),
                top_terms=tuple(evidence.get("top_terms", ())),
                platforms=dict(evidence.get("platforms", {})),
                sample_event_ids=tuple(evidence.get("sample_event_ids", ())),
            ),
            summary=obj["summary"],
            lang=obj.get("lang", "en"),
            trigger=None if trigger is None else Trigger(
                event_id=trigger["event_id"],
                author_role=trigger["author_role"],
                url=trigger.get("url"),
                kind=trigger.get("kind"),
                excerpt=trigger.get("excerpt"),
            ),
            first_actions=tuple(obj.get("first_actions", ())),
            schema_version=int(obj.get("schema_version", SCHEMA_VERSION)),
        )
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, InvalidEvent):
            raise
        raise InvalidEvent(RejectReason.MISSING_FIELD, f"incident is malformed: {error!r}") from None


def decode_incident(payload: bytes | str) -> Incident:
    return incident_from_dict(_loads(payload))
