"""The README's main job, ``flarewatch demo``, end to end on the session's broker: it prints
the sample's crisis as it is detected and leaves no topics behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from streams.cli import main
from streams.kafka_admin import admin_client
from streams.settings import Settings, env_var
from tests.integration.worker_process import free_port, wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_the_demo_prints_the_crisis_and_deletes_its_topics(
    kafka_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(env_var("kafka_bootstrap"), kafka_settings.bootstrap_servers)
    monkeypatch.setenv(env_var("home"), str(tmp_path / "home"))
    assert main(["demo", "--rate", "5000", "--timeout", "45", "--metrics-port", str(free_port())]) == 0
    out = capsys.readouterr().out
    prefix = re.search(r"to (flarewatch-demo-[0-9-]+)\.events\.raw", out)
    assert prefix is not None, out
    # The sample's crisis: the support account's rude reply, paged as the brand's own doing.
    assert re.search(r"OPENED acme-rail · owned_post_backlash · origin self_inflicted", out), out
    shown = re.search(r"\[demo\] (\d+) incident events shown", out)
    assert shown is not None and int(shown.group(1)) >= 1, out
    assert re.search(r"\[demo\] deleted the run's (\d+) topics", out), out

    def none_left() -> bool:
        with admin_client(kafka_settings) as client:
            return not any(topic.startswith(prefix.group(1)) for topic in client.list_topics())

    wait_until(none_left, timeout=30, what=f"the demo's topics {prefix.group(1)}* deleted")
