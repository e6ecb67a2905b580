"""Grafana dashboards for flarewatch, as code (grafanalib).

Run ``python deploy/grafana/dashboards.py`` to regenerate ``deploy/grafana/dashboards/*.json``
after editing this file; ``--check`` exits 1 if the committed JSON is stale (a test does
the same). Queries use the recorded series from ``deploy/prometheus/rules`` where one
exists, and raw metrics (``streams/metrics.py``) otherwise; a test runs every query here
against a real Prometheus.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from grafanalib._gen import DashboardEncoder
from grafanalib.core import (
    Annotations,
    Dashboard,
    GridPos,
    Panel,
    RowPanel,
    Stat,
    Table,
    Target,
    Template,
    Templating,
    Time,
    TimeSeries,
)

OUTPUT_DIR = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "flarewatch-prometheus"}
"""The datasource provisioned by provisioning/datasources/prometheus.yaml."""

INPUT_SILENT_SECONDS = 1800
"""FlarewatchInputSilent's threshold in deploy/prometheus/rules (a test keeps them equal)."""

BRAND = 'brand=~"$brand"'
BRAND_AND_TYPE = 'brand=~"$brand", incident_type=~"$incident_type"'
GRID_WIDTH = 24


def incidents_opened_annotation() -> Annotations:
    """A marker on every time series where an incident opened for the selected brand(s)."""
    return Annotations([{
        "name": "Incidents opened",
        "datasource": DATASOURCE,
        "enable": True,
        "iconColor": "red",
        "expr": f'sum by (brand, incident_type) (increase(flarewatch_incident_events_total{{{BRAND}, status="opened"}}[1m])) > 0',
        "step": "30s",
        "titleFormat": "{{brand}}: {{incident_type}} opened",
        "tagKeys": "brand,incident_type",
        "useValueForTime": False,
    }])


def target(expr: str, legend: str = "", ref_id: str = "A", instant: bool = False) -> Target:
    return Target(expr=expr, legendFormat=legend, refId=ref_id, instant=instant, datasource=DATASOURCE)


def targets(*pairs: tuple[str, str]) -> list[Target]:
    return [target(expr, legend, ref_id=chr(ord("A") + index)) for index, (expr, legend) in enumerate(pairs)]


def timeseries(title: str, queries: list[Target], unit: str = "short", description: str = "", **options: object) -> TimeSeries:
    return TimeSeries(
        title=title, description=description, dataSource=DATASOURCE, targets=queries, unit=unit,
        legendDisplayMode="list", tooltipMode="multi", **options,
    )


def stat(title: str, queries: list[Target], unit: str = "short", description: str = "", thresholds: Sequence[tuple[str, float | None]] = ()) -> Stat:
    steps = [{"color": color, "value": value} for color, value in thresholds] or [{"color": "green", "value": None}]
    return Stat(
        title=title, description=description, dataSource=DATASOURCE, targets=queries, format=unit,
        graphMode="none", reduceCalc="lastNotNull", thresholds=steps,
    )


def brand_variable(multi: bool) -> Template:
    return Template(
        name="brand", label="Brand", dataSource=DATASOURCE, type="query",
        query="label_values(flarewatch_events_enriched_total, brand)",
        includeAll=multi, multi=multi, allValue=".*" if multi else None, refresh=2, sort=1,
        default="$__all" if multi else "",
    )


def layout(sections: Iterable[tuple[str, Sequence[tuple[Panel, int]]]], height: int = 8) -> list[Panel]:
    """Rows of panels: each section is a title and (panel, width) pairs, wrapped at 24 columns."""
    panels: list[Panel] = []
    y = 0
    for title, row in sections:
        panels.append(RowPanel(title=title, gridPos=GridPos(h=1, w=GRID_WIDTH, x=0, y=y)))
        y += 1
        x = 0
        for panel, width in row:
            if x + width > GRID_WIDTH:
                x, y = 0, y + height
            panel.gridPos = GridPos(h=height, w=width, x=x, y=y)
            panels.append(panel)
            x += width
        y += height
    return panels


