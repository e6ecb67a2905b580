"""``flarewatch sentiment`` / ``evaluate`` / ``train`` through the real CLI entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from streams.cli import main


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sentiment_plain_lines(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(monkeypatch, capsys, ["sentiment"], "I love this so much!\nDas ist leider furchtbar schlecht\n\n")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 3
    label, score, lang, text = lines[0].split("\t")
    assert (label, lang, text) == ("positive", "en", "I love this so much!")
    assert float(score) > 0
    assert lines[1].split("\t")[0::2] == ["negative", "de"]
    assert lines[2].split("\t")[:3] == ["unknown", "+0.000", "-"]


def test_sentiment_jsonl_with_lang_and_json_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stdin = "\n".join([
        json.dumps({"text": "terrible service, never again", "lang": "en-US"}),
        json.dumps({"text": "Tout va bien"}),
        json.dumps({"id": 3}),
    ]) + "\n"
    code, out, _ = _run(monkeypatch, capsys, ["sentiment", "--json"], stdin)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["label"] for row in rows] == ["negative", "unknown", "unknown"]
    assert rows[0]["lang"] == "en" and rows[1]["lang"] == "fr"
    assert -1.0 <= rows[0]["score"] < 0
    assert all(row["model_version"].startswith("fw-sent-") for row in rows)


def test_sentiment_missing_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(monkeypatch, capsys, ["sentiment", "--model", str(tmp_path / "nope")], "hello\n")
    assert code == 1
    assert "not found" in err


def test_evaluate_without_data_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(monkeypatch, capsys, ["evaluate", "--data-dir", str(tmp_path)], "")
    assert code == 1
    assert "no labelled data" in err and "FLAREWATCH_DATA_DIR" in err


def test_train_without_data_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(monkeypatch, capsys, ["train", "--data-dir", str(tmp_path), "--output", str(tmp_path / "m")], "")
    assert code == 1
    assert "no labelled data" in err


def test_sentiment_says_which_lines_it_could_not_read(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stdin = '{"text": 5}\n{"lang": "de"}\n{"text": "great", "lang": 7}\n{not json at all\n'
    code, out, err = _run(monkeypatch, capsys, ["sentiment"], stdin)
    assert code == 0 and len(out.splitlines()) == 4, "every line still gets a row"
    assert "stdin line 1 has no string 'text' field" in err
    assert "stdin line 2 has no string 'text' field" in err
    assert "stdin line 3 'lang' is not a string" in err
    assert "stdin line 4 starts with '{' but is not JSON" in err


def test_sentiment_refuses_a_language_the_model_does_not_know(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(monkeypatch, capsys, ["sentiment", "--lang", "klingon"], "hello\n")
    assert code == 2 and out == ""
    assert "--lang klingon: the model classifies de, en" in err
    code, out, _ = _run(monkeypatch, capsys, ["sentiment", "--lang", "en-GB"], "what a lovely day\n")
    assert code == 0 and out.split("\t")[2] == "en"
