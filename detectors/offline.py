"""Offline runs: the live pipeline's enrichment and detection over a finite history.

Events are processed in event-time order (ties broken by id, so the order is
total and the run deterministic), one engine state per brand, exactly as the
``detect_crises`` agent does on a brand-keyed partition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from detectors.dedupe import RecentIds
from schemas.records import EnrichedEvent, Incident, RawEvent

if TYPE_CHECKING:
    from detectors.engine import BrandState, BucketReport, CrisisEngine
    from detectors.enrichment import Enricher
    from schemas.brands import BrandRegistry

ENRICH_CHUNK = 1000


@dataclass(slots=True)
class OfflineRun:
    enriched: list[EnrichedEvent] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    buckets: list[BucketReport] = field(default_factory=list)
    duplicates: int = 0
    """Events skipped because their brand had already seen their id."""
    off_topic: dict[str, int] = field(default_factory=dict)
    """Per brand, events skipped because they name the brand only inside an excluded phrase."""


def event_time_order(events: Iterable[RawEvent]) -> list[RawEvent]:
    return sorted(events, key=lambda event: (event.created_at_ms, event.id))


def run_offline(
    raw_events: Iterable[RawEvent],
    enricher: Enricher,
    engine: CrisisEngine,
    registry: BrandRegistry,
    *,
    flush: bool = True,
    keep_enriched: bool = True,
    progress: Callable[[int], None] | None = None,
) -> OfflineRun:
    """Enrich and detect; ``flush`` closes the last open buckets at the end of the history.

    An event whose id the brand saw among its last events is counted once, as in the worker;
    an event not about its brand (:meth:`Enricher.is_about_brand`) is skipped, as in the worker.
    """
    run = OfflineRun()
    ordered = []
    for event in event_time_order(raw_events):
        if enricher.is_about_brand(event):
            ordered.append(event)
        else:
            run.off_topic[event.brand] = run.off_topic.get(event.brand, 0) + 1
    states: dict[str, BrandState] = {}
    recent: dict[str, RecentIds] = {}
    for start in range(0, len(ordered), ENRICH_CHUNK):
        chunk = enricher.enrich_batch(ordered[start : start + ENRICH_CHUNK])
        for enriched in chunk:
            brand = enriched.event.brand
            if not recent.setdefault(brand, RecentIds()).remember(enriched.event.id):
                run.duplicates += 1
                continue
            state = states.get(brand)
            if state is None:
                state = engine.initial_state(brand, registry.language(brand), registry.timezone(brand))
            states[brand], output = engine.step(state, enriched)
            run.incidents.extend(output.incidents)
            run.buckets.extend(output.buckets)
        if keep_enriched:
            run.enriched.extend(chunk)
        if progress is not None:
            progress(len(chunk))
    if flush and ordered:
        watermark = ordered[-1].created_at_ms
        for brand in sorted(states):
            states[brand], output = engine.flush(states[brand], watermark)
            run.incidents.extend(output.incidents)
            run.buckets.extend(output.buckets)
    return run
