"""From a produced crisis to a webhook: live worker, real Kafka, real Prometheus and Alertmanager.

The demo history (``streams/samples``) is split where its first critical incident is open:
phase 1 (everything before that incident resolves, in event time) is produced, the
worker opens the incident, Prometheus (shipped config and rules, targets pointed at the
test's processes) fires ``FlarewatchCrisisIncidentCritical``, and Alertmanager (shipped
routing and timings) posts it to a local webhook exactly once. Phase 2 then resolves the
incident: the alert leaves ``/api/v1/alerts`` and one "resolved" notification follows.
The rules' ``keep_firing_for`` is shortened to ``KEEP_FIRING_FOR`` so the second phase does
not wait five minutes; the promtool tests cover the shipped value. Timings from the end
of producing phase 1 are printed (run with ``-s`` to see them).
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemas.codec import encode_raw_event
from schemas.records import Incident, RawEvent
from streams.kafka_admin import ensure_topics
from streams.settings import Settings
from tests.demo_samples import DEMO_BRANDS, DEMO_EVENTS
from tests.integration.worker_process import running_worker, scrape
from tests.observability.artefacts import ALERTMANAGER_CONFIG, PROMETHEUS_DIR, RULE_FILES
from tests.observability.processes import (
    ManagedProcess,
    alertmanager,
    free_port,
    http_json,
    metric_lint_problems,
    prometheus,
    wait_until,
    webhook_receiver,
)
from tests.observability.test_incidents_kafka import send
from tests.observability.test_prometheus_rules import KNOWN_METRIC_LINT_PROBLEMS

pytestmark = [pytest.mark.kafka, pytest.mark.prometheus, pytest.mark.slow, pytest.mark.timeout(900)]

ALERT = "FlarewatchCrisisIncidentCritical"
KEEP_FIRING_FOR = "30s"


@dataclass(frozen=True)
class Scenario:
    incident: Incident
    """The first incident that is critical while open and resolves later in the history."""
    before: list[RawEvent]
    after: list[RawEvent]


def crisis_scenario(settings: Settings) -> Scenario:
    """Split the demo history so that the first critical incident is open after ``before``."""
    from detectors.offline import event_time_order, run_offline
    from streams.jsonl import load_events
    from streams.runtime import load_components

    components = load_components(settings, DEMO_BRANDS)
    events = event_time_order(load_events(DEMO_EVENTS).events)
    full = run_offline(events, components.enricher, components.engine, components.registry, flush=False, keep_enriched=False)
    resolved = {incident.incident_id: incident for incident in full.incidents if incident.status == "resolved"}
    candidates = [
        incident for incident in full.incidents
        if incident.level == "critical" and incident.status != "resolved" and incident.incident_id in resolved
    ]
    assert candidates, f"{DEMO_EVENTS.name} must contain a critical incident that resolves (the live alert scenario)"
    incident = candidates[0]
    resolved_at = resolved[incident.incident_id].resolved_at_ms
    assert resolved_at is not None
    before = [event for event in events if event.created_at_ms < resolved_at]
    after = events[len(before):]
    # Precondition: after phase 1 alone the incident is open and critical.
    prefix = run_offline(before, components.enricher, components.engine, components.registry, flush=False, keep_enriched=False)
    last = [item for item in prefix.incidents if item.incident_id == incident.incident_id][-1]
    assert last.status != "resolved" and last.level == "critical", last
    return Scenario(incident=last, before=before, after=after)


def produce(settings: Settings, events: list[RawEvent]) -> None:
    send(settings, "raw", ((event.brand.encode(), encode_raw_event(event)) for event in events))


def rule_files_for_test(directory: Path) -> list[Path]:
    """The shipped rule files with every ``keep_firing_for`` set to ``KEEP_FIRING_FOR``."""
    directory.mkdir(parents=True, exist_ok=True)
    copies = []
    for path in RULE_FILES:
        document = yaml.safe_load(path.read_text())
        for group in document["groups"]:
            for rule in group["rules"]:
                if "keep_firing_for" in rule:
                    rule["keep_firing_for"] = KEEP_FIRING_FOR
        copy = directory / path.name
        copy.write_text(yaml.safe_dump(document, sort_keys=False))
        copies.append(copy)
    return copies


def prometheus_config(worker_port: int, alertmanager_port: int, rule_files: list[Path]) -> dict[str, Any]:
    """The shipped prometheus.yml (intervals included) with this test's targets and rule files."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["rule_files"] = [str(path) for path in rule_files]
    config["alerting"]["alertmanagers"] = [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]
    worker = next(job for job in config["scrape_configs"] if job["job_name"] == "flarewatch-worker")
    worker["static_configs"] = [{"targets": [f"127.0.0.1:{worker_port}"]}]
    config["scrape_configs"] = [worker]
    return config


