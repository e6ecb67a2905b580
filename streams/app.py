"""The Faust app: topics, the detector-state table and two agents, built from Settings.

``enrich_events`` (raw → enriched): validates raw bytes (bad input goes to the
dead-letter topic), then enriches in batches and re-keys by brand so that one
brand's events meet in one partition. ``detect_crises`` (enriched → incidents):
steps the brand's :class:`~detectors.engine.CrisisEngine` state, kept in the
``brand_to_detector_state`` table, and publishes incident events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import Any

import faust
from aiokafka.partitioner import murmur2

from detectors.checkpoint import CheckpointError, decode_checkpoint, encode_checkpoint
from detectors.dedupe import RecentIds
from detectors.engine import BrandState, CrisisEngine, EngineOutput
from detectors.enrichment import Enricher
from schemas.brands import BrandRegistry
from schemas.codec import (
    InvalidEvent,
    decode_enriched_event,
    encode_enriched_event,
    encode_incident,
)
from schemas.records import INCIDENT_TYPES, LEVELS, level_for_severity
from streams.acks import OffsetGaps, OrderedAcks, Pending
from streams.dead_letter import (
    Rejected,
    RejectRatioWatch,
    SourcePosition,
    enrich_isolating_failures,
    split_unknown_brands,
    validate_messages,
)
from streams.metrics import Metrics
from streams.settings import Settings
from streams.topics import TOPIC_SPECS, topic_name, topic_partitions

log = logging.getLogger("flarewatch.worker")

CHANGELOG_SEND_TIMEOUT_SECONDS = 30.0
"""How long a checkpoint waits for Kafka to take its changelog record before it gives up
(its events stay unacked and the next checkpoint tries again)."""

STATE_TABLE = "brand_to_detector_state"


class _App(faust.App):
    """A Faust app that runs its ``before_stop`` callbacks first when it stops, while the
    agents, the producer and the tables still work (Faust then stops the consumer and
    waits until every event it handed out is acked)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_stop: list[Callable[[], Awaitable[None]]] = []

    async def on_stop(self) -> None:
        for callback in self.before_stop:
            await callback()
        await super().on_stop()


@dataclass(slots=True)
class Pipeline:
    app: faust.App
    topics: dict[str, faust.TopicT]
    settings: Settings


def faust_broker_url(settings: Settings) -> str:
    hosts = [host.strip() for host in settings.bootstrap_servers.split(",") if host.strip()]
    return ";".join(f"kafka://{host}" for host in hosts)


def _broker_credentials(settings: Settings) -> Any:
    """Faust's spelling of the same validated options the CLI tools get from kafka_client_options()."""
    options = settings.kafka_client_options()
    if options["security_protocol"].startswith("SASL_"):
        ssl_context = None
        if options["security_protocol"] == "SASL_SSL":
            import ssl

            ssl_context = ssl.create_default_context(cafile=settings.ssl_cafile)
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password,
            mechanism=options["sasl_mechanism"],
            ssl_context=ssl_context,
        )
    if options["security_protocol"] == "SSL":
        import ssl

        return faust.SSLCredentials(ssl.create_default_context(cafile=settings.ssl_cafile))
    return None


