"""Score a classifier on the held-out test sets, next to a lexicon baseline.

Each row reports macro-F1 over negative/neutral/positive and per-class recall,
for the model and for the baseline on the same texts: VADER (compound
+-0.05) for English, a SentiWS weight sum for German. Test texts are given to
the model with their known language, as the sets are monolingual; language
detection is scored separately (``detected_as_lang``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from detectors.sentiment import SentimentClassifier
from detectors.sentiment.artifact import LABELS
from detectors.sentiment.datasets import TEST_SETS, DataMissingError, LabelledTexts
from detectors.sentiment.language import LanguageDetector


@dataclass(frozen=True, slots=True)
class Scores:
    macro_f1: float
    recall: tuple[float, float, float]
    """Per class, in :data:`LABELS` order."""


@dataclass(frozen=True, slots=True)
class EvaluationRow:
    test_set: str
    lang: str
    rows: int
    model: Scores
    baseline_name: str
    baseline: Scores
    detected_as_lang: float
    """Share of texts whose detected language (no tag given) is the set's language."""


def score(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    from sklearn.metrics import f1_score, recall_score

    labels = list(LABELS)
    macro = float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0))
    recall = recall_score(gold, predicted, labels=labels, average=None, zero_division=0)
    return Scores(round(macro, 4), (round(float(recall[0]), 4), round(float(recall[1]), 4), round(float(recall[2]), 4)))


def vader_labels(texts: Sequence[str]) -> list[str]:
    """VADER compound score, thresholds +-0.05 as its authors recommend."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    labels: list[str] = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        labels.append("positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral")
    return labels


_WORD: Final = re.compile(r"\w+")


def read_sentiws(data_dir: Path) -> dict[str, float]:
    """Lower-cased word form -> SentiWS v2.0 polarity weight (base forms and inflections)."""
    lexicon: dict[str, float] = {}
    folder = data_dir / "lexicons" / "sentiws"
    for name in ("SentiWS_v2.0_Positive.txt", "SentiWS_v2.0_Negative.txt"):
        path = folder / name
        if not path.is_file():
            raise DataMissingError(f"data file not found: {path}")
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            weight = float(parts[1])
            forms = [parts[0].split("|")[0]]
            if len(parts) > 2 and parts[2]:
                forms.extend(parts[2].split(","))
            for form in forms:
                lexicon.setdefault(form.strip().lower(), weight)
    return lexicon


def sentiws_labels(texts: Sequence[str], lexicon: dict[str, float]) -> list[str]:
    """Sign of the summed SentiWS weights of the text's words."""
    labels: list[str] = []
    for text in texts:
        total = sum(lexicon.get(word, 0.0) for word in _WORD.findall(text.lower()))
        labels.append("positive" if total > 0 else "negative" if total < 0 else "neutral")
    return labels


def evaluate(
    classifier: SentimentClassifier,
    data_dir: Path,
    progress: Callable[[str], None] = lambda message: None,
) -> list[EvaluationRow]:
    detector = LanguageDetector()
    sentiws: dict[str, float] | None = None
    rows: list[EvaluationRow] = []
    for name, reader in TEST_SETS.items():
        labelled: LabelledTexts = reader(data_dir)
        progress(f"{name}: {len(labelled)} texts")
        texts = list(labelled.texts)
        gold = list(labelled.labels)
        predicted = [sentiment.label for _, sentiment in classifier.classify_batch(texts, [labelled.lang] * len(texts))]
        if labelled.lang == "en":
            baseline_name, baseline = "VADER", vader_labels(texts)
        else:
            sentiws = sentiws if sentiws is not None else read_sentiws(data_dir)
            baseline_name, baseline = "SentiWS", sentiws_labels(texts, sentiws)
        detected = sum(detector.detect(text) == labelled.lang for text in texts)
        rows.append(
            EvaluationRow(
                test_set=name,
                lang=labelled.lang,
                rows=len(texts),
                model=score(gold, predicted),
                baseline_name=baseline_name,
                baseline=score(gold, baseline),
                detected_as_lang=round(detected / max(1, len(texts)), 4),
            )
        )
    return rows


def format_table(rows: Sequence[EvaluationRow], version: str) -> str:
    """A plain-text table: one line per test set, model next to baseline."""
    header = (
        f"{'test set':<24} {'lang':<4} {'n':>6}  {'model F1':>8}  {'baseline':<8} {'F1':>6}  "
        f"{'delta':>6}  {'model recall neg/neu/pos':<24}  {'baseline recall neg/neu/pos':<27}  {'langid':>6}"
    )
    lines = [f"sentiment model {version}: macro-F1 over negative/neutral/positive", header, "-" * len(header)]
    for row in rows:
        model_recall = "/".join(f"{value:.2f}" for value in row.model.recall)
        baseline_recall = "/".join(f"{value:.2f}" for value in row.baseline.recall)
        lines.append(
            f"{row.test_set:<24} {row.lang:<4} {row.rows:>6}  {row.model.macro_f1:>8.3f}  {row.baseline_name:<8} "
            f"{row.baseline.macro_f1:>6.3f}  {row.model.macro_f1 - row.baseline.macro_f1:>+6.3f}  "
            f"{model_recall:<24}  {baseline_recall:<27}  {row.detected_as_lang:>6.1%}"
        )
    return "\n".join(lines)
