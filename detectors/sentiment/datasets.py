"""Readers for the labelled sentiment data in ``Settings.data_dir`` (never shipped).

Every reader returns a :class:`LabelledTexts` with labels in
:data:`detectors.sentiment.artifact.LABELS`. Which sets may train the model and
which are held out for testing is decided here, once: :data:`TEST_SETS` are
read only by evaluation. See ``../shared/data/README.md`` for sources and
licences.
"""

from __future__ import annotations

import codecs
import csv
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

SEMEVAL_TEST: Final = "twitter-2017test-A.tsv"
SEMEVAL_DEV: Final = "twitter-2016test-A.tsv"
"""Held out from the English training data during model selection only."""


class DataMissingError(FileNotFoundError):
    """A data file the command needs is not in the data directory."""


@dataclass(frozen=True, slots=True)
class LabelledTexts:
    name: str
    lang: str
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    source: str
    licence: str

    def __len__(self) -> int:
        return len(self.texts)


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DataMissingError(f"data file not found: {path}")
    return path


_JSON_ESCAPE: Final = re.compile(r"\\u[0-9a-fA-F]{4}")


def _unescape(text: str) -> str:
    # SemEval files carry JSON-style \u escapes (\u002c for commas, \u2019 ...).
    if "\\u" in text:
        text = _JSON_ESCAPE.sub(lambda match: codecs.decode(match.group(), "unicode_escape"), text)
    text = text.strip()
    if len(text) > 1 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    return text


def read_semeval(path: Path, name: str | None = None) -> LabelledTexts:
    texts: list[str] = []
    labels: list[str] = []
    with _require(path).open(encoding="utf-8") as stream:
        for line in stream:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[1] not in ("negative", "neutral", "positive"):
                continue
            texts.append(_unescape(parts[2]))
            labels.append(parts[1])
    return LabelledTexts(
        name or path.stem, "en", tuple(texts), tuple(labels),
        "SemEval 2013-2017 Task 4A", "SemEval research terms",
    )


def semeval_training_files(data_dir: Path, *, include_dev: bool = True) -> list[Path]:
    """All SemEval 2013-2016 files; never the 2017 test set."""
    folder = data_dir / "sentiment" / "en" / "semeval"
    if not folder.is_dir():
        raise DataMissingError(f"SemEval folder not found: {folder}")
    return [
        path
        for path in sorted(folder.glob("twitter-201*-A.tsv"))
        if path.name != SEMEVAL_TEST and (include_dev or path.name != SEMEVAL_DEV)
    ]


def read_sb10k(data_dir: Path) -> LabelledTexts:
    path = _require(data_dir / "sentiment" / "de" / "sb10k" / "corpus_v1.0.cgsa.tsv")
    return _read_label_text(path, "sb10k", label_column=1, text_column=2,
                            source="SB10k", licence="CC BY 4.0")


def read_potts(data_dir: Path) -> LabelledTexts:
    path = _require(data_dir / "sentiment" / "de" / "potts" / "corpus_label_text.tsv")
    return _read_label_text(path, "potts", label_column=0, text_column=1,
                            source="PotTS 2013", licence="MIT")


def _read_label_text(
    path: Path, name: str, *, label_column: int, text_column: int, source: str, licence: str
) -> LabelledTexts:
    texts: list[str] = []
    labels: list[str] = []
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            parts = line.rstrip("\n").split("\t")
            if len(parts) <= max(label_column, text_column):
                continue
            label = parts[label_column]
            if label in ("negative", "neutral", "positive"):  # PotTS "mixed" has no place here
                texts.append(parts[text_column].strip())
                labels.append(label)
    return LabelledTexts(name, "de", tuple(texts), tuple(labels), source, licence)


