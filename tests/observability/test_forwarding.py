"""Incident forwarding without Kafka: retries, backoff, refusals, filters, commit-after-delivery."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from schemas.codec import encode_incident
from schemas.records import Evidence, Incident, Trigger
from streams.commands.incidents import IncidentPrinter, severity
from streams.forwarding import (
    DEDUPE_HEADER,
    DeliveryFailed,
    IncidentFilter,
    IncidentFollower,
    RetryPolicy,
    WebhookForwarder,
    dedupe_key,
    latest_incidents,
    webhook_body,
)
from streams.metrics import ForwarderMetrics

T0 = 1_790_000_000_000


def make_incident(**changes: Any) -> Incident:
    incident = Incident(
        incident_id="inc-acme-1",
        status="opened",
        brand="acme",
        type="owned_post_backlash",
        origin="self_inflicted",
        severity=8,
        started_at_ms=T0,
        detected_at_ms=T0 + 60_000,
        updated_at_ms=T0 + 60_000,
        evidence=Evidence(observed=40, expected=4.0, window_seconds=300, negative_events=40, total_events=55, top_terms=("refund",)),
        summary="Backlash on an acme post: 40 negative replies in 5 minutes (4 expected).",
        trigger=Trigger(event_id="post-1", author_role="owned", url="https://example.com/p/1", kind="post", excerpt="Our new policy"),
        first_actions=("Pause scheduled posts", "Tell the communications lead"),
    )
    return replace(incident, **changes)


@dataclass
class ScriptedPost:
    """Answers each POST with the next scripted status (an exception instance is raised)."""

    answers: list[int | Exception]
    calls: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        self.calls.append((url, body, dict(headers)))
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return answer


def forwarder(answers: list[int | Exception], **options: Any) -> tuple[WebhookForwarder, ScriptedPost, list[float]]:
    post, sleeps = ScriptedPost(answers), []
    metrics = ForwarderMetrics.create(CollectorRegistry())
    policy = options.pop("policy", RetryPolicy(max_attempts=4, initial_delay=0.5, max_delay=1.5))
    return WebhookForwarder("http://receiver/hook", metrics, policy=policy, post=post, sleep=sleeps.append, **options), post, sleeps


def outcomes(forwarder: WebhookForwarder) -> dict[str, float]:
    samples = forwarder.metrics.incidents_forwarded.collect()[0].samples
    return {sample.labels["outcome"]: sample.value for sample in samples if sample.name.endswith("_total")}


def test_delivered_first_time_with_dedupe_header_and_incident_json() -> None:
    sender, post, sleeps = forwarder([200])
    assert sender(make_incident()) == "delivered"
    url, body, headers = post.calls[0]
    assert url == "http://receiver/hook"
    assert headers[DEDUPE_HEADER] == "inc-acme-1:opened:2026-09-21T14:14:20.000Z"
    assert json.loads(body)["incident_id"] == "inc-acme-1"
    assert sleeps == []
    assert outcomes(sender)["delivered"] == 1


def test_transient_failures_are_retried_with_exponential_backoff() -> None:
    sender, post, sleeps = forwarder([503, ConnectionRefusedError("refused"), 429, 204])
    assert sender(make_incident()) == "delivered"
    assert sleeps == [0.5, 1.0, 1.5]
    assert len({headers[DEDUPE_HEADER] for _, _, headers in post.calls}) == 1
    assert outcomes(sender) == pytest.approx({"delivered": 1, "retried": 3, "failed": 0, "rejected": 0, "filtered": 0, "invalid": 0})


def test_gives_up_after_max_attempts() -> None:
    sender, post, _ = forwarder([500, 500, 500, 500, 200])
    with pytest.raises(DeliveryFailed, match="4 attempts failed, last HTTP 500"):
        sender(make_incident())
    assert len(post.calls) == 4
    assert outcomes(sender)["failed"] == 1


def test_permanent_refusal_is_not_retried() -> None:
    sender, post, sleeps = forwarder([400])
    assert sender(make_incident()) == "rejected"
    assert len(post.calls) == 1 and sleeps == []


def test_slack_payload_is_text_only() -> None:
    body = json.loads(webhook_body(make_incident(), slack=True))
    assert list(body) == ["text"]
    assert "acme" in body["text"] and "Pause scheduled posts" in body["text"]


def test_dedupe_key_differs_between_events_of_one_incident() -> None:
    opened = make_incident()
    updated = make_incident(status="updated", updated_at_ms=T0 + 120_000)
    assert dedupe_key(opened) != dedupe_key(updated)
    assert dedupe_key(opened) == dedupe_key(make_incident())


@pytest.mark.parametrize(
    ("incident_filter", "expected"),
    [
        (IncidentFilter(), True),
        (IncidentFilter(brands=frozenset({"acme"})), True),
        (IncidentFilter(brands=frozenset({"globex"})), False),
        (IncidentFilter(types=frozenset({"comment_flood"})), False),
        (IncidentFilter(min_severity=8), True),
        (IncidentFilter(min_severity=9), False),
    ],
)
def test_filter(incident_filter: IncidentFilter, expected: bool) -> None:
    assert incident_filter.matches(make_incident()) is expected


def test_severity_accepts_numbers_and_levels() -> None:
    assert [severity("5"), severity("warning"), severity("CRITICAL")] == [5, 4, 7]


def test_retry_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


@dataclass
class Message:
    offset: int
    value: bytes


@dataclass
class FakeConsumer:
    """One partition: returns the scripted messages one poll at a time and records commits.

    ``committed_before`` is the group's offset from an earlier run (None: a new group);
    ``end`` is where the consumer would start without one (the end of the topic).
    """

    messages: list[Message]
    committed_before: int | None = 0
    end: int = 0
    commits: list[int] = field(default_factory=list)

    def poll(self, timeout_ms: int, max_records: int | None = None) -> dict[str, list[Message]]:
        batch, self.messages = self.messages[: max_records or 50], self.messages[max_records or 50 :]
        return {"incidents-0": batch} if batch else {}

    def assignment(self) -> set[str]:
        return {"incidents-0"}

    def committed(self, partition: str) -> int | None:
        return self.commits[-1] if self.commits else self.committed_before

    def position(self, partition: str) -> int:
        return self.end

    def commit(self, offsets: dict[str, Any]) -> None:
        self.commits.extend(meta.offset for meta in offsets.values())


def test_follower_commits_each_offset_only_after_its_delivery() -> None:
    events = [make_incident(incident_id=f"inc-{n}", brand="acme" if n != 1 else "globex") for n in range(3)]
    messages = [Message(n, encode_incident(event)) for n, event in enumerate(events)]
    messages.insert(1, Message(99, b"not json"))
    consumer = FakeConsumer(messages)
    sender, _, _ = forwarder([200, 500, 500, 500, 500])
    follower = IncidentFollower(
        consumer, sender, IncidentFilter(brands=frozenset({"acme"})), commit=True, on_skipped=sender.count,
    )
    with pytest.raises(DeliveryFailed):
        follower.run(timeout=5)
    # inc-0 delivered and committed; the bad message and the filtered globex one committed
    # as handled; inc-2 failed: its offset (3) is not committed, so a restart re-sends it.
    assert consumer.commits == [1, 100, 2]
    assert outcomes(sender)["invalid"] == 1 and outcomes(sender)["filtered"] == 1


def test_a_new_group_commits_its_starting_offset_before_the_first_delivery() -> None:
    # An outside tester's forwarder on a new group failed its first delivery and exited;
    # with nothing committed the restart began at the end of the topic and lost the incident.
    consumer = FakeConsumer([Message(7, encode_incident(make_incident()))], committed_before=None, end=8)
    sender, _, _ = forwarder([500] * 4)
    with pytest.raises(DeliveryFailed):
        IncidentFollower(consumer, sender, commit=True).run(timeout=5)
    assert consumer.commits == [7]


def test_a_new_group_with_nothing_to_read_commits_where_it_starts_once() -> None:
    consumer = FakeConsumer([], committed_before=None, end=12)
    ticks = iter(range(100))
    follower = IncidentFollower(consumer, forwarder([])[0], commit=True, clock=lambda: next(ticks))
    assert follower.run(timeout=5) == 0
    assert consumer.commits == [12]


def test_follower_stops_after_max_matching_incidents() -> None:
    messages = [Message(n, encode_incident(make_incident(incident_id=f"inc-{n}"))) for n in range(5)]
    printed = io.StringIO()
    handled = IncidentFollower(FakeConsumer(messages), IncidentPrinter(printed, as_json=True)).run(max_incidents=2, timeout=5)
    lines = printed.getvalue().splitlines()
    assert handled == 2
    assert [json.loads(line)["incident_id"] for line in lines] == ["inc-0", "inc-1"]


@dataclass(frozen=True)
class Record:
    offset: int
    timestamp: int
    value: bytes


@dataclass
class TopicLog:
    """A kafka-python consumer over fixed partitions: assign, offsets, seek, position, poll."""

    partitions: dict[int, list[bytes]]
    oldest: int = 0
    """Offsets below this were deleted by retention."""
    seeks: list[tuple[int, int]] = field(default_factory=list)
    assigned: list[Any] = field(default_factory=list)
    positions: dict[Any, int] = field(default_factory=dict)

    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(self.partitions)

    def assign(self, partitions: list[Any]) -> None:
        self.assigned = list(partitions)

    def beginning_offsets(self, partitions: list[Any]) -> dict[Any, int]:
        return {tp: self.oldest for tp in partitions}

    def end_offsets(self, partitions: list[Any]) -> dict[Any, int]:
        return {tp: len(self.partitions[tp.partition]) for tp in partitions}

    def seek(self, partition: Any, offset: int) -> None:
        self.seeks.append((partition.partition, offset))
        self.positions[partition] = offset

    def position(self, partition: Any) -> int:
        return self.positions[partition]

    def poll(self, timeout_ms: int, max_records: int | None = None) -> dict[Any, list[Record]]:
        batches = {}
        for tp in self.assigned:
            start = self.positions[tp]
            values = self.partitions[tp.partition][start : start + (max_records or 500)]
            # Timestamps: partition 0 writes at even, partition 1 at odd milliseconds.
            batches[tp] = [Record(start + n, 2 * (start + n) + tp.partition, value) for n, value in enumerate(values)]
            self.positions[tp] = start + len(values)
        return batches


def incident_values(*brands: str) -> list[bytes]:
    return [encode_incident(make_incident(incident_id=f"inc-{brand}-{n}", brand=brand)) for n, brand in enumerate(brands)]


def ids(incidents: list[Incident]) -> list[str]:
    return [incident.incident_id for incident in incidents]


def test_latest_reads_back_only_as_far_as_it_must() -> None:
    log = TopicLog({0: incident_values("acme", *["globex"] * 6, "acme", "globex", "globex")})
    acme = IncidentFilter(brands=frozenset({"acme"}))
    found, complete = latest_incidents(log, "incidents", 1, acme, first_window=2)
    assert (ids(found), complete) == (["inc-acme-7"], True)
    assert log.seeks == [(0, 8), (0, 4)]  # the newest 2 messages, then the 4 before them

    log.seeks.clear()
    found, complete = latest_incidents(log, "incidents", 2, acme, first_window=2)
    assert ids(found) == ["inc-acme-0", "inc-acme-7"]
    assert log.seeks == [(0, 8), (0, 4), (0, 0)]  # the third window (8) is cut at offset 0


def test_latest_stops_at_retention_and_on_an_empty_topic() -> None:
    log = TopicLog({0: incident_values("acme", "acme", "acme", "globex")}, oldest=2)
    found, complete = latest_incidents(log, "incidents", 5, IncidentFilter(brands=frozenset({"acme"})), first_window=1)
    assert (ids(found), complete) == (["inc-acme-2"], True)
    assert latest_incidents(TopicLog({0: []}), "incidents", 5) == ([], True)


def test_latest_merges_partitions_by_kafka_timestamp() -> None:
    log = TopicLog({0: incident_values("a", "b", "c"), 1: incident_values("x", "y", "z")})
    found, _ = latest_incidents(log, "incidents", 3)
    assert ids(found) == ["inc-y-1", "inc-c-2", "inc-z-2"]


def test_latest_reports_an_incomplete_search_at_the_deadline() -> None:
    ticks = iter(range(100))
    log = TopicLog({0: incident_values(*["globex"] * 40)})
    found, complete = latest_incidents(
        log, "incidents", 1, IncidentFilter(brands=frozenset({"acme"})), timeout=3, clock=lambda: next(ticks), first_window=1,
    )
    assert (found, complete) == ([], False)


def test_printer_block_shows_what_a_person_needs() -> None:
    printed = io.StringIO()
    IncidentPrinter(printed, as_json=False)(make_incident())
    text = printed.getvalue()
    for expected in ("CRITICAL", "acme", "owned_post_backlash", "self_inflicted", "Backlash on an acme post", "https://example.com/p/1", "Pause scheduled posts"):
        assert expected in text
