"""``flarewatch incidents`` (print and --forward) against the real local Kafka broker."""

from __future__ import annotations

import argparse
import json
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from schemas.codec import encode_incident
from schemas.records import Incident
from streams.cli import CommandError, build_parser
from streams.forwarding import DEDUPE_HEADER, dedupe_key
from streams.kafka_admin import admin_client, ensure_topics
from streams.kafka_clients import make_producer
from streams.settings import Settings
from streams.topics import topic_name
from tests.observability.processes import free_port, wait_until, webhook_receiver
from tests.observability.test_forwarding import T0, make_incident

pytestmark = pytest.mark.kafka


def send(settings: Settings, topic_key: str, messages: Iterable[tuple[bytes, bytes]]) -> None:
    """Produce (key, value) pairs to one of the deployment's topics and wait for the acks."""
    producer = make_producer(settings)
    try:
        for key, value in messages:
            producer.send(topic_name(settings, topic_key), key=key, value=value)
        producer.flush(60)
    finally:
        producer.close()


def produce(settings: Settings, incidents: list[Incident]) -> None:
    send(settings, "incidents", ((incident.incident_id.encode(), encode_incident(incident)) for incident in incidents))


def run(settings: Settings, *argv: str) -> int:
    args: argparse.Namespace = build_parser().parse_args(["incidents", *argv])
    return int(args.handler(args, settings) or 0)


@pytest.fixture
def settings(isolated_kafka_settings: Settings) -> Settings:
    ensure_topics(isolated_kafka_settings)
    return isolated_kafka_settings


def story() -> list[Incident]:
    opened = make_incident()
    return [
        make_incident(incident_id="inc-globex", brand="globex", severity=5),
        opened,
        replace(opened, status="updated", severity=9, updated_at_ms=T0 + 120_000),
        make_incident(incident_id="inc-acme-minor", severity=2),
        replace(opened, status="resolved", updated_at_ms=T0 + 900_000, resolved_at_ms=T0 + 900_000),
    ]


