"""The shipped Prometheus/Alertmanager configuration passes its own tools, and every alert is tested.

``promtool check rules`` / ``test rules`` / ``check config`` / ``check metrics`` and
``amtool check-config`` run on the committed files; the structure tests make sure no
alert ships without a firing and a not-firing unit test, a severity, and a runbook
section.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.observability.artefacts import (
    ALERTMANAGER_CONFIG,
    PROMETHEUS_DIR,
    RULE_FILES,
    RULE_TEST_FILES,
    RUNBOOK,
    alerting_rules,
    dashboard_queries,
    grafana_alert_queries,
    rules,
)
from tests.observability.processes import metric_lint_problems, require_binary, run_tool

pytestmark = pytest.mark.prometheus

# Lint findings in streams/metrics.py reported to its owner; each entry must still occur
# (the test fails once it is fixed, so the entry gets removed with the fix).
KNOWN_METRIC_LINT_PROBLEMS: set[str] = set()


def test_rule_files_exist() -> None:
    assert RULE_FILES, "no deploy/prometheus/rules/*.rules.yml"
    assert RULE_TEST_FILES, "no deploy/prometheus/tests/*.test.yml"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda path: path.name)
def test_promtool_check_rules(path: Path) -> None:
    result = run_tool([require_binary("promtool"), "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", RULE_TEST_FILES, ids=lambda path: path.name)
def test_promtool_rule_unit_tests(path: Path) -> None:
    result = run_tool([require_binary("promtool"), "test", "rules", str(path)], timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["prometheus.yml", "prometheus.compose.yml"])
def test_promtool_check_config(name: str) -> None:
    result = run_tool([require_binary("promtool"), "check", "config", str(PROMETHEUS_DIR / name)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_amtool_check_config() -> None:
    result = run_tool([require_binary("amtool"), "check-config", str(ALERTMANAGER_CONFIG)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        ({"alertname": "FlarewatchCrisisIncidentCritical", "severity": "critical", "brand": "acme"}, "flarewatch-critical"),
        ({"alertname": "FlarewatchCrisisIncidentWarning", "severity": "warning", "brand": "acme"}, "flarewatch-warning"),
        ({"alertname": "FlarewatchWorkerDown", "severity": "critical", "job": "flarewatch-worker"}, "flarewatch-critical"),
        ({"alertname": "SomethingElse"}, "flarewatch-warning"),
    ],
)
def test_alertmanager_routes_by_severity(labels: dict[str, str], receiver: str) -> None:
    argv = [require_binary("amtool"), "config", "routes", "test", f"--config.file={ALERTMANAGER_CONFIG}"]
    result = run_tool(argv + [f"{key}={value}" for key, value in labels.items()])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == [receiver]


def test_every_alert_has_firing_and_quiet_unit_tests() -> None:
    firing: dict[str, int] = defaultdict(int)
    quiet: dict[str, int] = defaultdict(int)
    for path in RULE_TEST_FILES:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                counter = firing if check.get("exp_alerts") else quiet
                counter[check["alertname"]] += 1
    names = {rule["alert"] for rule in alerting_rules()}
    assert names, "no alerting rules found"
    assert not names - firing.keys(), f"alerts without a firing test: {sorted(names - firing.keys())}"
    assert not names - quiet.keys(), f"alerts without a not-firing test: {sorted(names - quiet.keys())}"
    unknown = (firing.keys() | quiet.keys()) - names
    assert not unknown, f"tests for alerts that do not exist: {sorted(unknown)}"


def _runbook_anchors() -> set[str]:
    anchors = set()
    for line in RUNBOOK.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("rule", alerting_rules(), ids=lambda rule: rule["alert"])
def test_alert_has_severity_annotations_and_runbook_section(rule: dict) -> None:
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert {"summary", "description", "runbook_url"} <= rule["annotations"].keys()
    assert "for" in rule, "every alert states its for: duration, even 0m"
    path, _, anchor = rule["annotations"]["runbook_url"].partition("#")
    assert path == "docs/runbook.md"
    assert anchor in _runbook_anchors(), f"docs/runbook.md has no section #{anchor}"


def test_metrics_exposition_passes_promtool_lint(metrics_text: str) -> None:
    problems = metric_lint_problems(metrics_text)
    assert problems - KNOWN_METRIC_LINT_PROBLEMS == set(), "\n".join(sorted(problems))
    fixed = KNOWN_METRIC_LINT_PROBLEMS - problems
    assert not fixed, f"fixed in streams/metrics.py; remove from KNOWN_METRIC_LINT_PROBLEMS: {fixed}"


# Raw metric names only: a recorded name such as level:flarewatch_x:sum is skipped.
_METRIC_NAME = re.compile(r"(?<![:\w])flarewatch_[a-z_]+(?![:\w])")


def test_rules_and_dashboards_only_use_exposed_metrics(metrics_text: str) -> None:
    """A renamed metric must not silently empty a panel or disarm an alert."""
    exposed = set()
    for line in metrics_text.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            exposed.add(name)
            suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created")}
            exposed.update(name + suffix for suffix in suffixes.get(kind, ()))
    expressions = [("rules", rule["expr"]) for rule in rules()]
    expressions += list(dashboard_queries()) + list(grafana_alert_queries())
    missing = {
        (where, name)
        for where, expr in expressions
        for name in _METRIC_NAME.findall(expr)
        if name not in exposed
    }
    assert not missing, "\n".join(f"{where}: {name}" for where, name in sorted(missing))


def test_inhibit_rules_name_existing_alerts() -> None:
    """A renamed alert must not silently fall out of an inhibition (and page twice)."""
    names = {rule["alert"] for rule in alerting_rules()}
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    for inhibition in config["inhibit_rules"]:
        for matcher in inhibition["source_matchers"] + inhibition["target_matchers"]:
            parsed = re.fullmatch(r'(\w+)\s*(=~|=)\s*"(.*)"', matcher)
            assert parsed, matcher
            label, operator, value = parsed.groups()
            if label != "alertname":
                continue
            pattern = value if operator == "=~" else re.escape(value)
            alternatives = pattern.split("|") if operator == "=~" and "(" not in pattern else [pattern]
            for alternative in alternatives:
                assert any(re.fullmatch(alternative, name) for name in names), f"{matcher}: no alert matches {alternative!r}"