def overview() -> Dashboard:
    events = [
        (timeseries(
            "Events per platform", targets((f"sum by (platform) (brand_platform:flarewatch_events_enriched:rate1m{{{BRAND}}})", "{{platform}}")),
            unit="ops", description="Enriched events per second, by platform, for the selected brands.", stacking={"mode": "normal"},
        ), 12),
        (timeseries(
            "Events per brand",
            targets(
                (f"sum by (brand) (brand_platform:flarewatch_events_enriched:rate1m{{{BRAND}}})", "{{brand}}"),
                (f"sum by (brand) (rate(flarewatch_events_off_topic_total{{{BRAND}}}[5m]))", "{{brand}} kept out (exclude)"),
            ),
            unit="ops", description="Enriched events per second, by brand; and events kept out because they name the brand "
            "only inside a phrase of its registry `exclude` (a stadium, a namesake).",
        ), 12),
        (timeseries(
            "Negative share vs baseline",
            targets(
                (f"max by (brand) (flarewatch_negative_share_ratio{{{BRAND}}})", "{{brand}} share"),
                (f"max by (brand) (flarewatch_negative_share_baseline_ratio{{{BRAND}}})", "{{brand}} baseline"),
            ),
            unit="percentunit", description="Share of negative events in the last closed bucket and the detector's baseline.",
        ), 12),
        (timeseries(
            "Negative events per bucket vs expected",
            targets(
                (f"max by (brand) (flarewatch_last_bucket_negative_events{{{BRAND}}})", "{{brand}} observed"),
                (f"max by (brand) (flarewatch_negative_events_baseline{{{BRAND}}})", "{{brand}} expected"),
            ),
            description="Negative events in the last closed bucket and the detector's expectation.",
        ), 12),
    ]
    incidents = [
        (stat(
            "Open incidents: critical", [target(f'sum(flarewatch_open_incidents{{{BRAND}, level="critical"}})', instant=True)],
            thresholds=[("green", None), ("red", 1)],
        ), 4),
        (stat(
            "Open incidents: warning", [target(f'sum(flarewatch_open_incidents{{{BRAND}, level="warning"}})', instant=True)],
            thresholds=[("green", None), ("orange", 1)],
        ), 4),
        (stat(
            "Open incidents: info", [target(f'sum(flarewatch_open_incidents{{{BRAND}, level="info"}})', instant=True)],
            thresholds=[("green", None), ("blue", 1)],
        ), 4),
        (timeseries(
            "Open incidents by severity", targets((f"sum by (level) (flarewatch_open_incidents{{{BRAND}}})", "{{level}}")),
            description="Incidents currently open, by level (info 1-3, warning 4-6, critical 7-10).", stacking={"mode": "normal"},
        ), 12),
        (Table(
            title="Open incidents", dataSource=DATASOURCE,
            description="Brand, type and level of every open incident. Drill down in the flarewatch incident dashboard.",
            targets=[Target(
                expr=f"sum by (brand, incident_type, level) (flarewatch_open_incidents{{{BRAND}}}) > 0",
                format="table", instant=True, refId="A", datasource=DATASOURCE,
            )],
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}],
        ), 12),
        (timeseries(
            "Detector scores", targets((f"max by (brand, detector) (flarewatch_detector_score{{{BRAND}}})", "{{brand}} {{detector}}")),
            unit="percentunit", description="Latest anomaly score in [0, 1] per brand and detector.", valueMin=0, valueMax=1,
        ), 12),
    ]
    pipeline = [
        (timeseries(
            "Throughput by topic", targets(("topic:flarewatch_events_consumed:rate1m", "{{topic}}")),
            unit="ops", description="Messages consumed per second, by topic.",
        ), 8),
        (timeseries(
            "Processing latency",
            targets(
                ("stage:flarewatch_processing_latency_seconds:p95_5m", "p95 {{stage}}"),
                ("stage:flarewatch_processing_latency_seconds:p50_5m", "p50 {{stage}}"),
            ),
            unit="s", description="Kafka timestamp to end of processing, by stage.",
        ), 8),
        (timeseries(
            "Consumer lag", targets(("sum by (topic) (job_topic:flarewatch_consumer_lag_messages:sum)", "{{topic}}")),
            description="Messages not yet processed, by topic (all workers).",
        ), 8),
        (timeseries(
            "Dead letters by reason", targets(("reason:flarewatch_events_rejected:rate5m", "{{reason}}")),
            unit="ops", description="Raw messages sent to the dead-letter topic per second, by reason.", stacking={"mode": "normal"},
        ), 8),
        (timeseries(
            "Dead-letter ratio",
            targets(
                ("flarewatch_events_rejected:ratio_rate5m", "rejected / consumed"),
                ("sum(increase(flarewatch_dead_letter_publish_failures_total[$__rate_interval]))", "dead-letter write failures"),
            ),
            unit="percentunit", description="Share of raw messages rejected; write failures mean lost messages.",
        ), 8),
        (timeseries(
            "Event-time lag", targets((f"max by (brand) (flarewatch_event_time_lag_seconds{{{BRAND}}})", "{{brand}}")),
            unit="s", description="Wall clock minus event time of the newest processed event.",
        ), 8),
        (stat(
            "Workers up", [target('sum(up{job="flarewatch-worker"})', instant=True)],
            thresholds=[("red", None), ("green", 1)],
        ), 6),
        (stat(
            "Since last processed event",
            [target("time() - max(max_over_time(flarewatch_last_event_processed_timestamp_seconds[6h]))", instant=True)],
            unit="s", thresholds=[("green", None), ("orange", INPUT_SILENT_SECONDS / 3), ("red", INPUT_SILENT_SECONDS)],
            description=(
                "Time since any worker last processed an event (across worker restarts). Red from the "
                "FlarewatchInputSilent threshold on: collectors or producers may have stopped."
            ),
        ), 6),
        (timeseries(
            "Incident forwarding", targets(("outcome:flarewatch_incidents_forwarded:rate5m", "{{outcome}}")),
            unit="ops", description="Webhook deliveries of incident events, by outcome.",
        ), 12),
    ]
    return Dashboard(
        title="flarewatch overview",
        uid="flarewatch-overview",
        description="Social-media crisis detection: events, negative share, incidents and pipeline health.",
        tags=["flarewatch"],
        timezone="utc",
        refresh="30s",
        time=Time("now-6h", "now"),
        templating=Templating([brand_variable(multi=True)]),
        annotations=incidents_opened_annotation(),
        links=[{"title": "Incident drill-down", "type": "link", "url": "/d/flarewatch-incident", "includeVars": True, "keepTime": True}],
        panels=layout([("Events", events), ("Incidents", incidents), ("Pipeline health", pipeline)]),
    ).auto_panel_ids()


