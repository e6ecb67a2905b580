"""The incident contract: the published JSON Schema, the golden examples and the codec agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from schemas.codec import ENCODE_OPTIONS, decode_incident, encode_incident, incident_to_dict
from schemas.records import INCIDENT_STATUSES, INCIDENT_TYPES

SCHEMAS = Path(__file__).parents[2] / "schemas"
INCIDENT_SCHEMA = json.loads((SCHEMAS / "json" / "incident.v1.json").read_text())
EXAMPLES = sorted((SCHEMAS / "examples" / "incidents" / "1").glob("*.json"))
VALIDATOR = jsonschema.Draft202012Validator(INCIDENT_SCHEMA, format_checker=jsonschema.FormatChecker())


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(INCIDENT_SCHEMA)


def test_examples_cover_every_type_and_status() -> None:
    examples = [orjson.loads(path.read_bytes()) for path in EXAMPLES]
    assert {example["type"] for example in examples} == set(INCIDENT_TYPES)
    assert {example["status"] for example in examples} == set(INCIDENT_STATUSES)
    assert {example["lang"] for example in examples} == {"en", "de"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_golden_example_validates_decodes_and_re_encodes_identically(path: Path) -> None:
    payload = path.read_bytes()
    data = orjson.loads(payload)
    VALIDATOR.validate(data)
    incident = decode_incident(payload)
    assert encode_incident(incident) == orjson.dumps(data, option=ENCODE_OPTIONS)


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads((SCHEMAS / "examples" / "incidents" / "1" / name).read_bytes())
    return data


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"level": "info"}, "level must follow severity"),
        ({"severity": 11}, "severity is 1-10"),
        ({"status": "resolved"}, "a resolved incident has resolved_at"),
        ({"origin": "brand"}, "origin is an enum"),
        ({"detected_at": "2026-03-05 10:01"}, "timestamps are RFC 3339 UTC with milliseconds"),
        ({"surprise": 1}, "no unknown fields"),
        ({"first_actions": []}, "every incident says what to do first"),
    ],
)
def test_schema_rejects_broken_incidents(change: dict[str, Any], why: str) -> None:
    data = {**_example("owned_post_backlash-opened.json"), **change}
    assert not VALIDATOR.is_valid(data), why


def test_every_incident_the_engine_emits_matches_the_schema() -> None:
    from detectors.engine import CrisisEngine
    from detectors.testing import T0_MS, enriched

    engine = CrisisEngine()
    events = [enriched("complaint", 0, negative=True, text="Train cancelled, no refund")]
    events.append(enriched("rude", 60_000, parent="complaint", role="agency", negative=True,
                           text="Not our problem. Read the terms."))
    events += [enriched(f"r{i}", 120_000 + 15_000 * i, parent="rude", root="complaint", negative=True,
                        text="Arrogant reply, disgraceful") for i in range(150)]
    state = engine.initial_state("acme", "de")
    incidents = []
    for event in events:
        state, output = engine.step(state, event)
        incidents += output.incidents
    state, output = engine.flush(state, T0_MS + 8 * 3_600_000)
    incidents += output.incidents
    assert {incident.status for incident in incidents} == set(INCIDENT_STATUSES)
    for incident in incidents:
        VALIDATOR.validate(incident_to_dict(incident))