def read_xlmt(data_dir: Path) -> LabelledTexts:
    folder = data_dir / "sentiment" / "de" / "xlmt"
    names = ("negative", "neutral", "positive")
    texts: list[str] = []
    labels: list[str] = []
    for split in ("train", "val", "test"):
        text_lines = _require(folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
        label_lines = _require(folder / f"{split}_labels.txt").read_text(encoding="utf-8").splitlines()
        for text, label in zip(text_lines, label_lines, strict=False):
            if label.strip() in ("0", "1", "2"):
                texts.append(text.strip())
                labels.append(names[int(label)])
    return LabelledTexts("xlmt", "de", tuple(texts), tuple(labels), "XLM-T German (SB10k-derived)", "Apache-2.0")


def read_germeval(data_dir: Path, split: str) -> LabelledTexts:
    """Relevant documents of GermEval 2017 ``dev`` or ``test_syn``."""
    path = _require(data_dir / "sentiment" / "de" / "germeval2017" / f"{split}-2017-09-15.xml")
    texts: list[str] = []
    labels: list[str] = []
    for document in ElementTree.parse(path).getroot().iter("Document"):
        if (document.findtext("relevance") or "").strip() != "true":
            continue
        label = (document.findtext("sentiment") or "").strip()
        text = (document.findtext("text") or "").strip()
        if label in ("negative", "neutral", "positive") and text:
            texts.append(text)
            labels.append(label)
    return LabelledTexts(f"germeval2017-{split}", "de", tuple(texts), tuple(labels),
                         "GermEval 2017 (Deutsche Bahn feedback)", "CC BY-NC 4.0")


def read_apple(data_dir: Path) -> LabelledTexts:
    path = _require(data_dir / "sentiment" / "en" / "brands" / "apple_dfe_2014.csv")
    names = {"1": "negative", "3": "neutral", "5": "positive"}
    return _read_csv(path, "apple-dfe-2014", "sentiment", names, "latin-1",
                     "CrowdFlower Data for Everyone", "treated as non-commercial")


def read_sentiment140(data_dir: Path) -> LabelledTexts:
    path = _require(data_dir / "sentiment" / "en" / "brands" / "sentiment140_test_2009.csv")
    names = {"0": "negative", "2": "neutral", "4": "positive"}
    return _read_csv(path, "sentiment140-test", "polarity", names, "latin-1",
                     "Sentiment140 manual test set", "academic use")


def _read_csv(
    path: Path, name: str, column: str, names: dict[str, str], encoding: str, source: str, licence: str
) -> LabelledTexts:
    texts: list[str] = []
    labels: list[str] = []
    with path.open(encoding=encoding, newline="") as stream:
        for row in csv.DictReader(stream):
            label = names.get((row.get(column) or "").strip())
            if label is not None and row.get("text"):
                texts.append(row["text"].strip())
                labels.append(label)
    return LabelledTexts(name, "en", tuple(texts), tuple(labels), source, licence)


def read_english_training(data_dir: Path, *, include_dev: bool = True) -> list[LabelledTexts]:
    return [read_semeval(path) for path in semeval_training_files(data_dir, include_dev=include_dev)]


def read_german_training(data_dir: Path) -> list[LabelledTexts]:
    """SB10k, PotTS, XLM-T and GermEval 2017 dev; never GermEval test_syn."""
    return [read_sb10k(data_dir), read_potts(data_dir), read_xlmt(data_dir), read_germeval(data_dir, "dev")]


TEST_SETS: Final[dict[str, Callable[[Path], LabelledTexts]]] = {
    "semeval2017-test": lambda data_dir: read_semeval(
        data_dir / "sentiment" / "en" / "semeval" / SEMEVAL_TEST, "semeval2017-test"
    ),
    "germeval2017-test_syn": lambda data_dir: read_germeval(data_dir, "test_syn"),
    "apple-dfe-2014": read_apple,
    "sentiment140-test": read_sentiment140,
}


def deduplicate(sets: Iterable[LabelledTexts], exclude: Iterable[str] = ()) -> tuple[list[str], list[str], list[str]]:
    """``(texts, labels, set names)`` with repeated texts (case and space folded) kept once.

    Texts equal to one in ``exclude`` (e.g. a test set) are dropped too.
    """
    seen = {_dedup_key(text) for text in exclude}
    texts: list[str] = []
    labels: list[str] = []
    names: list[str] = []
    for labelled in sets:
        for text, label in zip(labelled.texts, labelled.labels, strict=True):
            key = _dedup_key(text)
            if key in seen or not key:
                continue
            seen.add(key)
            texts.append(text)
            labels.append(label)
            names.append(labelled.name)
    return texts, labels, names


_DEDUP_NOISE: Final = re.compile(r"https?://\S+|@\w+|\s+|\W")


def _dedup_key(text: str) -> str:
    return _DEDUP_NOISE.sub("", text.lower())


def read_lexicon(data_dir: Path, lang: str) -> dict[str, float]:
    """Polarity lexicon for the model's lexicon features, keys folded like tokens.

    English: the VADER lexicon; German: GerVADER (both MIT, VADER's -4..4
    scale). Both get emoji polarities scored from VADER's emoji descriptions
    ("face with tears of joy" -> sum of its words' VADER values).
    """
    from detectors.sentiment.text import fold

    folder = data_dir / "lexicons"
    vader = _read_vader_format(_require(folder / "vader" / "vader_lexicon.txt"))
    source = vader if lang == "en" else _read_vader_format(_require(folder / "gervader" / "GERVaderLexicon.txt"))
    lexicon: dict[str, float] = {}
    for entry, value in source.items():
        if entry.replace("'", "").replace("-", "").isalpha():
            lexicon.setdefault(fold(entry, lang), value)
        else:  # emoticons as the tokenizer emits them: ":d" -> ":D"
            lexicon.setdefault(entry.upper(), value)
    for emoji, description in read_emoji_descriptions(data_dir).items():
        value = sum(vader.get(word, 0.0) for word in description.lower().split())
        if value:
            lexicon.setdefault(emoji, max(-4.0, min(4.0, value)))
    return lexicon


def read_emoji_descriptions(data_dir: Path) -> dict[str, str]:
    """Emoji (variation selectors dropped, as the tokenizer emits them) -> VADER's description."""
    path = _require(data_dir / "lexicons" / "vader" / "emoji_utf8_lexicon.txt")
    descriptions: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        emoji, _, description = line.partition("\t")
        if emoji and description:
            descriptions.setdefault(emoji.replace("\ufe0f", ""), description)
    return descriptions


def _read_vader_format(path: Path) -> dict[str, float]:
    entries: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                entries.setdefault(parts[0].strip().lower(), float(parts[1]))
            except ValueError:
                continue
    return entries
