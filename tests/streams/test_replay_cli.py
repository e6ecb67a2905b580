"""`flarewatch replay`: deterministic, tolerant of bad lines, same contract as the worker."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from schemas.codec import decode_incident
from streams.cli import main
from tests.demo_samples import DEMO_BRANDS, DEMO_EVENTS

pytestmark = pytest.mark.slow


def test_replay_is_deterministic_and_finds_the_demo_crisis(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (first, second):
        assert main(["replay", str(DEMO_EVENTS), "--brands", str(DEMO_BRANDS), "--out", str(out), "--quiet"]) == 0
    assert first.read_bytes() == second.read_bytes()
    incidents = [decode_incident(line) for line in first.read_bytes().splitlines()]
    assert incidents[0].status == "opened"
    assert incidents[-1].status == "resolved"
    assert {i.incident_id for i in incidents} == {incidents[0].incident_id}
    assert {(i.type, i.origin) for i in incidents} == {("owned_post_backlash", "self_inflicted")}
    assert {i.trigger.event_id if i.trigger else None for i in incidents} == {"demo-rude-reply"}


def test_bad_lines_are_reported_with_numbers_and_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = DEMO_EVENTS.read_bytes().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\n".join([lines[0], b"{not json", *lines[1:], b'{"id": "x"}']) + b"\n")
    clean_out, broken_out = tmp_path / "clean.jsonl", tmp_path / "broken-out.jsonl"
    assert main(["replay", str(DEMO_EVENTS), "--brands", str(DEMO_BRANDS), "--out", str(clean_out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["replay", str(broken), "--brands", str(DEMO_BRANDS), "--out", str(broken_out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert f"2 of {len(lines) + 2} lines break the input contract (1 bad_json, 1 missing_field); skipped:\n" in err
    assert f"{broken}:2: bad_json" in err
    assert f"{broken}:{len(lines) + 2}: missing_field" in err
    assert broken_out.read_bytes() == clean_out.read_bytes(), "the valid events give the same incidents"


def test_missing_registry_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(DEMO_EVENTS), "--brands", str(tmp_path / "none.yaml"), "--quiet"]) == 2
    assert "none.yaml does not exist" in capsys.readouterr().err


def test_repeated_event_ids_are_counted_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = DEMO_EVENTS.read_bytes().splitlines()
    doubled = tmp_path / "doubled.jsonl"
    doubled.write_bytes(b"\n".join(line for line in lines for _ in (0, 1)) + b"\n")
    clean_out, doubled_out = tmp_path / "clean.jsonl", tmp_path / "doubled-out.jsonl"
    assert main(["replay", str(DEMO_EVENTS), "--brands", str(DEMO_BRANDS), "--out", str(clean_out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["replay", str(doubled), "--brands", str(DEMO_BRANDS), "--out", str(doubled_out), "--quiet"]) == 0
    assert doubled_out.read_bytes() == clean_out.read_bytes()
    assert f"note: {len(lines)} events repeated an id their brand had already seen" in capsys.readouterr().err


def test_events_naming_the_brand_only_inside_an_excluded_phrase_are_skipped_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An outside tester's match in the brand's stadium paged as a critical negative spike."""
    lines = DEMO_EVENTS.read_bytes().splitlines()
    first = orjson.loads(lines[0])
    match = [orjson.dumps({**first, "id": f"arena-{index}", "text": f"Schiri in der Acme Rail Arena: eine Frechheit {index}",
                           "author": {"id": f"fan-{index}"}}) for index in range(300)]
    mixed, brands = tmp_path / "mixed.jsonl", tmp_path / "brands.yaml"
    mixed.write_bytes(b"\n".join([*lines, *match]) + b"\n")
    brands.write_text(DEMO_BRANDS.read_text().replace("- name: acme-rail\n", "- name: acme-rail\n  exclude: [acme-rail arena]\n"))
    clean_out, mixed_out = tmp_path / "clean.jsonl", tmp_path / "mixed-out.jsonl"
    assert main(["replay", str(DEMO_EVENTS), "--brands", str(brands), "--out", str(clean_out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["replay", str(mixed), "--brands", str(brands), "--out", str(mixed_out), "--quiet"]) == 0
    assert mixed_out.read_bytes() == clean_out.read_bytes()
    assert "note: 300 of acme-rail named the brand only inside a phrase its registry entry excludes" in capsys.readouterr().err
    # Without the phrase in the registry the same 300 posts are counted (and angry).
    assert main(["replay", str(mixed), "--brands", str(DEMO_BRANDS), "--out", str(mixed_out), "--quiet"]) == 0
    assert mixed_out.read_bytes() != clean_out.read_bytes()


@pytest.mark.parametrize("content", [b"", b"\n\n", b"{not json\n[1, 2]\n"], ids=["empty", "blank", "all-bad"])
def test_a_file_without_valid_events_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 content: bytes) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(content)
    assert main(["replay", str(events), "--brands", str(DEMO_BRANDS), "--out", str(tmp_path / "out.jsonl"), "--quiet"]) == 1
    assert f"nothing to replay in {events}" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


def test_out_dash_is_stdout_and_the_events_file_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(DEMO_EVENTS.read_bytes())
    assert main(["replay", str(events), "--brands", str(DEMO_BRANDS), "--out", "-", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert {decode_incident(line).type for line in out.encode().splitlines()} == {"owned_post_backlash"}
    assert not Path("-").exists()
    assert main(["replay", str(events), "--brands", str(DEMO_BRANDS), "--out", str(events), "--quiet"]) == 2
    assert "is the events file" in capsys.readouterr().err
    assert events.read_bytes() == DEMO_EVENTS.read_bytes()