def incident() -> Dashboard:
    incident_type = Template(
        name="incident_type", label="Incident type", dataSource=DATASOURCE, type="query",
        query='label_values(flarewatch_open_incidents{brand=~"$brand"}, incident_type)',
        includeAll=True, multi=True, allValue=".*", refresh=2, sort=1, default="$__all",
    )
    state = [
        (stat(
            "Open incidents", [target(f"sum(flarewatch_open_incidents{{{BRAND_AND_TYPE}}})", instant=True)],
            thresholds=[("green", None), ("red", 1)],
        ), 6),
        (stat(
            "Incident events (range)", [target(f"sum(increase(flarewatch_incident_events_total{{{BRAND_AND_TYPE}}}[$__range]))", instant=True)],
            description="Opened, updated and resolved events published in the selected time range.",
        ), 6),
        (Table(
            title="Firing and pending alerts", dataSource=DATASOURCE,
            description="Prometheus alerts for this brand (from deploy/prometheus/rules).",
            targets=[Target(
                expr='ALERTS{brand=~"$brand", alertname=~"Flarewatch.*"}', format="table", instant=True, refId="A",
                datasource=DATASOURCE,
            )],
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True, "__name__": True}}}],
        ), 12),
        (timeseries(
            "Open incidents by type and level",
            targets((f"sum by (incident_type, level) (flarewatch_open_incidents{{{BRAND_AND_TYPE}}})", "{{incident_type}} {{level}}")),
            description="1 while an incident of that type and level is open.",
        ), 12),
        (timeseries(
            "Incident events by status",
            targets((
                f"sum by (incident_type, status) (increase(flarewatch_incident_events_total{{{BRAND_AND_TYPE}}}[$__rate_interval]))",
                "{{incident_type}} {{status}}",
            )),
            description="Opened / updated / resolved events published.", drawStyle="bars",
        ), 12),
    ]
    signals = [
        (timeseries(
            "Negative share vs baseline",
            targets(
                (f"max(flarewatch_negative_share_ratio{{{BRAND}}})", "share"),
                (f"max(flarewatch_negative_share_baseline_ratio{{{BRAND}}})", "baseline"),
            ),
            unit="percentunit",
        ), 12),
        (timeseries(
            "Negative events per bucket vs expected",
            targets(
                (f"max(flarewatch_last_bucket_negative_events{{{BRAND}}})", "observed"),
                (f"max(flarewatch_negative_events_baseline{{{BRAND}}})", "expected"),
            ),
        ), 12),
        (timeseries(
            "Events by sentiment", targets((f"sum by (sentiment) (brand_sentiment:flarewatch_events_enriched:rate1m{{{BRAND}}})", "{{sentiment}}")),
            unit="ops", stacking={"mode": "normal"},
        ), 8),
        (timeseries(
            "Events by platform", targets((f"sum by (platform) (brand_platform:flarewatch_events_enriched:rate1m{{{BRAND}}})", "{{platform}}")),
            unit="ops", stacking={"mode": "normal"},
        ), 8),
        (timeseries(
            "Detector scores", targets((f"max by (detector) (flarewatch_detector_score{{{BRAND}}})", "{{detector}}")),
            unit="percentunit", valueMin=0, valueMax=1,
        ), 8),
        (timeseries(
            "Event-time lag", targets((f"max(flarewatch_event_time_lag_seconds{{{BRAND}}})", "lag")),
            unit="s", description="How far behind real time this brand's newest processed event is.",
        ), 12),
    ]
    return Dashboard(
        title="flarewatch incident",
        uid="flarewatch-incident",
        description="One brand's incidents, the signals behind them, and the alerts they raised.",
        tags=["flarewatch"],
        timezone="utc",
        refresh="30s",
        time=Time("now-6h", "now"),
        templating=Templating([brand_variable(multi=False), incident_type]),
        annotations=incidents_opened_annotation(),
        links=[{"title": "Overview", "type": "link", "url": "/d/flarewatch-overview", "includeVars": True, "keepTime": True}],
        panels=layout([("Incidents", state), ("Signals", signals)]),
    ).auto_panel_ids()


DASHBOARDS = {"flarewatch-overview.json": overview, "flarewatch-incident.json": incident}


def render(name: str) -> str:
    """The JSON text for one dashboard file, stable across runs (sorted keys)."""
    dashboard = DASHBOARDS[name]()
    return json.dumps(dashboard.to_json_data(), cls=DashboardEncoder, indent=2, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed JSON differs from the generated")
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR, help=f"output directory (default {OUTPUT_DIR})")
    args = parser.parse_args(argv)
    stale = []
    for name in DASHBOARDS:
        path = args.out / name
        text = render(name)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print(f"stale: {', '.join(stale)}; run python deploy/grafana/dashboards.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
