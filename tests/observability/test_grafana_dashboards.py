"""The committed Grafana JSON is what deploy/grafana/dashboards.py generates, and provisioning agrees with it."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from types import ModuleType

import pytest
import yaml

from tests.observability.artefacts import (
    DASHBOARD_FILES,
    GRAFANA_ALERT_FILES,
    GRAFANA_DIR,
    alerting_rules,
)

PROVISIONING = GRAFANA_DIR / "provisioning"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("flarewatch_dashboards", GRAFANA_DIR / "dashboards.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def provisioned_datasource_uids() -> set[str]:
    documents = [yaml.safe_load(path.read_text()) for path in (PROVISIONING / "datasources").glob("*.yaml")]
    return {source["uid"] for document in documents for source in document["datasources"]}


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


def test_committed_json_equals_generator_output(generator: ModuleType) -> None:
    assert sorted(path.name for path in DASHBOARD_FILES) == sorted(generator.DASHBOARDS)
    for path in DASHBOARD_FILES:
        assert path.read_text() == generator.render(path.name), (
            f"{path.name} is stale: run .venv/bin/python deploy/grafana/dashboards.py"
        )


RENDER_ALL = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("flarewatch_dashboards", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({name: module.render(name) for name in module.DASHBOARDS}))
"""


@pytest.mark.parametrize("seed", ["1", "2"])
def test_generator_output_does_not_depend_on_the_hash_seed(seed: str) -> None:
    """Set and dict iteration order changes with PYTHONHASHSEED; the committed JSON must not."""
    result = subprocess.run(
        [sys.executable, "-c", RENDER_ALL, str(GRAFANA_DIR / "dashboards.py")],
        env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, timeout=120, check=True,
    )
    rendered = json.loads(result.stdout)
    assert rendered == {path.name: path.read_text() for path in DASHBOARD_FILES}


def test_dashboards_use_the_provisioned_datasource() -> None:
    uids = provisioned_datasource_uids()
    for path in DASHBOARD_FILES:
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            if panel["type"] == "row":
                continue
            assert panel["datasource"]["uid"] in uids, f"{path.name}: {panel['title']}"
            assert panel["targets"], f"{path.name}: {panel['title']} has no query"
        for variable in dashboard["templating"]["list"]:
            assert variable["datasource"]["uid"] in uids


def test_dashboard_uids_are_unique_and_linked() -> None:
    dashboards = [json.loads(path.read_text()) for path in DASHBOARD_FILES]
    uids = [dashboard["uid"] for dashboard in dashboards]
    assert len(set(uids)) == len(uids)
    for dashboard in dashboards:
        for link in dashboard["links"]:
            assert link["url"].removeprefix("/d/") in uids


def test_incident_dashboard_has_brand_and_type_templating() -> None:
    dashboard = json.loads((GRAFANA_DIR / "dashboards" / "flarewatch-incident.json").read_text())
    assert [variable["name"] for variable in dashboard["templating"]["list"]] == ["brand", "incident_type"]


def test_grafana_alert_rules_reference_known_datasources_and_dashboards() -> None:
    uids = provisioned_datasource_uids() | {"__expr__"}
    dashboards = {json.loads(path.read_text())["uid"] for path in DASHBOARD_FILES}
    assert GRAFANA_ALERT_FILES
    for path in GRAFANA_ALERT_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                ref_ids = {query["refId"] for query in rule["data"]}
                assert rule["condition"] in ref_ids
                assert {query["datasourceUid"] for query in rule["data"]} <= uids
                assert rule["labels"]["severity"] in {"warning", "critical"}
                assert rule["annotations"]["__dashboardUid__"] in dashboards


def test_dashboard_provider_points_at_a_directory() -> None:
    document = yaml.safe_load((PROVISIONING / "dashboards" / "flarewatch.yaml").read_text())
    assert [provider["type"] for provider in document["providers"]] == ["file"]


def test_input_silence_threshold_is_the_same_everywhere(generator: ModuleType) -> None:
    """FlarewatchInputSilent's "> N" is the threshold; the Grafana alert and the dashboard's red follow it."""
    rule = next(rule for rule in alerting_rules() if rule["alert"] == "FlarewatchInputSilent")
    match = re.search(r">\s*(\d+)\s*$", rule["expr"].strip())
    assert match, rule["expr"]
    threshold = float(match.group(1))
    grafana = [
        query["model"]["conditions"][0]["evaluator"]["params"][0]
        for path in GRAFANA_ALERT_FILES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"] if rule["annotations"]["runbook_url"].endswith("#flarewatchinputsilent")
        for query in rule["data"] if query["refId"] == rule["condition"]
    ]
    assert grafana == [threshold]
    assert threshold == generator.INPUT_SILENT_SECONDS
    overview = json.loads((GRAFANA_DIR / "dashboards" / "flarewatch-overview.json").read_text())
    panel = next(panel for panel in overview["panels"] if panel["title"] == "Since last processed event")
    assert panel["fieldConfig"]["defaults"]["thresholds"]["steps"][-1] == {"color": "red", "value": threshold}
