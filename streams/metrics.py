"""All of flarewatch's Prometheus metrics, created in one place with an injected registry.

Base units (seconds), ``_total`` counters, bounded label sets. ``brand`` is a
label (brands come from the registry file, so the set is bounded); user ids and
handles never are. Detectors never import this module: agents translate
detector results into metric updates.

Each process exports only its own metrics: the worker :class:`Metrics`, the incident
forwarder :class:`ForwarderMetrics`. A worker gauge exported by the forwarder too
(``flarewatch_last_event_processed_timestamp_seconds 0``) made FlarewatchInputSilent
fire for the forwarder's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from schemas.codec import RejectReason
from schemas.records import INCIDENT_TYPES, LEVELS, SENTIMENT_LABELS

NAMESPACE = "flarewatch"
METRICS_ADDRESS = "0.0.0.0"
"""Where the worker and the forwarder serve /metrics: every interface, because Prometheus
scrapes workers on other hosts, and in the compose layout from another container."""
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True, slots=True)
class Metrics:
    registry: CollectorRegistry
    build_info: Info
    events_consumed: Counter
    events_rejected: Counter
    dead_letter_publish_failures: Counter
    publish_failures: Counter
    duplicate_events: Counter
    skipped_offsets: Counter
    events_enriched: Counter
    events_off_topic: Counter
    incident_events: Counter
    open_incidents: Gauge
    processing_latency: Histogram
    event_time_lag: Gauge
    last_event_time: Gauge
    negative_share: Gauge
    negative_share_baseline: Gauge
    last_bucket_negative_events: Gauge
    negative_events_baseline: Gauge
    detector_score: Gauge
    consumer_lag: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None, brands: tuple[str, ...] = ()) -> Metrics:
        registry = registry if registry is not None else CollectorRegistry()
        metrics = cls(
            registry=registry,
            build_info=Info("build", "flarewatch version and sentiment model version.", namespace=NAMESPACE, registry=registry),
            events_consumed=Counter(
                "events_consumed", "Messages consumed, by topic.", ["topic"], namespace=NAMESPACE, registry=registry,
            ),
            events_rejected=Counter(
                "events_rejected", "Raw messages sent to the dead-letter topic, by reason.", ["reason"],
                namespace=NAMESPACE, registry=registry,
            ),
            dead_letter_publish_failures=Counter(
                "dead_letter_publish_failures", "Rejected messages that could not be written to the dead-letter topic.",
                namespace=NAMESPACE, registry=registry,
            ),
            publish_failures=Counter(
                "publish_failures", "Messages Kafka did not accept (retried until it does), by topic.", ["topic"],
                namespace=NAMESPACE, registry=registry,
            ),
            duplicate_events=Counter(
                "duplicate_events", "Enriched events skipped by the detector because their id was already applied.",
                namespace=NAMESPACE, registry=registry,
            ),
            skipped_offsets=Counter(
                "skipped_offsets", "Offsets of the enriched topic the detector never received (a consumer fault, or "
                "retention deleted them unread): events lost to detection, by topic.", ["topic"],
                namespace=NAMESPACE, registry=registry,
            ),
            events_enriched=Counter(
                "events_enriched", "Events enriched, by brand, platform and sentiment label.", ["brand", "platform", "sentiment"],
                namespace=NAMESPACE, registry=registry,
            ),
            events_off_topic=Counter(
                "events_off_topic", "Events not enriched or counted because they name their brand only inside a phrase "
                "the brand registry excludes (a stadium, a namesake), by brand.", ["brand"],
                namespace=NAMESPACE, registry=registry,
            ),
            incident_events=Counter(
                "incident_events", "Incident events published, by brand, type, status, severity (1-10) and level.",
                ["brand", "incident_type", "status", "severity", "level"], namespace=NAMESPACE, registry=registry,
            ),
            open_incidents=Gauge(
                "open_incidents", "Incidents currently open (from the detector state), by brand, type and level.",
                ["brand", "incident_type", "level"], namespace=NAMESPACE, registry=registry,
            ),
            processing_latency=Histogram(
                "processing_latency_seconds", "Wall time from a message's Kafka timestamp to the end of its processing, by stage.",
                ["stage"], buckets=LATENCY_BUCKETS, namespace=NAMESPACE, registry=registry,
            ),
            event_time_lag=Gauge(
                "event_time_lag_seconds", "Wall clock minus the event time of the newest event processed, by brand.",
                ["brand"], namespace=NAMESPACE, registry=registry,
            ),
            last_event_time=Gauge(
                "last_event_processed_timestamp_seconds", "Wall-clock time the detector last processed an event.",
                namespace=NAMESPACE, registry=registry,
            ),
            negative_share=Gauge(
                "negative_share_ratio", "Share of negative events in the last closed bucket, by brand.", ["brand"],
                namespace=NAMESPACE, registry=registry,
            ),
            negative_share_baseline=Gauge(
                "negative_share_baseline_ratio", "The detector's baseline for the negative share, by brand.", ["brand"],
                namespace=NAMESPACE, registry=registry,
            ),
            last_bucket_negative_events=Gauge(
                "last_bucket_negative_events", "Negative events in the last closed bucket, by brand.", ["brand"],
                namespace=NAMESPACE, registry=registry,
            ),
            negative_events_baseline=Gauge(
                "negative_events_baseline", "The detector's expected negative events per bucket, by brand.", ["brand"],
                namespace=NAMESPACE, registry=registry,
            ),
            detector_score=Gauge(
                "detector_score", "Latest anomaly score in [0, 1], by brand and detector.", ["brand", "detector"],
                namespace=NAMESPACE, registry=registry,
            ),
            consumer_lag=Gauge(
                "consumer_lag_messages", "Messages in a partition not yet processed by this worker.", ["topic", "partition"],
                namespace=NAMESPACE, registry=registry,
            ),
        )
        metrics.precreate(brands)
        return metrics

    def precreate(self, brands: tuple[str, ...]) -> None:
        """Create every bounded label combination at start so rates exist from the first scrape."""
        for reason in RejectReason:
            self.events_rejected.labels(reason=reason.value)
        for stage in ("ingest", "enrich", "detect"):
            self.processing_latency.labels(stage=stage)
        for brand in brands:
            for label in SENTIMENT_LABELS:
                self.events_enriched.labels(brand=brand, platform="twitter", sentiment=label)
            self.events_off_topic.labels(brand=brand)
            for incident_type in INCIDENT_TYPES:
                for level in LEVELS:
                    self.open_incidents.labels(brand=brand, incident_type=incident_type, level=level).set(0)


@dataclass(frozen=True, slots=True)
class ForwarderMetrics:
    """The incident forwarder's metrics (``flarewatch incidents --forward``)."""

    registry: CollectorRegistry
    incidents_forwarded: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> ForwarderMetrics:
        registry = registry if registry is not None else CollectorRegistry()
        return cls(
            registry=registry,
            incidents_forwarded=Counter(
                "incidents_forwarded", "Incident events forwarded to a webhook, by outcome.", ["outcome"],
                namespace=NAMESPACE, registry=registry,
            ),
        )
