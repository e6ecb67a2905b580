"""A quiet brand's event time advancing with the clock (the worker's idle advance)."""

from __future__ import annotations

import pytest

from detectors.engine import BrandState, CrisisEngine
from detectors.testing import enriched
from schemas.brands import load_brand_registry
from streams.app import closing_watermark
from streams.jsonl import load_events
from streams.runtime import load_components
from streams.settings import Settings
from tests.demo_samples import DEMO_BRANDS, DEMO_EVENTS

MINUTE_MS = 60_000


def _stepped(engine: CrisisEngine, events: int) -> BrandState:
    state = engine.initial_state("acme", "en")
    for index in range(events):
        state, _ = engine.step(state, enriched(f"e{index}", index * 20_000, negative=index % 3 == 0))
    return state


@pytest.mark.parametrize("quiet_minutes", [1, 5, 6, 7, 13, 60])
def test_advance_closes_exactly_the_buckets_an_event_at_that_time_would_close(quiet_minutes: int) -> None:
    engine = CrisisEngine()
    state = _stepped(engine, 50)  # 16 min 40 s of events
    assert state.watermark_ms is not None
    target_ms = state.watermark_ms + quiet_minutes * MINUTE_MS

    _, advanced = engine.flush(state, closing_watermark(engine, target_ms))
    _, by_event = engine.step(state, enriched("late-comer", target_ms - state.watermark_ms + 49 * 20_000))

    assert [b.start_ms for b in advanced.buckets] == [b.start_ms for b in by_event.buckets]
    assert [(b.total, b.negative) for b in advanced.buckets] == [(b.total, b.negative) for b in by_event.buckets]


def test_a_quiet_brands_open_incident_resolves_when_its_time_advances() -> None:
    settings = Settings.from_env()
    components = load_components(settings, DEMO_BRANDS)
    registry = load_brand_registry(DEMO_BRANDS)
    events = load_events(DEMO_EVENTS).events[:1500]  # the incident is open and critical
    engine = components.engine
    state = engine.initial_state("acme-rail", registry.language("acme-rail"))
    opened = []
    for item in components.enricher.enrich_batch(events):
        state, output = engine.step(state, item)
        opened += [i for i in output.incidents if i.status == "opened"]
    assert [i.type for i in opened] == ["owned_post_backlash"]
    assert state.watermark_ms is not None

    resolved = []
    last_event_ms = state.watermark_ms
    for quiet_minutes in range(30, 24 * 60, 30):  # the worker's timer, every 30 min of quiet
        state, output = engine.flush(state, closing_watermark(engine, last_event_ms + quiet_minutes * MINUTE_MS))
        resolved += [i for i in output.incidents if i.status == "resolved"]
        if resolved:
            break
    assert [i.incident_id for i in resolved] == [opened[0].incident_id]
    assert not any(record.is_open for record in state.incidents.records)
    # The advance never moves the brand's clock past the quiet time.
    assert state.watermark_ms <= last_event_ms + quiet_minutes * MINUTE_MS
