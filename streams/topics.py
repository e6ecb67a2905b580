"""Topics are data: one table from which the Faust app, the local broker and the docs are derived."""

from __future__ import annotations

from dataclasses import dataclass

from streams.settings import Settings


@dataclass(frozen=True, slots=True)
class TopicSpec:
    key: str
    suffix: str
    description: str
    retention_hours: int
    keyed_by: str
    partitions_from_settings: bool = True
    partitions: int = 1


TOPIC_SPECS: tuple[TopicSpec, ...] = (
    TopicSpec("raw", "events.raw", "Raw social events as producers send them (JSON, input contract v1).", 7 * 24, "brand (or none)"),
    TopicSpec("enriched", "events.enriched", "Validated events with language, sentiment, author role, reach.", 3 * 24, "brand"),
    TopicSpec("incidents", "incidents", "Incident events: opened / updated / resolved.", 30 * 24, "incident_id", partitions_from_settings=False, partitions=1),
    TopicSpec("dead_letter", "events.dead-letter", "Messages the worker could not process (invalid raw, unknown_brand, enrich_failed, undecodable enriched), original bytes, reason in headers.", 30 * 24, "as received", partitions_from_settings=False, partitions=1),
)


def topic_name(settings: Settings, key: str) -> str:
    spec = _SPECS_BY_KEY[key]
    return f"{settings.topic_prefix}.{spec.suffix}"


def topic_partitions(settings: Settings, key: str) -> int:
    spec = _SPECS_BY_KEY[key]
    return settings.partitions if spec.partitions_from_settings else spec.partitions


_SPECS_BY_KEY = {spec.key: spec for spec in TOPIC_SPECS}