def alerts(server: ManagedProcess, brand: str, incident_type: str) -> list[dict[str, Any]]:
    found = http_json(f"{server.url}/api/v1/alerts")["data"]["alerts"]
    return [
        alert for alert in found
        if alert["labels"]["alertname"] == ALERT
        and alert["labels"].get("brand") == brand
        and alert["labels"].get("incident_type") == incident_type
    ]


def alert_in_state(server: ManagedProcess, brand: str, incident_type: str, state: str) -> bool:
    return any(alert["state"] == state for alert in alerts(server, brand, incident_type))


@pytest.fixture
def live(kafka_settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, ManagedProcess, ManagedProcess, Any]]:
    import uuid

    prefix = f"alerting-{uuid.uuid4().hex[:8]}"
    settings = kafka_settings.with_overrides(topic_prefix=prefix, worker_id=f"{prefix}-worker", partitions=2)
    ensure_topics(settings)
    with webhook_receiver() as receiver:
        config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
        for entry in config["receivers"]:
            for webhook in entry["webhook_configs"]:
                webhook["url"] = receiver.url + urllib.parse.urlparse(webhook["url"]).path
        am_config = tmp_path / "alertmanager.yml"
        am_config.write_text(yaml.safe_dump(config))
        am_port = free_port()
        with (
            alertmanager(tmp_path / "am", am_config, port=am_port) as am,
            running_worker(settings, tmp_path / "worker" / "worker.log", DEMO_BRANDS) as worker_settings,
            prometheus(tmp_path / "prometheus", yaml.safe_dump(prometheus_config(worker_settings.metrics_port, am_port, rule_files_for_test(tmp_path / "rules")))) as prom,
        ):
            wait_until(
                lambda: http_json(f"{prom.url}/api/v1/query?query=up")["data"]["result"],
                timeout=30, what="Prometheus to scrape the worker",
            )
            yield worker_settings, prom, am, receiver


def test_crisis_fires_alert_reaches_webhook_once_and_resolves(live: tuple[Settings, ManagedProcess, ManagedProcess, Any]) -> None:
    settings, prom, _am, receiver = live
    scenario = crisis_scenario(settings)
    brand, incident_type = scenario.incident.brand, scenario.incident.type

    def ours(requests: list[Any]) -> list[Any]:
        """Notifications of this alert's group (other incidents of the history may alert too)."""
        group = {"alertname": ALERT, "brand": brand, "incident_type": incident_type}
        return [r for r in requests if r.path.startswith("/alerts/critical") and r.json()["groupLabels"] == group]

    produce(settings, scenario.before)
    onset = time.monotonic()
    wait_until(lambda: alert_in_state(prom, brand, incident_type, "pending"), timeout=180, what=f"{ALERT} pending")
    pending = time.monotonic() - onset
    wait_until(lambda: alert_in_state(prom, brand, incident_type, "firing"), timeout=120, what=f"{ALERT} firing")
    firing = time.monotonic() - onset
    wait_until(lambda: ours(receiver.requests), timeout=120, what="the critical notification at the webhook")
    first = ours(receiver.requests)[0]
    webhook = first.received_at - onset

    payload = first.json()
    assert payload["status"] == "firing"
    assert payload["receiver"] == "flarewatch-critical"
    assert [(alert["labels"]["brand"], alert["labels"]["incident_type"]) for alert in payload["alerts"]] == [(brand, incident_type)]
    assert payload["alerts"][0]["annotations"]["runbook_url"].endswith("#flarewatchcrisisincidentcritical")

    produce(settings, scenario.after)
    resolve_sent = time.monotonic()
    wait_until(lambda: not alerts(prom, brand, incident_type), timeout=180, what=f"{ALERT} to resolve in Prometheus")
    resolved = time.monotonic() - resolve_sent
    wait_until(lambda: len(ours(receiver.requests)) >= 2, timeout=300, what="the resolved notification at the webhook")
    notifications = ours(receiver.requests)
    resolved_webhook = notifications[1].received_at - resolve_sent
    assert [request.json()["status"] for request in notifications] == ["firing", "resolved"]
    live_problems = metric_lint_problems(scrape(settings)) - KNOWN_METRIC_LINT_PROBLEMS
    assert not live_problems, f"promtool check metrics on the live worker: {sorted(live_problems)}"
    print(
        f"\n{brand}/{incident_type}: produced -> pending {pending:.1f}s, firing {firing:.1f}s, webhook {webhook:.1f}s; "
        f"resolving events produced -> alert gone {resolved:.1f}s, resolved webhook {resolved_webhook:.1f}s"
    )
