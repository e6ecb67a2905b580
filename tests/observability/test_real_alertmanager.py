"""A real Alertmanager with the shipped config delivers a critical alert to its webhook once.

Only the receiver URLs are changed (to a local recording endpoint, same paths); routing,
grouping and the group_wait / group_interval / repeat_interval timings are the shipped
ones. Prometheus re-sends a firing alert on every evaluation, so the test re-posts it and
then waits for Alertmanager's next flush of the group (seen in its debug log, not
guessed with a sleep) before asserting the webhook still got exactly one notification.
"""

from __future__ import annotations

import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.observability.artefacts import ALERTMANAGER_CONFIG
from tests.observability.processes import (
    ManagedProcess,
    WebhookReceiver,
    alertmanager,
    http_json,
    wait_until,
    webhook_receiver,
)

pytestmark = [pytest.mark.prometheus, pytest.mark.slow]


def config_with_receiver(receiver: WebhookReceiver) -> dict[str, Any]:
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    for entry in config["receivers"]:
        for webhook in entry.get("webhook_configs", []):
            webhook["url"] = receiver.url + urllib.parse.urlparse(webhook["url"]).path
    return config


def critical_route(config: dict[str, Any]) -> dict[str, Any]:
    return next(route for route in config["route"]["routes"] if route["receiver"] == "flarewatch-critical")


def seconds(duration: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return float(duration[:-1]) * units[duration[-1]]


def post_alert(server: ManagedProcess, labels: dict[str, str], starts_at: str) -> None:
    alert = {
        "labels": labels,
        "annotations": {"summary": "Critical negative_spike incident open for acme", "runbook_url": "docs/runbook.md"},
        "startsAt": starts_at,
        "generatorURL": "http://127.0.0.1:9090/graph",
    }
    http_json(f"{server.url}/api/v2/alerts", [alert])


def flushes(server: ManagedProcess) -> int:
    return server.log_path.read_text(errors="replace").count("msg=flushing")


def test_critical_alert_is_delivered_once(tmp_path: Path) -> None:
    labels = {
        "alertname": "FlarewatchCrisisIncidentCritical",
        "severity": "critical",
        "brand": "acme",
        "incident_type": "negative_spike",
    }
    with webhook_receiver() as receiver:
        config = config_with_receiver(receiver)
        route = critical_route(config)
        config_path = tmp_path / "alertmanager.yml"
        config_path.write_text(yaml.safe_dump(config))
        with alertmanager(tmp_path, config_path) as server:
            starts_at = datetime.now(UTC).isoformat()
            posted = time.monotonic()
            post_alert(server, labels, starts_at)
            first = receiver.wait_for(1, timeout=seconds(route["group_wait"]) + 20, path_prefix="/alerts/critical")
            delay = first[0].received_at - posted
            payload = first[0].json()
            assert payload["receiver"] == "flarewatch-critical"
            assert payload["status"] == "firing"
            assert payload["groupLabels"] == {key: labels[key] for key in ("alertname", "brand", "incident_type")}
            assert [alert["labels"] for alert in payload["alerts"]] == [labels]
            assert delay <= seconds(route["group_wait"]) + 5, f"first notification after {delay:.1f}s"

            # Prometheus keeps re-sending the firing alert; Alertmanager must not re-notify
            # before repeat_interval. Wait for the group's next flush at group_interval.
            for _ in range(3):
                post_alert(server, labels, starts_at)
            flushed = flushes(server)
            wait_until(
                lambda: flushes(server) > flushed,
                timeout=seconds(route["group_interval"]) + 30,
                what="Alertmanager to flush the group again at group_interval",
            )
            assert len(receiver.requests) == 1, [request.path for request in receiver.requests]
            print(f"alert posted -> webhook: {delay:.1f}s (group_wait {route['group_wait']})")
