from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from streams.cli import build_parser, main

GOOD = orjson.dumps({"id": "1", "platform": "twitter", "kind": "post", "brand": "acme",
                     "created_at": "2026-03-01T12:00:00Z", "author": {"id": "u"}})


def test_every_documented_command_is_registered() -> None:
    import argparse

    parser = build_parser()
    (subcommands,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    expected = {"worker", "kafka", "produce", "incidents", "replay", "demo", "train", "evaluate", "sentiment",
                "evaluate-detectors", "score-series", "evaluate-nab"}
    assert expected <= set(subcommands.choices)


def test_produce_check_reports_bad_lines_with_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n\n{broken\n" + GOOD.replace(b'"kind":"post"', b'"kind":"like"') + b"\n")
    assert main(["produce", str(events), "--check"]) == 1
    err = capsys.readouterr().err
    assert "2 of 3 lines break the input contract" in err
    assert f"{events}:3: bad_json" in err
    assert f"{events}:4: bad_value: kind 'like'" in err


def test_produce_check_passes_a_clean_file(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n")
    assert main(["produce", str(events), "--check"]) == 0


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["produce", str(tmp_path / "nope.jsonl"), "--check"]) == 2
    assert "nope.jsonl: no such file" in capsys.readouterr().err


def test_bad_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("FLAREWATCH_PARTITIONS", "lots")
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n")
    assert main(["produce", str(events), "--check"]) == 2
    assert "FLAREWATCH_PARTITIONS='lots' is not a valid int" in capsys.readouterr().err


@pytest.mark.slow
def test_produce_without_a_broker_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FLAREWATCH_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n")
    assert main(["produce", str(events), "--quiet"]) == 2
    assert "no Kafka broker answers at 127.0.0.1:1" in capsys.readouterr().err


def test_produce_checks_the_file_before_kafka(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FLAREWATCH_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    assert main(["produce", str(tmp_path / "missing.jsonl"), "--quiet"]) == 2
    assert "missing.jsonl: no such file" in capsys.readouterr().err


def test_replay_refuses_a_directory_as_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n")
    assert main(["replay", str(events), "--out", str(tmp_path), "--quiet"]) == 2
    assert "is a directory" in capsys.readouterr().err