def create_pipeline(
    settings: Settings,
    metrics: Metrics,
    registry: BrandRegistry,
    enricher: Enricher,
    engine: CrisisEngine,
) -> Pipeline:
    datadir = settings.home / "worker" / settings.worker_id
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = _App(
        settings.worker_id,
        broker=faust_broker_url(settings),
        broker_credentials=_broker_credentials(settings),
        store="memory://",
        datadir=str(datadir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        web_enabled=False,
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        key_serializer="raw",
        value_serializer="raw",
    )
    topics = {
        spec.key: app.topic(
            topic_name(settings, spec.key),
            partitions=topic_partitions(settings, spec.key),
            retention=timedelta(hours=spec.retention_hours),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
        )
        for spec in TOPIC_SPECS
    }
    raw_topic_name = topic_name(settings, "raw")
    state_table = app.Table(
        STATE_TABLE,
        default=None,
        partitions=topic_partitions(settings, "enriched"),
        key_type=bytes,
        value_type=bytes,
    )
    reject_watch = RejectRatioWatch(limit=settings.dead_letter_max_ratio)
    # Decoded detector states of the brands this worker serves. The table (and its
    # changelog) gets a checkpoint at most every state_checkpoint_seconds per brand and
    # whenever incidents are published; (de)serialising the state on every event costs
    # more than the detectors themselves. An enriched event is acked only once a
    # checkpoint holds it, acks go out in the order events were consumed on each partition
    # (streams.acks: Faust would commit past a single unacked head offset), and a
    # checkpoint's events are acked only once Kafka has the changelog record, so a
    # committed offset never runs ahead of the stored state: a crash re-reads what the
    # state lacks, and the recent-id window skips what it already has. (Faust flushes its
    # producer before a commit, but that flush gives up after 0.1 s without a send, so a
    # commit could overtake a checkpoint still in the buffer.)
    state_cache: dict[bytes, BrandSlot] = {}
    acks = OrderedAcks()
    offset_gaps = OffsetGaps()
    metrics.skipped_offsets.labels(topic=topic_name(settings, "enriched"))
    detect_stream: list[faust.StreamT[bytes]] = []
    gauges_from_table: set[bytes] = set()
    """Brands without events since the assignment whose open-incident gauges were read from the table."""
    stopping = False
    """Set when the worker stops: every event is checkpointed (and acked) at once from then on."""

    async def checkpoint_every_brand() -> None:
        # Faust's shutdown waits until every event is acked, and events are acked by
        # checkpoints, whose timer has already stopped by then: without this the stop
        # would hang until the service manager kills the worker.
        nonlocal stopping
        stopping = True
        for key, slot in list(state_cache.items()):
            async with slot.lock:
                if slot.unacked and state_cache.get(key) is slot:
                    await _checkpoint(key, slot, time.time())

    app.before_stop.append(checkpoint_every_brand)

    @app.on_rebalance_complete.connect  # type: ignore[arg-type]  # mypy matches no function to mode's SignalHandlerT
    async def hold_fetching_until_seeked(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        # faust-streaming 0.15.3 leaves the consumer fetching after the changelog recovery,
        # then resumes the stream partitions, seeks them to their committed offsets and
        # resumes flow control, which empties the agents' queues. Events fetched from the
        # resumed partitions before that reset were dropped: never processed, and a gap in
        # the acked offsets that Faust commits past (one event) or never (more).
        # test_restart lost them now and then. Stopped here, the consumer fetches nothing
        # until Faust resumes it, after the reset.
        app.consumer.stop_flow()
        # A timer, not a task: the worker's stop would wait for a task.
        waited = 2 * app.conf.broker_request_timeout
        asyncio.get_running_loop().call_later(
            waited, resume_if_recovery_gave_up, app, app.consumer_generation_id, waited
        )

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # mypy matches no function to mode's SignalHandlerT
    async def forget_states(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        # Another worker may own these brands now: its gauges are the truth, ours would
        # keep alerts firing after it resolves them.
        # Faust waited for every event to be acked before this signal, so each slot's
        # events are in its checkpoint.
        for key in state_cache.keys() | gauges_from_table:
            _forget_brand_gauges(metrics, key.decode())
        state_cache.clear()
        gauges_from_table.clear()
        acks.forget()
        offset_gaps.forget()

    @app.agent(topics["raw"], name="enrich_events")
    async def enrich_events(stream: faust.StreamT[bytes]) -> None:
        # faust.Stream has take_events and noack; the StreamT protocol does not declare them.
        async for events in stream.take_events(settings.enrich_batch_size, within=settings.enrich_batch_seconds):  # type: ignore[attr-defined]
            started = time.time()
            metrics.events_consumed.labels(topic=raw_topic_name).inc(len(events))
            valid, rejected = validate_messages(
                [
                    (
                        event.key if isinstance(event.key, bytes | None) else None,
                        event.value if isinstance(event.value, bytes) else None,
                        SourcePosition(raw_topic_name, event.message.partition, event.message.offset),
                    )
                    for event in events
                ]
            )
            accepted = valid
            valid, unknown = split_unknown_brands(accepted, registry.brands)
            rejected += unknown
            if unknown:
                names = sorted({item.event.brand for item in accepted} - registry.brands.keys())
                log.warning("%d events for brands not in the registry, dead-lettered (unknown_brand): %s",
                            len(unknown), ", ".join(repr(name) for name in names[:5]) + (" ..." if len(names) > 5 else ""))
            outgoing: list[Outgoing] = []
            for rejection in rejected:
                metrics.events_rejected.labels(reason=rejection.error.reason.value).inc()
                outgoing.append(Outgoing("dead_letter", rejection.dead_letter_key(), rejection.dead_letter_value(), rejection.headers()))
                reject_watch.record(True)
            for _ in valid:
                reject_watch.record(False)
            if rejected:
                log.warning("dead-lettered %d of %d messages (%s)", len(rejected), len(events),
                            ", ".join(sorted({r.error.reason.value for r in rejected})))
                if reject_watch.exceeded:
                    log.error("%.0f%% of the last messages were rejected: is a producer sending the wrong format?",
                              100 * reject_watch.ratio)
            _observe_latency(metrics, "ingest", events, started)
            about = [item for item in valid if enricher.is_about_brand(item.event)]
            if len(about) < len(valid):
                # Acknowledged with the batch, never forwarded: the raw topic still holds them.
                skipped = Counter(item.event.brand for item in valid) - Counter(item.event.brand for item in about)
                for brand, count in skipped.items():
                    metrics.events_off_topic.labels(brand=brand).inc(count)
                valid = about
            enriched, failed = enrich_isolating_failures(enricher.enrich_batch, valid)
            for rejection in failed:
                metrics.events_rejected.labels(reason=rejection.error.reason.value).inc()
                outgoing.append(Outgoing("dead_letter", rejection.dead_letter_key(), rejection.dead_letter_value(), rejection.headers()))
            for item in enriched:
                metrics.events_enriched.labels(
                    brand=item.event.brand, platform=item.event.platform, sentiment=item.sentiment.label
                ).inc()
                outgoing.append(Outgoing("enriched", item.event.brand.encode(), encode_enriched_event(item)))
            await _send_durably(outgoing)
            _observe_latency(metrics, "enrich", events, time.time())

    @app.agent(topics["enriched"], name="detect_crises")
    async def detect_crises(stream: faust.StreamT[bytes]) -> None:
        enriched_topic_name = topic_name(settings, "enriched")
        manual = stream.noack()  # type: ignore[attr-defined]
        detect_stream[:] = [manual]
        async for event in manual.events():
            metrics.events_consumed.labels(topic=enriched_topic_name).inc()
            skipped = offset_gaps.consumed(event.message.partition, event.message.offset,
                                           partial(_committed_offset, app, event.message.tp))
            if skipped:
                metrics.skipped_offsets.labels(topic=enriched_topic_name).inc(skipped)
                log.error("the detector never received %d event(s) before offset %d of %s partition %d: "
                          "they are not counted", skipped, event.message.offset, enriched_topic_name, event.message.partition)
            pending = acks.consumed(event.message.partition, event)
            try:
                enriched = decode_enriched_event(event.value)
            except InvalidEvent as error:
                rejection = Rejected(
                    payload=event.value if isinstance(event.value, bytes) else b"",
                    key=event.key if isinstance(event.key, bytes) else None,
                    error=error,
                    source=SourcePosition(enriched_topic_name, event.message.partition, event.message.offset),
                )
                metrics.events_rejected.labels(reason=error.reason.value).inc()
                await _send_durably([Outgoing("dead_letter", rejection.dead_letter_key(), rejection.dead_letter_value(), rejection.headers())])
                await _ack_ready(pending)
                continue
            brand = enriched.event.brand
            key = brand.encode()
            slot = state_cache.get(key)
            restored = slot is None
            if slot is None:
                slot = state_cache[key] = _restore_slot(state_table.get(key), brand, event.message.partition)
            if enriched.event.id in slot.recent_ids:
                # Re-read or re-enriched after a restart (at-least-once): already counted.
                metrics.duplicate_events.inc()
                await _ack_ready(pending)
                continue
            async with slot.lock:
                state, output = engine.step(slot.state, enriched)
                # Incidents are durable before the state that produced them is stored, so a
                # crash in between re-emits them (same incident_id) rather than losing them.
                # The slot changes only afterwards: the checkpoint timer may run meanwhile.
                await _publish(output)
                slot.state = state
                slot.recent_ids.remember(enriched.event.id)
                slot.unacked.append(pending)
                now = time.time()
                slot.last_event_at = now
                slot.last_event_ms = state.watermark_ms
                if output.incidents or stopping or now - slot.checkpointed_at >= settings.state_checkpoint_seconds:
                    await _checkpoint(key, slot, now)
            if output.incidents or restored:
                _set_open_incidents(metrics, brand, state)
            metrics.last_event_time.set(now)
            metrics.event_time_lag.labels(brand=brand).set(max(0.0, now - enriched.event.created_at_ms / 1000))
            _observe_latency(metrics, "detect", [event], now)

    @app.timer(interval=min(1.0, max(settings.state_checkpoint_seconds, 0.1)))  # type: ignore[untyped-decorator]
    async def checkpoint_quiet_brands() -> None:
        # A brand that went quiet still holds unacked events, which hold back the
        # partition's committed offset; a rebalance waits for every ack, so then all go now.
        now = time.time()
        for key, slot in list(state_cache.items()):
            if slot.unacked and (app.rebalancing or now - slot.checkpointed_at >= settings.state_checkpoint_seconds):
                await _checkpoint(key, slot, now)

    @app.timer(interval=30.0)  # type: ignore[untyped-decorator]
    async def advance_idle_brands() -> None:
        # Buckets close and incidents resolve when event time moves on, and only events
        # move it; a brand that went quiet would keep its last incident open (and its
        # alert firing) until its next event. After idle_advance_seconds without events
        # its event time follows the clock from its last event, as if an event came now.
        if settings.idle_advance_seconds <= 0:
            return
        now = time.time()
        for key, slot in list(state_cache.items()):
            last_event_at, last_event_ms = slot.last_event_at, slot.last_event_ms
            if last_event_ms is None or now - last_event_at < settings.idle_advance_seconds:
                continue
            async with slot.lock:
                if state_cache.get(key) is not slot or slot.last_event_at != last_event_at:
                    continue  # revoked, or an event came while waiting for the lock
                target_ms = last_event_ms + int((now - last_event_at) * 1000)
                state, output = engine.flush(slot.state, closing_watermark(engine, target_ms))
                if not output.buckets and not output.incidents:
                    continue
                await _publish(output)
                slot.state = state
                await _checkpoint(key, slot, now)
                if output.incidents:
                    _set_open_incidents(metrics, key.decode(), state)

    @app.timer(interval=5.0)  # type: ignore[untyped-decorator]
    async def report_open_incidents_after_assignment() -> None:
        # The open-incident gauges start at 0 and are set from a brand's state when its
        # first event after an assignment arrives; a crisis alert must not resolve (and
        # page again) because a worker restarted. Read only after recovery, never cached:
        # the state may be restored later from a newer changelog record.
        if app.rebalancing or app.in_recovery or not app.tables.recovery.completed.is_set():  # type: ignore[attr-defined]
            return
        enriched_topic_name = topic_name(settings, "enriched")
        assigned = {tp.partition for tp in app.consumer.assignment() if tp.topic == enriched_topic_name}
        partitions = topic_partitions(settings, "enriched")
        for brand in registry.names:
            key = brand.encode()
            partition = brand_partition(key, partitions)
            if key in state_cache or key in gauges_from_table or partition not in assigned:
                continue
            stored = state_table.get(key)
            if stored is not None:
                _set_open_incidents(metrics, brand, _restore_slot(stored, brand, partition).state)
            gauges_from_table.add(key)

    async def _checkpoint(key: bytes, slot: BrandSlot, now: float) -> None:
        value = encode_checkpoint(slot.state, slot.recent_ids)
        # Faust's table.__setitem__ takes the changelog partition from the event being
        # processed, which the timer does not have; a brand's events all come from one
        # partition, the one its state belongs to.
        sent = state_table.send_changelog(slot.partition, key, value)
        state_table.data[key] = value
        slot.checkpointed_at = now
        stored, slot.unacked = slot.unacked, []
        try:
            # Bounded: Faust's buffer leaves the future pending for ever if the send raises.
            await asyncio.wait_for(asyncio.shield(sent), timeout=CHANGELOG_SEND_TIMEOUT_SECONDS)
        except BaseException as error:
            # Not acked, so not committed: the next checkpoint (at most
            # state_checkpoint_seconds away) holds these events too and tries again.
            slot.unacked = stored + slot.unacked
            if not isinstance(error, Exception):
                raise  # cancelled: the events are back in the slot, as if never checkpointed
            log.error("the detector state of %s did not reach its changelog (%r); its events stay unacked",
                      key.decode(), error)
            return
        for pending in stored:
            pending.ready = True
        for partition in sorted({pending.partition for pending in stored}):
            for event in acks.release(partition):
                await detect_stream[0].ack(event)

    async def _ack_ready(pending: Pending) -> None:
        """An event that changed no state (a duplicate, a dead letter) is acked once every
        event consumed before it on its partition is (see :mod:`streams.acks`)."""
        pending.ready = True
        for event in acks.release(pending.partition):
            await detect_stream[0].ack(event)

    def _restore_slot(stored: bytes | None, brand: str, partition: int) -> BrandSlot:
        if stored is not None:
            try:
                state, recent_ids = decode_checkpoint(stored)
                # The registry may have changed since the checkpoint: its language and time zone apply.
                state = replace(state, lang=registry.language(brand), timezone=registry.timezone(brand))
                return BrandSlot(state, recent_ids, partition)
            except CheckpointError as error:
                # e.g. a new STATE_VERSION after an upgrade: the baseline is re-learned.
                log.warning("stored detector state of %s is unreadable (%s); starting fresh", brand, error)
        return BrandSlot(engine.initial_state(brand, registry.language(brand), registry.timezone(brand)), RecentIds(), partition)

    async def _send_durably(messages: list[Outgoing]) -> None:
        """Send and wait until Kafka has every message; retry failures with capped backoff.

        Faust acks an event once the agent moves on, so the agent must not move on (or
        raise, which acks the rest of the batch unprocessed) before its output is
        durable. While Kafka refuses, the partition stalls and the lag alerts fire.
        """
        delay = 0.5
        pending = messages
        while pending:
            # Sent one after another, so a brand's events keep their order on the partition.
            outcomes: list[Any] = []
            for message in pending:
                try:
                    outcomes.append(await topics[message.topic].send(
                        key=message.key, value=message.value, headers=message.headers))
                except Exception as error:
                    # send() itself refuses some messages (over max_request_size): raised here it
                    # crashed the agent, whose restart acked the rest of the batch unsent.
                    outcomes.append(error)
            results = await asyncio.gather(*(_settled(outcome) for outcome in outcomes), return_exceptions=True)
            failed = [message for message, result in zip(pending, results, strict=True)
                      if isinstance(result, BaseException)]
            if failed:
                for message in failed:
                    metrics.publish_failures.labels(topic=topic_name(settings, message.topic)).inc()
                    if message.topic == "dead_letter":
                        metrics.dead_letter_publish_failures.inc()
                log.error("%d of %d messages not accepted by Kafka (%s); retrying in %.1fs",
                          len(failed), len(pending), next(r for r in results if isinstance(r, BaseException)), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            pending = failed

    async def _settled(outcome: Any) -> Any:
        if isinstance(outcome, BaseException):
            raise outcome
        return await outcome

    async def _publish(output: EngineOutput) -> None:
        if output.incidents:
            await _send_durably(
                [Outgoing("incidents", incident.incident_id.encode(), encode_incident(incident))
                 for incident in output.incidents]
            )
        for incident in output.incidents:
            metrics.incident_events.labels(
                brand=incident.brand, incident_type=incident.type, status=incident.status,
                severity=str(incident.severity), level=incident.level,
            ).inc()
            log.info("incident %s %s %s severity %d: %s", incident.status, incident.brand, incident.type,
                     incident.severity, incident.summary)
        for bucket in output.buckets:
            metrics.negative_share.labels(brand=bucket.brand).set(bucket.negative_share)
            metrics.negative_share_baseline.labels(brand=bucket.brand).set(bucket.share_baseline)
            metrics.last_bucket_negative_events.labels(brand=bucket.brand).set(bucket.negative)
            metrics.negative_events_baseline.labels(brand=bucket.brand).set(bucket.expected_negative)
            for detector, score in bucket.scores.items():
                metrics.detector_score.labels(brand=bucket.brand, detector=detector).set(score)

    source_topics = {topic_name(settings, "raw"), topic_name(settings, "enriched")}
    reported_lag: set[Any] = set()

    @app.timer(interval=5.0)  # type: ignore[untyped-decorator]
    async def measure_consumer_lag() -> None:
        try:
            _update_consumer_lag()
        except Exception as error:
            # A metric must never stop the worker: Faust exits when a timer raises.
            log.warning("could not measure consumer lag: %r", error)

    def _update_consumer_lag() -> None:
        consumer = app.consumer
        measured = set()
        for tp in consumer.assignment():
            if tp.topic not in source_topics:
                continue
            try:
                highwater = consumer.highwater(tp)
            except Exception:
                continue
            if highwater is None:  # not fetched yet, or paused for table recovery
                continue
            position = consumer._read_offset.get(tp)  # type: ignore[attr-defined]
            lag = highwater - (position + 1 if position is not None else 0)
            metrics.consumer_lag.labels(topic=tp.topic, partition=str(tp.partition)).set(max(0, lag))
            measured.add(tp)
        # A partition that moved to another worker must not leave a frozen lag series
        # behind: the "pipeline stalled" alert reads these.
        for tp in reported_lag - measured:
            metrics.consumer_lag.remove(tp.topic, str(tp.partition))
        reported_lag.clear()
        reported_lag.update(measured)

    return Pipeline(app=app, topics=topics, settings=settings)


def closing_watermark(engine: CrisisEngine, event_time_ms: int) -> int:
    """The :meth:`CrisisEngine.flush` watermark that closes exactly the buckets an event at
    ``event_time_ms`` would close (those whose end plus the allowed lateness has passed),
    leaving the bucket that is still filling open.

    >>> engine = CrisisEngine()
    >>> engine.params.bucket_width_ms, engine.params.allowed_lateness_ms
    (300000, 60000)
    >>> closing_watermark(engine, 660_000)  # buckets starting at or before 300 s close
    300000
    """
    return event_time_ms - engine.params.bucket_width_ms - engine.params.allowed_lateness_ms


def resume_if_recovery_gave_up(app: Any, generation: int, waited: float) -> bool:
    """Resume a consumer that Faust's recovery left stopped; True when it did.

    A seek that times out ends Faust's recovery without resuming the consumer. Before the
    worker stopped its flow on assignment it kept consuming, and it still should rather
    than hang. Nothing is done when a newer assignment (or the worker's stop) took over.
    """
    if app.should_stop or app.rebalancing or app.consumer_generation_id != generation:
        return False
    if app.consumer.flow_active:
        return False
    log.error("Faust's recovery did not resume the consumer within %.0f s of the assignment; resuming it", waited)
    app.consumer.resume_flow()
    return True


def _committed_offset(app: faust.App, tp: Any) -> int | None:
    """The offset the consumer was sought to when ``tp`` was assigned (later, the last
    commit). faust-streaming keeps it on its consumer without a public accessor."""
    committed = getattr(app.consumer, "_committed_offset", {}).get(tp)
    return committed if isinstance(committed, int) else None


def brand_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2, as aiokafka and the Java client)
    gives a brand's key: where its enriched events and its detector state live."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


def _observe_latency(metrics: Metrics, stage: str, events: Sequence[Any], now: float) -> None:
    histogram = metrics.processing_latency.labels(stage=stage)
    for event in events:
        timestamp = event.message.timestamp
        if timestamp:
            histogram.observe(max(0.0, now - timestamp))


@dataclass(slots=True)
class BrandSlot:
    """A brand's detector state, the ids of the events most recently applied to it, and
    the events applied since its last checkpoint (not acked yet)."""

    state: BrandState
    recent_ids: RecentIds
    partition: int
    """Partition of the enriched topic (and of the state's changelog) the brand's events come from."""
    unacked: list[Pending] = field(default_factory=list)
    checkpointed_at: float = 0.0
    last_event_at: float = 0.0
    """Wall-clock time this worker applied the brand's last event."""
    last_event_ms: int | None = None
    """The brand's event time (largest seen) after that event; None before the first."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held while the brand's state is stepped and published, by the agent or a timer."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    """Key in TOPIC_SPECS."""
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] | None = None


def _forget_brand_gauges(metrics: Metrics, brand: str) -> None:
    for incident_type in INCIDENT_TYPES:
        for level in LEVELS:
            metrics.open_incidents.labels(brand=brand, incident_type=incident_type, level=level).set(0)
    for gauge in (metrics.negative_share, metrics.negative_share_baseline, metrics.last_bucket_negative_events,
                  metrics.negative_events_baseline, metrics.event_time_lag):
        with contextlib.suppress(KeyError):
            gauge.remove(brand)
    for labels in [labels for labels in _label_sets(metrics.detector_score) if labels[0] == brand]:
        metrics.detector_score.remove(*labels)


def _label_sets(gauge: Any) -> list[tuple[str, ...]]:
    return [tuple(sample.labels.values()) for family in gauge.collect() for sample in family.samples]


def _set_open_incidents(metrics: Metrics, brand: str, state: BrandState) -> None:
    """Open incidents as the detector state knows them, so the gauge survives restarts."""
    counts: Counter[tuple[str, str]] = Counter(
        (record.type, level_for_severity(record.severity))
        for record in state.incidents.records
        if record.is_open and record.merged_into is None
    )
    for incident_type in INCIDENT_TYPES:
        for level in LEVELS:
            metrics.open_incidents.labels(brand=brand, incident_type=incident_type, level=level).set(
                counts[(incident_type, level)]
            )
