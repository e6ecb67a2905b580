"""A real Prometheus with the shipped rules runs every dashboard and Grafana alert query.

Prometheus scrapes a registry holding the worker's :class:`streams.metrics.Metrics` and
the forwarder's :class:`~streams.metrics.ForwarderMetrics` with every metric touched,
served over HTTP the way the worker serves it, so a query that names a metric or label
neither process exports comes back empty and fails here too. A second
Prometheus without the rules shows that the Grafana-managed alerts, which run *instead
of* the Prometheus rules, do not depend on recorded series.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, start_http_server

from streams.metrics import ForwarderMetrics, Metrics
from tests.observability.artefacts import (
    PROMETHEUS_DIR,
    RULE_FILES,
    SAMPLE_BRAND,
    as_instant_query,
    dashboard_queries,
    grafana_alert_queries,
    rules,
    touch_every_metric,
    touch_forwarder_metrics,
)
from tests.observability.processes import (
    ManagedProcess,
    free_port,
    http_json,
    prometheus,
    wait_until,
)

pytestmark = pytest.mark.prometheus

SCRAPE_INTERVAL = "1s"
# Alert queries that are empty on a healthy worker by design; any other query returning
# nothing means a wrong metric name or label.
MAY_BE_EMPTY = ("'flarewatch pipeline stalled'", "'Kafka refuses incident events'")


def config_for_test(scrape_port: int, with_rules: bool = True) -> dict[str, Any]:
    """The shipped prometheus.yml with absolute rule paths, fast intervals, a test target."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"].update(scrape_interval=SCRAPE_INTERVAL, evaluation_interval=SCRAPE_INTERVAL)
    config["rule_files"] = [str(path) for path in RULE_FILES] if with_rules else []
    config.pop("alerting", None)
    worker = next(job for job in config["scrape_configs"] if job["job_name"] == "flarewatch-worker")
    worker.update(scrape_interval=SCRAPE_INTERVAL, static_configs=[{"targets": [f"127.0.0.1:{scrape_port}"]}])
    config["scrape_configs"] = [worker]
    return config




def query(server: ManagedProcess, expr: str) -> dict[str, Any]:
    """``/api/v1/query`` answer; an HTTP 400/422 (bad PromQL) returns its error document."""
    url = f"{server.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        return dict(http_json(url))
    except urllib.error.HTTPError as error:
        return {"status": "error", "error": error.read().decode(errors="replace")}


def _rules_evaluated(server: ManagedProcess) -> bool:
    groups = http_json(f"{server.url}/api/v1/rules")["data"]["groups"]
    evaluated = [rule for group in groups for rule in group["rules"] if not rule["lastEvaluation"].startswith("0001")]
    return bool(groups) and len(evaluated) == sum(len(group["rules"]) for group in groups)


def keep_counting(metrics: Metrics, forwarder: ForwarderMetrics, stop: threading.Event) -> None:
    """Move the counters the way a busy worker does, so rates and ratios are non-zero."""
    while not stop.wait(0.2):
        metrics.events_consumed.labels(topic="flarewatch.events.raw").inc(10)
        metrics.events_consumed.labels(topic="flarewatch.events.enriched").inc(9)
        metrics.events_rejected.labels(reason="bad_json").inc(1)
        metrics.events_enriched.labels(brand=SAMPLE_BRAND, platform="twitter", sentiment="negative").inc(4)
        metrics.events_enriched.labels(brand=SAMPLE_BRAND, platform="facebook", sentiment="neutral").inc(5)
        metrics.processing_latency.labels(stage="detect").observe(0.03)
        forwarder.incidents_forwarded.labels(outcome="delivered").inc()
        metrics.incident_events.labels(brand=SAMPLE_BRAND, incident_type="negative_spike", status="opened", severity="8", level="critical").inc()


@pytest.fixture(scope="module")
def metrics_port() -> Iterator[int]:
    registry = CollectorRegistry()
    metrics = touch_every_metric(Metrics.create(registry, brands=(SAMPLE_BRAND,)))
    forwarder = touch_forwarder_metrics(ForwarderMetrics.create(registry))
    stop = threading.Event()
    ticker = threading.Thread(target=keep_counting, args=(metrics, forwarder, stop), name="sample-worker", daemon=True)
    ticker.start()
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield port
    stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)
    ticker.join(5)


