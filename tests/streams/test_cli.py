from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from streams.cli import build_parser, main
from tests.demo_samples import DEMO_BRANDS

GOOD = orjson.dumps({"id": "1", "platform": "twitter", "kind": "post", "brand": "acme-rail",
                     "created_at": "2026-03-01T12:00:00Z", "author": {"id": "u"}})


def test_every_documented_command_is_registered() -> None:
    import argparse

    parser = build_parser()
    (subcommands,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    expected = {"worker", "kafka", "produce", "incidents", "dead-letters", "replay", "demo", "train", "evaluate", "sentiment",
                "evaluate-detectors", "score-series", "evaluate-nab"}
    assert expected <= set(subcommands.choices)


def test_produce_check_reports_bad_lines_with_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n\n{broken\n" + GOOD.replace(b'"kind":"post"', b'"kind":"like"') + b"\n")
    assert main(["produce", str(events), "--check"]) == 1
    err = capsys.readouterr().err
    assert "2 of 3 lines break the input contract (1 bad_json, 1 bad_value); not sent (--check):\n" in err
    assert f"\n  {events}:3: bad_json" in err
    assert f"{events}:4: bad_value: kind 'like'" in err


def test_replay_and_produce_check_summarise_rejected_lines_alike(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n" + b"{broken\n" * 11 + b"[1]\n")
    assert main(["produce", str(events), "--check"]) == 1
    check = capsys.readouterr().err.splitlines()
    assert main(["replay", str(events), "--out", str(tmp_path / "out.jsonl"), "--quiet", "--brands", str(DEMO_BRANDS)]) == 0
    replay = capsys.readouterr().err.splitlines()
    header = "12 of 13 lines break the input contract (11 bad_json, 1 not_an_object);"
    assert check[0] == f"{header} not sent (--check):"
    start = replay.index(f"{header} skipped:")
    assert replay[start + 1:start + 12] == check[1:]
    assert check[1].startswith(f"  {events}:2: bad_json: not valid JSON")
    assert len(check) == 12 and check[-1] == "  and 2 more (-v lists them all)", "the first 10 lines, then how many more"


@pytest.mark.parametrize("options", [["--check"], ["--quiet", "--brands", str(DEMO_BRANDS)]], ids=["produce", "replay"])
def test_verbose_lists_every_rejected_line(options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command = "produce" if options == ["--check"] else "replay"
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n" + b"{broken\n" * 12)
    main([command, str(events), *options, "-v"])
    err = capsys.readouterr().err
    assert all(f"  {events}:{number}: bad_json" in err for number in range(2, 14)), "all 12, not the first 10"
    assert "lists them all" not in err
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "list every line that breaks the input contract (else the first 10)" in " ".join(capsys.readouterr().out.split())


def test_produce_check_passes_a_clean_file(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n")
    assert main(["produce", str(events), "--check"]) == 0


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["produce", str(tmp_path / "nope.jsonl"), "--check"]) == 1
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
    assert main(["produce", str(events), "--quiet"]) == 1
    assert "no Kafka broker answers at 127.0.0.1:1" in capsys.readouterr().err


def test_produce_checks_the_file_before_kafka(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FLAREWATCH_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    assert main(["produce", str(tmp_path / "missing.jsonl"), "--quiet"]) == 1
    assert "missing.jsonl: no such file" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--out", "--plot"])
def test_replay_refuses_a_directory_as_output(tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str) -> None:
    """A path that cannot be written is exit 1 for both outputs (--plot DIR was 2, --out DIR 1)."""
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n")
    directory = tmp_path / "plots.png"
    directory.mkdir()
    assert main(["replay", str(events), option, str(directory), "--quiet"]) == 1
    assert f"{option} {directory} is a directory; give a file name" in capsys.readouterr().err


def test_produce_check_says_a_clean_file_is_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n" + GOOD + b"\n")
    assert main(["produce", str(events), "--check"]) == 0
    err = capsys.readouterr().err
    assert "2 lines OK" in err
    assert "break the input contract" not in err


class FakeProducer:
    """Accepts sends like kafka-python's producer; fails the records whose payload contains
    ``fail``, and stands for Ctrl-C at the one whose payload contains ``ctrl-c``."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes | None, bytes]] = []

    def send(self, topic: str, key: bytes | None, value: bytes) -> object:
        from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
        from kafka.future import Future

        if b"huge" in value:
            raise MessageSizeTooLargeError("The message is 2000000 bytes when serialized")
        if b"ctrl-c" in value:
            raise KeyboardInterrupt
        class Sent(Future):
            def get(self, timeout: float | None = None) -> None:
                if self.exception is not None:
                    raise self.exception

        self.sent.append((key, value))
        future = Sent()
        return future.failure(KafkaTimeoutError("Batch expired")) if b"fail" in value else future.success(None)

    def flush(self, timeout: float | None = None) -> None:
        pass

    def close(self, timeout: float | None = None) -> None:
        pass


@pytest.fixture
def fake_producer(monkeypatch: pytest.MonkeyPatch) -> FakeProducer:
    import streams.kafka_admin
    import streams.kafka_clients

    producer = FakeProducer()
    monkeypatch.setattr(streams.kafka_admin, "require_broker", lambda settings: None)
    monkeypatch.setattr(streams.kafka_admin, "require_topic", lambda settings, topic: None)
    monkeypatch.setattr(streams.kafka_clients, "make_producer", lambda settings: producer)
    return producer


def test_produce_reports_failed_sends_and_exits_1(tmp_path: Path, fake_producer: FakeProducer,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    failing = GOOD.replace(b'"id":"1"', b'"id":"fail"')
    huge = GOOD.replace(b'"id":"1"', b'"id":"huge"')
    events.write_bytes(GOOD + b"\n" + failing + b"\n" + huge + b"\n" + GOOD + b"\n")
    assert main(["produce", str(events), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "2 of 4 events could not be sent" in err
    assert f"first: {events}:2: KafkaTimeoutError" in err
    assert "sent 4 events" not in err


def test_produce_interrupted_says_how_many_events_were_sent_and_acknowledged(
    tmp_path: Path, fake_producer: FakeProducer, capsys: pytest.CaptureFixture[str]
) -> None:
    """An outside tester's Ctrl-C printed 'interrupted' and nothing about what had been sent."""
    events = tmp_path / "events.jsonl"
    failing = GOOD.replace(b'"id":"1"', b'"id":"fail"')
    interrupt = GOOD.replace(b'"id":"1"', b'"id":"ctrl-c"')
    events.write_bytes(b"\n".join([GOOD, GOOD, failing, interrupt, GOOD]) + b"\n")
    assert main(["produce", str(events), "--quiet"]) == 130
    summary, last = capsys.readouterr().err.splitlines()
    assert summary.startswith("interrupted: 3 events sent, 2 acknowledged by Kafka, 1 failed (")
    assert last == "flarewatch produce: interrupted"


def test_produce_keys_every_line_by_its_brand(tmp_path: Path, fake_producer: FakeProducer,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    breaks_contract = GOOD.replace(b'"kind":"post"', b'"kind":"like"')
    events.write_bytes(GOOD + b"\n" + breaks_contract + b"\n{broken\n")
    assert main(["produce", str(events), "--quiet"]) == 0
    assert [key for key, _ in fake_producer.sent] == [b"acme-rail", b"acme-rail", None]
    err = capsys.readouterr().err
    assert "sent 3 events" in err
    assert "2 of 3 lines break the input contract (1 bad_json, 1 bad_value); sent, the worker will dead-letter them:\n" in err


@pytest.mark.parametrize("content", [b"", b"\n  \n\t\n"])
@pytest.mark.parametrize("check", [[], ["--check"]])
def test_produce_of_a_file_without_events_exits_1_like_replay(content: bytes, check: list[str], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """An outside tester's empty and blank files gave 'sent 0 events' and exit 0."""
    events = tmp_path / "events.jsonl"
    events.write_bytes(content)
    assert main(["produce", str(events), "--quiet", *check]) == 1
    what = "to check" if check else "to send"
    assert capsys.readouterr().err == f"flarewatch produce: error: nothing {what} in {events}: it holds no events\n"


def test_produce_of_empty_stdin_exits_1(fake_producer: FakeProducer, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"\n")))
    assert main(["produce", "-", "--quiet"]) == 1
    assert "nothing to send in -: it holds no events" in capsys.readouterr().err
    assert fake_producer.sent == []


@pytest.mark.parametrize(
    ("plot", "message"),
    [
        ("replay.xyz", "--plot: cannot draw a .xyz file; use one of"),
        ("replay", "is not a file name with a suffix (e.g. replay.png)"),
    ],
)
def test_replay_checks_the_plot_file_before_replaying(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      plot: str, message: str) -> None:
    events, out = tmp_path / "events.jsonl", tmp_path / "out.jsonl"
    events.write_bytes(GOOD + b"\n")
    assert main(["replay", str(events), "--out", str(out), "--plot", str(tmp_path / plot), "--quiet"]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists(), "refused before the replay ran"


def test_replay_prints_the_plot_file_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events, plot = tmp_path / "events.jsonl", tmp_path / "replay.svg"
    events.write_bytes(GOOD + b"\n")
    assert main(["replay", str(events), "--out", str(tmp_path / "out.jsonl"), "--plot", str(plot), "--quiet"]) == 0
    assert f"plot -> {plot}\n" in capsys.readouterr().err
    assert plot.read_bytes().lstrip().startswith(b"<?xml")


def test_replay_output_that_cannot_be_written_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n")
    assert main(["replay", str(events), "--out", "/proc/flarewatch-test.jsonl", "--quiet"]) == 1
    assert "cannot write /proc/flarewatch-test.jsonl" in capsys.readouterr().err


def test_verbose_is_accepted_after_the_command_too() -> None:
    parser = build_parser()
    assert parser.parse_args(["replay", "events.jsonl", "-v"]).verbose is True
    assert parser.parse_args(["kafka", "logs", "-v"]).verbose is True
    assert parser.parse_args(["-v", "replay", "events.jsonl"]).verbose is True
    assert parser.parse_args(["replay", "events.jsonl"]).verbose is False


def test_every_command_has_a_description() -> None:
    import argparse

    parser = build_parser()
    (subcommands,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    assert [name for name, command in subcommands.choices.items() if not command.description] == []


def test_produce_help_says_dash_reads_stdin() -> None:
    help_text = " ".join(build_parser()._subparsers._group_actions[0].choices["produce"].format_help().split())  # type: ignore[union-attr]
    assert "JSONL file of raw events ('-' for stdin)" in help_text


def test_a_command_module_that_cannot_be_imported_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    import streams.cli

    monkeypatch.setattr(streams.cli, "COMMAND_MODULES", (*streams.cli.COMMAND_MODULES, "streams.commands.gone"))
    with pytest.raises(ModuleNotFoundError, match=r"streams\.commands\.gone"):
        build_parser()


@pytest.mark.parametrize("lines", ["-5", "0", "many"])
def test_kafka_logs_needs_a_positive_line_count(lines: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["kafka", "logs", "-n", lines])
    assert exited.value.code == 2
    assert "argument -n/--lines" in capsys.readouterr().err


def test_kafka_logs_creates_no_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FLAREWATCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FLAREWATCH_KAFKA_BOOTSTRAP", raising=False)
    assert main(["kafka", "logs"]) == 0
    assert "no log yet" in capsys.readouterr().out
    assert not (tmp_path / "home").exists()


@pytest.mark.parametrize(
    ("arguments", "message", "code"),
    [
        (["--events", "missing.jsonl"], "missing.jsonl: no such file", 1),
        (["--rate", "-1"], "--rate must be 0 (as fast as possible) or a positive, finite number", 2),
        (["--brands", "missing.yaml"], "missing.yaml does not exist", 2),
    ],
)
def test_demo_checks_its_inputs_before_starting_anything(arguments: list[str], message: str, code: int, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import streams.commands.demo

    def must_not_start(*args: object) -> None:
        raise AssertionError("started Kafka before checking the inputs")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(streams.commands.demo, "_start_kafka", must_not_start)
    assert main(["demo", *arguments]) == code
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("command", [["demo", "--timeout", "1"], ["kafka", "up"], ["kafka", "down"]])
def test_an_unusable_home_is_one_line_not_a_traceback(command: list[str], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The local broker's directory cannot be created: demo crashed with an OSError traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("FLAREWATCH_HOME", str(blocker / "home"))
    monkeypatch.delenv("FLAREWATCH_KAFKA_BOOTSTRAP", raising=False)
    assert main(command) == 1
    error = capsys.readouterr().err
    assert f"cannot use {blocker / 'home' / 'kafka'} for the local broker" in error
    assert "Traceback" not in error


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_incidents_metrics_port_must_be_a_port(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["incidents", "--forward", "http://x", "--metrics-port", port])
    assert exited.value.code == 2
    assert "argument --metrics-port" in capsys.readouterr().err


@pytest.mark.parametrize("topic", ["bad topic!", "", "..", "t" * 250])
def test_produce_topic_must_be_a_kafka_topic_name(topic: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An outside tester's --topic 'bad topic!' ended in a kafka-python traceback, exit 1."""
    (tmp_path / "events.jsonl").write_bytes(GOOD + b"\n")
    with pytest.raises(SystemExit) as exited:
        main(["produce", str(tmp_path / "events.jsonl"), "--topic", topic])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument --topic: " in err and "is not a Kafka topic name" in err and "Traceback" not in err


def test_min_severity_levels_are_the_levels_of_the_records() -> None:
    from schemas.records import LEVELS, level_for_severity
    from streams.commands.incidents import severity

    for level in LEVELS:
        lowest = severity(level)
        assert level_for_severity(lowest) == level
        assert lowest == 1 or level_for_severity(lowest - 1) != level


@pytest.mark.parametrize("command", [["replay", "events.jsonl", "--quiet"], ["worker"], ["demo"]])
@pytest.mark.parametrize(
    ("registry", "message"),
    [
        (".", "is a directory, not a YAML file"),
        ("latin1.yaml", "latin1.yaml is not UTF-8 text (line 2); save it as UTF-8"),
        ("typo.yaml", "typo.yaml: brands[0] (acme) has unknown key 'acounts'; did you mean 'accounts'?"),
    ],
)
def test_unusable_brand_registry_is_a_one_line_error(command: list[str], registry: str, message: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLAREWATCH_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    monkeypatch.setenv("FLAREWATCH_BRANDS_FILE", registry)
    (tmp_path / "events.jsonl").write_bytes(GOOD + b"\n")
    (tmp_path / "latin1.yaml").write_bytes("brands:\n  - name: caf\xe9\n".encode("latin-1"))
    (tmp_path / "typo.yaml").write_text("brands:\n  - name: acme\n    acounts:\n      owned: [acme]\n")
    if command == ["demo"]:
        command = ["demo", "--events", "events.jsonl"]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize("command", [["produce", "events.jsonl"], ["kafka", "status"], ["incidents", "--last", "1"], ["demo"]])
def test_bad_bootstrap_is_a_clear_error(command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLAREWATCH_KAFKA_BOOTSTRAP", "localhost:abc")
    (tmp_path / "events.jsonl").write_bytes(GOOD + b"\n")
    assert main(command) == 2
    assert "FLAREWATCH_KAFKA_BOOTSTRAP='localhost:abc' entry 'localhost:abc' is not host:port" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--timeout", "-1"], "--timeout must be a positive number of seconds, got -1"),
        (["--timeout", "0"], "--timeout must be a positive number of seconds, got 0"),
        (["--timeout", "nan"], "--timeout must be a positive number of seconds, got nan"),
        (["--last", "3", "--timeout", "-1"], "--timeout must be a positive number of seconds"),
        (["--json", "--forward", "http://x"], "--json only applies when printing; --forward always posts the incident as JSON"),
        (["--forward", "http://x", "--max-attempts", "0"], "--max-attempts must be at least 1, got 0"),
        (["--forward", "http://x", "--initial-delay", "-1"], "--initial-delay must be a non-negative number of seconds, got -1"),
        (["--forward", "http://x", "--max-delay", "inf"], "--max-delay must be a non-negative number of seconds, got inf"),
    ],
)
def test_incidents_rejects_contradictory_or_negative_options(arguments: list[str], message: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["incidents", *arguments, "--metrics-port", "0"]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "11", "-3"])
def test_min_severity_is_1_to_10(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["incidents", "--min-severity", value])
    assert exited.value.code == 2
    assert "argument --min-severity" in capsys.readouterr().err


@pytest.mark.parametrize("arguments", [["--last", "3"], ["--json"], ["--forward", "http://127.0.0.1:1/hook", "--metrics-port", "0"]])
def test_incidents_timeout_bounds_connecting_to_kafka(arguments: list[str], monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    import time

    monkeypatch.setenv("FLAREWATCH_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    started = time.monotonic()
    assert main(["incidents", *arguments, "--timeout", "1"]) == 1
    assert time.monotonic() - started < 10, "kafka-python's own 30 s bootstrap wait"
    err = capsys.readouterr().err
    assert "cannot reach Kafka at 127.0.0.1:1 within --timeout 1 s" in err
    assert "check FLAREWATCH_KAFKA_BOOTSTRAP" in err
    assert err.count("\n") == 1, err
    assert not [record for record in caplog.records if record.name.startswith("kafka")], "the library's own error lines"


def test_misspelt_variable_is_a_warning_not_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FLAREWATCH_PARTITONS", "8")
    events = tmp_path / "events.jsonl"
    events.write_bytes(GOOD + b"\n")
    assert main(["produce", str(events), "--check"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "FLAREWATCH_PARTITONS" in line]
    assert warnings == ["flarewatch produce: warning: FLAREWATCH_PARTITONS is not a flarewatch setting and is ignored; "
                        "did you mean FLAREWATCH_PARTITIONS?"]


@pytest.mark.parametrize("command", ["demo", "worker"])
def test_metrics_port_option_is_checked_as_an_option(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--metrics-port", "0"])
    assert exited.value.code == 2
    assert "argument --metrics-port: 0 is out of range (a port 1-65535)" in capsys.readouterr().err


def test_replay_skips_brands_the_registry_does_not_list_like_the_worker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    typo = GOOD.replace(b'"acme-rail"', b'"acme-rial"').replace(b'"id":"1"', b'"id":"2"')
    events.write_bytes(GOOD + b"\n" + typo + b"\n")
    assert main(["replay", str(events), "--brands", str(DEMO_BRANDS), "--quiet", "--out", str(tmp_path / "o.jsonl")]) == 0
    err = capsys.readouterr().err
    assert "skipped 1 events for brands not in the registry" in err and "acme-rial" in err
    assert "1 events, 0 incidents opened" in err
    events.write_bytes(typo + b"\n")
    assert main(["replay", str(events), "--brands", str(DEMO_BRANDS), "--quiet"]) == 1
    assert "no event is for a brand in the registry (acme-rail)" in capsys.readouterr().err


def test_worker_logs_the_address_it_serves_metrics_on(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """An outside tester's worker logged http://127.0.0.1:PORT while it listened on 0.0.0.0."""
    import logging
    from types import SimpleNamespace

    import faust
    import prometheus_client

    import streams.app
    import streams.kafka_admin
    import streams.runtime
    from streams.commands.worker import start_worker
    from streams.settings import Settings

    served: list[tuple[str, int]] = []
    components = SimpleNamespace(registry=SimpleNamespace(names=("acme",)), enricher=SimpleNamespace(model_version="m"), engine=None)
    monkeypatch.setattr(streams.runtime, "load_components", lambda settings: components)
    monkeypatch.setattr(streams.kafka_admin, "require_broker", lambda settings: None)
    monkeypatch.setattr(streams.kafka_admin, "ensure_topics", lambda settings: [])
    monkeypatch.setattr(streams.kafka_admin, "check_partitions", lambda settings, changelog_topics: None)
    monkeypatch.setattr(prometheus_client, "disable_created_metrics", lambda: None)
    monkeypatch.setattr(prometheus_client, "start_http_server",
                        lambda port, addr, registry: served.append((addr, port)))
    monkeypatch.setattr(streams.app, "create_pipeline", lambda *args: SimpleNamespace(app=None))
    monkeypatch.setattr(faust, "Worker", lambda *args, **kwargs: SimpleNamespace(execute_from_commandline=lambda: None))
    with caplog.at_level(logging.INFO, logger="flarewatch.worker"):
        assert start_worker(Settings.from_env({"FLAREWATCH_METRICS_PORT": "9999"})) == 0
    [(address, port)] = served
    assert f"metrics on http://{address}:{port}/metrics (every interface)" in caplog.text
