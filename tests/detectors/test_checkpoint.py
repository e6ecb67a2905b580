from __future__ import annotations

import dataclasses
import doctest

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detectors.checkpoint
from detectors.checkpoint import CheckpointError, decode_checkpoint, encode_checkpoint
from detectors.dedupe import RecentIds
from detectors.engine import BrandState, CrisisEngine, brand_state_to_dict
from detectors.testing import T0_MS, enriched

MINUTE = 60_000


def test_docstring_examples_run() -> None:
    assert doctest.testmod(detectors.checkpoint).failed == 0


def _busy_state() -> BrandState:
    engine = CrisisEngine()
    state = engine.initial_state("acme", "de")
    for i in range(40):
        state, _ = engine.step(state, enriched(f"e{i}", T0_MS + i * MINUTE, negative=i % 3 == 0))
    return state


def test_a_busy_state_and_its_recent_ids_round_trip_byte_for_byte() -> None:
    state = _busy_state()
    recent = RecentIds(f"e{i}" for i in range(40))
    payload = encode_checkpoint(state, recent)
    restored, restored_ids = decode_checkpoint(payload)
    assert restored == state
    assert restored_ids.to_list() == recent.to_list()
    assert encode_checkpoint(restored, restored_ids) == payload


def test_bounded_maps_keep_their_order_through_a_checkpoint() -> None:
    # Aliases are forgotten least recently used first: a restored state in another order
    # would forget other entries than the uninterrupted run and drift from it.
    state = _busy_state()
    ordered = {"zz-reply": "t1", "aa-reply": "t2", "mm-reply": "t1"}
    state = dataclasses.replace(state, threads=dataclasses.replace(state.threads, aliases=ordered))
    restored, _ = decode_checkpoint(encode_checkpoint(state, RecentIds()))
    assert list(restored.threads.aliases or {}) == ["zz-reply", "aa-reply", "mm-reply"]


def test_checkpoints_written_before_the_format_number_still_load() -> None:
    state = _busy_state()
    legacy = orjson.dumps({"state": brand_state_to_dict(state), "recent_ids": ["e1"]})
    restored, recent = decode_checkpoint(legacy)
    assert restored == state and "e1" in recent


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\xff\x00", "not JSON"),
        (b"[1, 2]", "JSON list"),
        (b'{"format": 2, "state": {}, "recent_ids": []}', "format 2 is not 1"),
        (b'{"recent_ids": []}', "lacks state"),
        (b'{"state": {}, "recent_ids": [1]}', "not a list of strings"),
        (b'{"state": [], "recent_ids": []}', "state is not an object"),
        (b'{"state": {"version": 99}, "recent_ids": []}', "state is unreadable"),
        (b'{"state": {"brand": "acme"}, "recent_ids": []}', "state is unreadable"),
    ],
)
def test_unreadable_checkpoints_raise_one_error_type_with_the_reason(payload: bytes, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        decode_checkpoint(payload)


JUNK = (st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text(max_size=3)
        | st.lists(st.integers(min_value=0, max_value=9), max_size=2)
        | st.dictionaries(st.text(max_size=3), st.integers(min_value=0, max_value=9), max_size=2))
REAL_STATE = brand_state_to_dict(_busy_state())


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(REAL_STATE)), JUNK)
def test_a_state_with_any_field_damaged_raises_checkpoint_error_and_nothing_else(key: str, junk: object) -> None:
    damaged = {**REAL_STATE, key: junk}
    payload = orjson.dumps({"format": 1, "state": damaged, "recent_ids": []})
    try:
        state, _ = decode_checkpoint(payload)
    except CheckpointError:
        return
    assert isinstance(state, BrandState)
