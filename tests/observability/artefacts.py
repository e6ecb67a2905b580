"""Where the shipped observability artefacts live, and what the tests read out of them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from streams.metrics import ForwarderMetrics, Metrics

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPOSITORY_ROOT / "deploy"
PROMETHEUS_DIR = DEPLOY / "prometheus"
RULE_FILES = sorted((PROMETHEUS_DIR / "rules").glob("*.rules.yml"))
RULE_TEST_FILES = sorted((PROMETHEUS_DIR / "tests").glob("*.test.yml"))
ALERTMANAGER_CONFIG = DEPLOY / "alertmanager" / "alertmanager.yml"
GRAFANA_DIR = DEPLOY / "grafana"
DASHBOARD_FILES = sorted((GRAFANA_DIR / "dashboards").glob("*.json"))
GRAFANA_ALERT_FILES = sorted((GRAFANA_DIR / "provisioning" / "alerting").glob("*.yaml"))
RUNBOOK = REPOSITORY_ROOT / "docs" / "runbook.md"
SAMPLE_BRAND = "acme"


def rules() -> Iterator[dict[str, Any]]:
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            yield from group["rules"]


def alerting_rules() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "alert" in rule]


def dashboard_queries() -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every Prometheus target in the committed dashboards."""
    for path in DASHBOARD_FILES:
        dashboard = json.loads(path.read_text())
        for panel in _panels(dashboard.get("panels", [])):
            for target in panel.get("targets", []):
                if target.get("expr"):
                    yield f"{path.name}: {panel.get('title')!r} {target.get('refId')}", target["expr"]
        for annotation in dashboard.get("annotations", {}).get("list", []):
            if annotation.get("expr"):
                yield f"{path.name}: annotation {annotation['name']!r}", annotation["expr"]
        for variable in dashboard.get("templating", {}).get("list", []):
            query = variable.get("query")
            if variable.get("type") == "query":
                text = query.get("query") if isinstance(query, dict) else query
                yield f"{path.name}: variable {variable['name']}", text


def grafana_alert_queries() -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every Prometheus query in the Grafana-managed alert rules."""
    for path in GRAFANA_ALERT_FILES:
        for group in yaml.safe_load(path.read_text()).get("groups", []):
            for rule in group["rules"]:
                for query in rule["data"]:
                    expr = query.get("model", {}).get("expr")
                    if expr:
                        yield f"{path.name}: {rule['title']!r} {query['refId']}", expr


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


_LABEL_VALUES = re.compile(r"^label_values\((?:(?P<selector>.+),\s*)?(?P<label>\w+)\)$")


def as_instant_query(expr: str, brand: str = SAMPLE_BRAND) -> str:
    """Substitute Grafana's template variables the way a dashboard with ``brand`` selected would.

    ``label_values(selector, label)`` (a Grafana variable query, not PromQL) becomes the
    selector itself, which is what Grafana asks Prometheus for.
    """
    replacements = {
        "$__rate_interval": "1m",
        "$__interval": "15s",
        "$__range": "1h",
        "${brand:regex}": brand,
        "$brand": brand,
        "${incident_type:regex}": ".*",
        "$incident_type": ".*",
    }
    for variable, value in replacements.items():
        expr = expr.replace(variable, value)
    match = _LABEL_VALUES.match(expr.strip())
    if match:
        return match.group("selector") or "up"
    return expr


def touch_every_metric(metrics: Metrics, brand: str = SAMPLE_BRAND) -> Metrics:
    """Give every metric (and every label set the rules and dashboards use) a sample."""
    metrics.build_info.info({"version": "0.0.0-test", "model_version": "test"})
    metrics.events_consumed.labels(topic="flarewatch.events.raw").inc(100)
    metrics.events_consumed.labels(topic="flarewatch.events.enriched").inc(90)
    metrics.events_rejected.labels(reason="bad_json").inc(10)
    metrics.dead_letter_publish_failures.inc(0)
    metrics.events_enriched.labels(brand=brand, platform="twitter", sentiment="negative").inc(30)
    metrics.events_enriched.labels(brand=brand, platform="facebook", sentiment="neutral").inc(60)
    metrics.incident_events.labels(brand=brand, incident_type="negative_spike", status="opened", severity="8", level="critical").inc()
    metrics.open_incidents.labels(brand=brand, incident_type="negative_spike", level="critical").set(1)
    for stage in ("ingest", "enrich", "detect"):
        metrics.processing_latency.labels(stage=stage).observe(0.02)
    metrics.event_time_lag.labels(brand=brand).set(1.5)
    metrics.last_event_time.set(1_790_000_000)
    metrics.negative_share.labels(brand=brand).set(0.4)
    metrics.negative_share_baseline.labels(brand=brand).set(0.1)
    metrics.last_bucket_negative_events.labels(brand=brand).set(12)
    metrics.negative_events_baseline.labels(brand=brand).set(3)
    metrics.detector_score.labels(brand=brand, detector="negative_spike").set(0.9)
    metrics.consumer_lag.labels(topic="flarewatch.events.raw", partition="0").set(5)
    return metrics


def touch_forwarder_metrics(metrics: ForwarderMetrics) -> ForwarderMetrics:
    for outcome in ("delivered", "retried", "failed", "rejected"):
        metrics.incidents_forwarded.labels(outcome=outcome)
    return metrics
