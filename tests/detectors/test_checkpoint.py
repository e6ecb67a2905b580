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


def test_a_run_restored_from_a_checkpoint_at_every_event_pages_exactly_as_an_uninterrupted_one() -> None:
    """A rude reply's incident opens, escalates and resolves, and a second rude reply follows in
    the same thread: the thread flags, the paged brand post, term counts whose order decides
    what space-saving forgets, all must survive a restart at any point."""
    events = [enriched("q", T0_MS, author="anna", negative=True, text="Train cancelled, I want a refund"),
              enriched("rude", T0_MS + MINUTE, parent="q", role="owned", negative=True,
                       text="Not our problem. Read the terms.")]
    events += [enriched(f"r{i}", T0_MS + 2 * MINUTE + i * 40_000, parent="rude", root="q", author=f"angry{i}",
                        negative=True, text=f"Arrogant answer word{i % 50} refund{i % 7}") for i in range(60)]
    events += [enriched(f"quiet{i}", T0_MS + 3 * 3_600_000 + i * 10 * MINUTE, author=f"calm{i}",
                        text="Nice trip today") for i in range(12)]
    events.append(enriched("rude2", T0_MS + 5 * 3_600_000, parent="r3", root="q", role="agency", negative=True,
                           text="Stop whining, nobody forces you to travel with us."))
    events += [enriched(f"s{i}", T0_MS + 5 * 3_600_000 + (i + 1) * MINUTE, parent="rude2", root="q",
                        author=f"second{i}", negative=True, text="Unbelievable tone from the agency") for i in range(12)]
    engine = CrisisEngine()

    def run(restart: bool) -> list[object]:
        state, recent, pages = engine.initial_state("acme", "en"), RecentIds(), []
        for event in events:
            state, output = engine.step(state, event)
            pages += output.incidents
            if restart:
                state, recent = decode_checkpoint(encode_checkpoint(state, recent))
        state, output = engine.flush(state, events[-1].event.created_at_ms + 8 * 3_600_000)
        return pages + list(output.incidents)

    uninterrupted = run(restart=False)
    assert [(page.status, page.trigger.event_id if page.trigger else None) for page in uninterrupted
            if page.status != "updated"] == [("opened", "rude"), ("resolved", "rude"), ("opened", "rude2"), ("resolved", "rude2")]
    assert run(restart=True) == uninterrupted
