"""Exit codes: 1 when a command fails while it runs, 2 when it was called wrongly (argparse's code)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import streams.commands.replay
from streams.cli import main
from streams.errors import CommandError, SettingsError, UsageError
from streams.settings import Settings


@pytest.mark.parametrize(
    ("raised", "code"),
    [
        (CommandError("Kafka went away"), 1),
        (UsageError("--rate must not be negative"), 2),
        (SettingsError("FLAREWATCH_PARTITIONS must be at least 1"), 2),
        (KeyboardInterrupt(), 130),
    ],
)
def test_each_error_class_has_its_exit_code(raised: BaseException, code: int, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    def handler(args: argparse.Namespace, settings: Settings) -> int:
        raise raised

    monkeypatch.setattr(streams.commands.replay, "run_replay", handler)
    assert main(["replay", "events.jsonl"]) == code
    assert capsys.readouterr().err.startswith("flarewatch replay: ")


GOOD = b'{"id": "1", "platform": "twitter", "kind": "post", "brand": "acme", "created_at": 1772366400000, "author": {"id": "u"}}\n'


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["produce", "{tmp}/missing.jsonl", "--check"], 1, "missing.jsonl: no such file"),
        (["produce", "{tmp}/events.jsonl", "--rate", "-1"], 2, "--rate must be 0 (as fast as possible) or a positive, finite number"),
        (["produce", "{tmp}/events.jsonl", "--rate", "nan"], 2, "finite number of events per second; got nan"),
        (["produce", "{tmp}/events.jsonl", "--rate", "inf"], 2, "finite number of events per second; got inf"),
        (["demo", "--rate", "nan"], 2, "finite number of events per second; got nan"),
        (["replay", "{tmp}/events.jsonl", "--out", "{tmp}/no-such-dir/out.jsonl", "--quiet"], 1, "does not exist"),
        (["replay", "{tmp}/events.jsonl", "--out", "{tmp}/events.jsonl", "--quiet"], 2, "is the events file"),
        (["score-series", "{tmp}/missing.csv", "--out", "-"], 1, "missing.csv: no such file"),
        (["sentiment", "--batch-size", "0"], 2, "--batch-size must be at least 1"),
        (["evaluate", "--data-dir", "{tmp}"], 1, "no labelled data"),
        (["incidents", "--last", "0"], 2, "--last must be at least 1"),
        (["evaluate-detectors", "--scenario", "no_such_thing"], 2, "unknown scenario(s) no_such_thing"),
    ],
)
def test_a_failure_exits_1_and_a_usage_error_2(arguments: list[str], code: int, message: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FLAREWATCH_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    (tmp_path / "events.jsonl").write_bytes(GOOD)
    assert main([argument.format(tmp=tmp_path) for argument in arguments]) == code
    assert message in capsys.readouterr().err
