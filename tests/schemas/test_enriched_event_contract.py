from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from schemas.codec import decode_enriched_event, encode_enriched_event

SCHEMAS = Path(__file__).parents[2] / "schemas"
EXAMPLES = sorted((SCHEMAS / "examples" / "enriched-events" / "1").glob("*.json"))


def validator() -> jsonschema.Draft202012Validator:
    raw = json.loads((SCHEMAS / "json" / "raw_event.v1.json").read_text())
    enriched = json.loads((SCHEMAS / "json" / "enriched_event.v1.json").read_text())
    registry = Registry().with_resource(raw["$id"], Resource.from_contents(raw))
    return jsonschema.Draft202012Validator(enriched, registry=registry)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_enriched_example_validates_and_round_trips(path: Path) -> None:
    payload = path.read_bytes().strip()
    validator().validate(json.loads(payload))
    assert json.loads(encode_enriched_event(decode_enriched_event(payload))) == json.loads(payload)


def test_schema_rejects_unknown_role() -> None:
    example = json.loads(EXAMPLES[0].read_text())
    example["author_role"] = "ceo"
    assert not validator().is_valid(example)