def test_prints_matching_incidents_as_json_lines(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    produce(settings, story())
    code = run(settings, "--from-beginning", "--json", "--brand", "acme", "--min-severity", "warning", "--max", "3", "--timeout", "60")
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [(line["incident_id"], line["status"]) for line in map(json.loads, lines)] == [
        ("inc-acme-1", "opened"), ("inc-acme-1", "updated"), ("inc-acme-1", "resolved"),
    ]


def test_prints_readable_blocks(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    produce(settings, story())
    assert run(settings, "--from-beginning", "--brand", "acme", "--type", "owned_post_backlash", "--max", "1", "--timeout", "60") == 0
    out = capsys.readouterr().out
    assert "[CRITICAL 8/10] OPENED acme · owned_post_backlash · origin self_inflicted" in out
    assert "Pause scheduled posts" in out


def test_stops_at_timeout_when_nothing_matches(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    produce(settings, story())
    assert run(settings, "--from-beginning", "--brand", "nobody", "--timeout", "5") == 0
    assert capsys.readouterr().out == ""


def printed(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str]]:
    return [(line["incident_id"], line["status"]) for line in map(json.loads, capsys.readouterr().out.splitlines())]


def test_last_prints_the_newest_matching_incidents_not_the_oldest(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    events = story()
    produce(settings, events)
    # More non-matching incidents than the first backward windows hold (100, then 200),
    # so the matching ones are only found by reading further back.
    produce(settings, [make_incident(incident_id=f"inc-globex-{n}", brand="globex", severity=5) for n in range(250)])
    newest = replace(events[1], incident_id="inc-acme-2", updated_at_ms=T0 + 2_000_000)
    produce(settings, [newest])

    assert run(settings, "--last", "3", "--json", "--brand", "acme", "--min-severity", "warning", "--timeout", "60") == 0
    assert printed(capsys) == [("inc-acme-1", "updated"), ("inc-acme-1", "resolved"), ("inc-acme-2", "opened")]

    assert run(settings, "--last", "2", "--json", "--timeout", "60") == 0
    assert printed(capsys) == [("inc-globex-249", "opened"), ("inc-acme-2", "opened")]

    # Fewer matches than asked for: all of them, after reading back to the oldest offset.
    assert run(settings, "--last", "10", "--json", "--brand", "acme", "--type", "owned_post_backlash", "--timeout", "60") == 0
    assert printed(capsys) == [
        ("inc-acme-1", "opened"), ("inc-acme-1", "updated"), ("inc-acme-minor", "opened"),
        ("inc-acme-1", "resolved"), ("inc-acme-2", "opened"),
    ]

    # The runbook's command: the current incident, readable.
    assert run(settings, "--brand", "acme", "--type", "owned_post_backlash", "--last", "1") == 0
    assert "OPENED acme · owned_post_backlash" in capsys.readouterr().out


def test_last_on_an_empty_topic_prints_nothing_and_exits(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings, "--last", "5", "--timeout", "30") == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("extra", [["--from-beginning"], ["--max", "3"], ["--forward", "http://127.0.0.1:1/"], []])
def test_last_rejects_flags_it_cannot_honour(extra: list[str]) -> None:
    last = "0" if not extra else "5"
    with pytest.raises(CommandError, match="--last"):
        run(Settings(), "--last", last, *extra)


def committed_offset(settings: Settings, group: str) -> int | None:
    with admin_client(settings) as client:
        offsets = client.list_group_offsets(group).get(group, {})
    committed = [meta.offset for meta in offsets.values() if meta.offset >= 0]
    return sum(committed) if committed else None


def test_forward_retries_delivers_once_and_does_not_resend_after_restart(settings: Settings) -> None:
    events = story()
    produce(settings, events)
    group = f"{settings.topic_prefix}-forwarder"
    wanted = [event for event in events if event.brand == "acme" and event.severity >= 4]
    options = ["--group", group, "--brand", "acme", "--min-severity", "4", "--initial-delay", "0.1", "--metrics-port", "0"]
    with webhook_receiver(statuses=[503]) as receiver:
        code = run(settings, "--forward", receiver.url + "/hook", "--from-beginning", "--max", str(len(wanted)), "--timeout", "60", *options)
        assert code == 0
        keys = [request.headers[DEDUPE_HEADER.lower()] for request in receiver.requests]
        assert [request.status for request in receiver.requests] == [503, 200, 200, 200]
        assert keys == [dedupe_key(wanted[0])] + [dedupe_key(event) for event in wanted]
        assert json.loads(receiver.requests[1].body)["status"] == "opened"
        assert committed_offset(settings, group) == len(events)

        # A restarted forwarder resumes after the committed offset: only the new event is sent.
        later = replace(events[1], status="opened", incident_id="inc-acme-2", updated_at_ms=T0 + 2_000_000)
        produce(settings, [later])
        assert run(settings, "--forward", receiver.url + "/hook", "--max", "1", "--timeout", "60", *options) == 0
        assert [request.headers[DEDUPE_HEADER.lower()] for request in receiver.requests[4:]] == [dedupe_key(later)]
        assert committed_offset(settings, group) == len(events) + 1


def test_forward_failure_commits_nothing_and_a_restart_delivers(settings: Settings) -> None:
    incident = make_incident()
    produce(settings, [incident])
    group = f"{settings.topic_prefix}-forwarder"
    options = ["--group", group, "--initial-delay", "0.05", "--metrics-port", "0", "--from-beginning", "--timeout", "60"]
    with webhook_receiver(statuses=[500, 500]) as receiver:
        assert run(settings, "--forward", receiver.url, "--max-attempts", "2", "--max", "1", *options) == 1
        assert committed_offset(settings, group) == 0  # where the new group started, not past the incident
        assert run(settings, "--forward", receiver.url, "--max", "1", *options) == 0
        assert [request.status for request in receiver.requests] == [500, 500, 200]
        assert len({request.headers[DEDUPE_HEADER.lower()] for request in receiver.requests}) == 1
        assert committed_offset(settings, group) == 1


def test_a_new_forwarder_group_retries_its_first_failed_delivery_after_a_restart(settings: Settings) -> None:
    # An outside tester's case: a new group starts at the end of the topic; its first
    # delivery failed, and the restart started at the (new) end again and lost the incident.
    produce(settings, story())
    group = f"{settings.topic_prefix}-fresh"
    options = ["--group", group, "--initial-delay", "0.05", "--metrics-port", "0", "--max", "1", "--timeout", "60"]
    incident = make_incident(incident_id="inc-acme-new")
    with webhook_receiver(statuses=[500, 500]) as receiver, ThreadPoolExecutor(1) as pool:
        first = pool.submit(run, settings, "--forward", receiver.url, "--max-attempts", "2", *options)
        assert wait_until(lambda: committed_offset(settings, group), 60, "the new group's starting offset") == len(story())
        produce(settings, [incident])
        assert first.result(timeout=60) == 1
        assert run(settings, "--forward", receiver.url, *options) == 0
    assert [request.status for request in receiver.requests] == [500, 500, 200]
    assert receiver.requests[-1].headers[DEDUPE_HEADER.lower()] == dedupe_key(incident)


def test_forward_slack_payload_and_outcome_metrics(settings: Settings) -> None:
    produce(settings, [make_incident(), make_incident(incident_id="inc-minor", severity=2)])
    port = free_port()
    with webhook_receiver() as receiver:
        argv = ["--forward", receiver.url, "--slack", "--from-beginning", "--min-severity", "4", "--max", "1", "--timeout", "60"]
        assert run(settings, *argv, "--metrics-port", str(port), "--group", f"{settings.topic_prefix}-slack") == 0
        assert list(receiver.requests[0].json()) == ["text"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        exposition = response.read().decode()
    assert 'flarewatch_incidents_forwarded_total{outcome="delivered"} 1.0' in exposition
    assert 'flarewatch_incidents_forwarded_total{outcome="failed"} 0.0' in exposition
    # Only its own: the worker's last-event gauge at 0 here fired FlarewatchInputSilent for the forwarder's job.
    families = {line.split()[2] for line in exposition.splitlines() if line.startswith("# TYPE ")}
    assert families and all(name.startswith("flarewatch_incidents_forwarded_") for name in families), families
