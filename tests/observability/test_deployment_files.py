"""Deployment artefacts stay in step with the code: compose, Dockerfile, systemd, docs, AsyncAPI.

Docker cannot run on the CI machine, so these are static checks: the files parse, the
paths they mount or copy exist, and the documented settings, topics and reasons match
``streams.settings``, ``streams.topics`` and ``schemas.codec``.
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from schemas.codec import RejectReason
from streams.errors import UsageError
from streams.settings import Settings, describe_settings
from streams.topics import TOPIC_SPECS, topic_name, topic_partitions
from tests.observability.artefacts import DEPLOY, REPOSITORY_ROOT

ASYNCAPI = REPOSITORY_ROOT / "docs" / "asyncapi.yaml"
OPERATIONS = REPOSITORY_ROOT / "docs" / "operations.md"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def test_operations_guide_lists_every_setting() -> None:
    text = OPERATIONS.read_text()
    missing = [name for name, _, _ in describe_settings() if f"`{name}`" not in text]
    assert not missing, f"docs/operations.md does not document {missing}"


def test_operations_guide_lists_every_topic() -> None:
    text = OPERATIONS.read_text()
    for spec in TOPIC_SPECS:
        assert f"`<prefix>.{spec.suffix}`" in text


def test_asyncapi_channels_match_the_topic_table() -> None:
    document = yaml.safe_load(ASYNCAPI.read_text())
    assert document["asyncapi"].startswith("3.")
    defaults = Settings()
    by_address = {channel["address"]: channel for channel in document["channels"].values()}
    for spec in TOPIC_SPECS:
        address = topic_name(defaults, spec.key).replace(defaults.topic_prefix, "{prefix}", 1)
        binding = by_address[address]["bindings"]["kafka"]
        assert binding["partitions"] == topic_partitions(defaults, spec.key), address
        assert binding["topicConfiguration"]["retention.ms"] == spec.retention_hours * 3600 * 1000, address


def test_asyncapi_references_resolve() -> None:
    document = yaml.safe_load(ASYNCAPI.read_text())
    text = ASYNCAPI.read_text()
    for reference in re.findall(r"\$ref: '([^']+)'", text):
        path, _, pointer = reference.partition("#")
        if path:
            assert (ASYNCAPI.parent / path).resolve().is_file(), reference
        else:
            node = document
            for part in pointer.strip("/").split("/"):
                assert part in node, reference
                node = node[part]


def test_asyncapi_dead_letter_reasons_match_the_codec() -> None:
    document = yaml.safe_load(ASYNCAPI.read_text())
    headers = document["components"]["messages"]["deadLetter"]["headers"]["properties"]
    assert headers["flarewatch-reject-reason"]["enum"] == [reason.value for reason in RejectReason]


def test_compose_mounts_and_builds_existing_paths() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"kafka", "worker", "prometheus", "alertmanager", "grafana"} <= services.keys()
    assert services["kafka"]["image"].startswith("apache/kafka:4.1")
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source}"
    prometheus_command = " ".join(services["prometheus"]["command"])
    assert "prometheus.compose.yml" in prometheus_command
    build = services["worker"].get("build") or compose["x-flarewatch"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()


def test_dockerfile_copies_existing_paths() -> None:
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                if source != "README.md":  # written by the lead; checked by the build itself
                    assert (REPOSITORY_ROOT / source).exists(), line


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_systemd_unit_is_well_formed(unit: Path, tmp_path: Path) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit.read_text())
    assert {"Unit", "Service", "Install"} <= set(parser.sections())
    assert parser["Service"]["ExecStart"].startswith("/opt/flarewatch/.venv/bin/flarewatch ")
    assert parser["Service"]["EnvironmentFile"] == "/etc/flarewatch/flarewatch.env"
    verifier = shutil.which("systemd-analyze")
    if verifier is None:
        pytest.skip("systemd-analyze not installed: only the structure was checked")
    # Verify against this checkout's flarewatch so a missing /opt install is not an error.
    local = tmp_path / unit.name
    local.write_text(unit.read_text().replace("/opt/flarewatch/.venv/bin/flarewatch", str(REPOSITORY_ROOT / ".venv" / "bin" / "flarewatch")))
    result = subprocess.run([verifier, "verify", "--man=no", str(local)], capture_output=True, text=True, timeout=60, check=False)
    problems = [line for line in result.stderr.splitlines() if unit.name in line and "not executable" not in line]
    assert not problems, result.stderr


@pytest.mark.parametrize("name", ["flarewatch-worker.service", "flarewatch-forwarder.service"])
def test_systemd_does_not_restart_a_flarewatch_unit_on_a_usage_error(name: str) -> None:
    """A bad FLAREWATCH_* value or brand registry exits with UsageError's code; restarting
    every few seconds cannot fix it and would bury the one line that says what is wrong."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    assert parser["Service"]["RestartPreventExitStatus"].split() == [str(UsageError.exit_code)]


def test_env_example_sets_only_known_settings() -> None:
    known = {name for name, _, _ in describe_settings()} | {"FLAREWATCH_FORWARD_URL"}
    for line in (DEPLOY / "systemd" / "flarewatch.env.example").read_text().splitlines():
        line = line.lstrip("#").strip()
        if line.startswith("FLAREWATCH_"):
            assert line.split("=")[0] in known, line


def test_dockerfile_exposes_only_ports_something_listens_on() -> None:
    from streams.commands.incidents import FORWARDER_METRICS_PORT
    from streams.settings import Settings

    exposed = {
        int(port)
        for line in (DEPLOY / "Dockerfile").read_text().splitlines() if line.startswith("EXPOSE ")
        for port in line.split()[1:]
    }
    # The worker's Faust web server (6066) is disabled (web_enabled=False).
    assert exposed == {Settings().metrics_port, FORWARDER_METRICS_PORT}


def test_compose_forwarder_needs_its_url_and_shares_the_workers_settings() -> None:
    stack = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    forwarder_file = (DEPLOY / "docker-compose.forwarder.yml").read_text()
    forwarder = yaml.safe_load(forwarder_file)["services"]["forwarder"]
    assert "forwarder" not in stack["services"], "compose would demand the URL for the whole stack"
    assert "${FLAREWATCH_FORWARD_URL:?" in " ".join(forwarder["command"])
    assert ".invalid" not in forwarder_file
    shared = stack["x-flarewatch"]["environment"]
    assert {key: shared[key] for key in forwarder["environment"]} == forwarder["environment"]
    assert forwarder["build"] == stack["x-flarewatch"]["build"]


def test_the_files_the_local_broker_needs_ship_inside_the_package() -> None:
    """Found by an outside operator: the systemd units install with ``pip install .``, and
    the broker's pom.xml and log4j2 config lived in deploy/, outside the package: an
    installed ``flarewatch kafka up`` failed with "Non-readable POM"."""
    import fnmatch
    import tomllib

    from streams.local_kafka import LOG4J_CONFIG_FILE, POM_FILE

    package = Path(__file__).resolve().parents[2] / "streams"
    pyproject = tomllib.loads((package.parent / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["streams"]
    for path in (POM_FILE, LOG4J_CONFIG_FILE):
        assert path.is_file()
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in globs), f"{relative} is not package data"