@pytest.fixture(scope="module")
def live_prometheus(tmp_path_factory: pytest.TempPathFactory, metrics_port: int) -> Iterator[ManagedProcess]:
    workdir: Path = tmp_path_factory.mktemp("prometheus")
    with prometheus(workdir, yaml.safe_dump(config_for_test(metrics_port))) as server:
        # Rates need at least two scrapes; recorded series need one evaluation after that.
        wait_until(
            lambda: query(server, 'count_over_time(up{job="flarewatch-worker"}[1m]) >= 3')["data"]["result"],
            timeout=30,
            what="three scrapes of the sample worker",
        )
        wait_until(lambda: _rules_evaluated(server), timeout=30, what="every rule to be evaluated once")
        wait_until(
            lambda: query(server, "brand_platform:flarewatch_events_enriched:rate1m")["data"]["result"],
            timeout=30,
            what="recorded series to appear",
        )
        yield server


@pytest.fixture(scope="module")
def prometheus_without_rules(tmp_path_factory: pytest.TempPathFactory, metrics_port: int) -> Iterator[ManagedProcess]:
    """The same scrape of the same sample worker, without any recording or alerting rule."""
    workdir: Path = tmp_path_factory.mktemp("prometheus-without-rules")
    with prometheus(workdir, yaml.safe_dump(config_for_test(metrics_port, with_rules=False))) as server:
        wait_until(
            lambda: query(server, 'count_over_time(up{job="flarewatch-worker"}[1m]) >= 3')["data"]["result"],
            timeout=30,
            what="three scrapes of the sample worker",
        )
        yield server


def test_target_is_up(live_prometheus: ManagedProcess) -> None:
    result = query(live_prometheus, 'up{job="flarewatch-worker"}')["data"]["result"]
    assert [sample["value"][1] for sample in result] == ["1"]


def test_every_rule_evaluates_without_error(live_prometheus: ManagedProcess) -> None:
    groups = http_json(f"{live_prometheus.url}/api/v1/rules")["data"]["groups"]
    unhealthy = [
        (rule["name"], rule.get("lastError"))
        for group in groups
        for rule in group["rules"]
        if rule["health"] != "ok"
    ]
    assert not unhealthy
    loaded = {rule["name"] for group in groups for rule in group["rules"]}
    assert "FlarewatchCrisisIncidentCritical" in loaded


def test_dashboards_and_grafana_alerts_have_queries() -> None:
    assert len(list(dashboard_queries())) >= 15
    assert list(grafana_alert_queries())


@pytest.mark.parametrize(
    ("where", "expr"),
    list(dashboard_queries()) + list(grafana_alert_queries()),
    ids=lambda value: value if len(value) < 80 else value[:77] + "...",
)
def test_query_runs_and_finds_data(live_prometheus: ManagedProcess, where: str, expr: str) -> None:
    promql = as_instant_query(expr)
    answer = query(live_prometheus, promql)
    assert answer["status"] == "success", f"{where}\n{promql}\n{answer.get('error')}"
    if not any(name in where for name in MAY_BE_EMPTY):
        assert answer["data"]["result"], f"{where}: no data for\n{promql}"



def series(server: ManagedProcess, expr: str) -> list[dict[str, str]]:
    answer = query(server, as_instant_query(expr))
    assert answer["status"] == "success", f"{expr}\n{answer.get('error')}"
    return sorted((sample["metric"] for sample in answer["data"]["result"]), key=lambda labels: sorted(labels.items()))


@pytest.mark.parametrize(("where", "expr"), list(grafana_alert_queries()), ids=lambda value: value if len(value) < 80 else value[:77] + "...")
def test_grafana_alert_query_needs_no_recording_rules(
    live_prometheus: ManagedProcess, prometheus_without_rules: ManagedProcess, where: str, expr: str,
) -> None:
    """Grafana alerts run instead of the Prometheus rules: a query over recorded series
    would come back empty (never fires) or unfiltered (fires on a healthy worker) there."""
    assert series(prometheus_without_rules, expr) == series(live_prometheus, expr), where


def test_grafana_alerts_name_no_recorded_series() -> None:
    recorded = {rule["record"] for rule in rules() if "record" in rule}
    used = {(where, name) for where, expr in grafana_alert_queries() for name in recorded if name in expr}
    assert not used, f"Grafana alerts must use raw metrics: {sorted(used)}"
