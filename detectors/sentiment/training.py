"""Train the sentiment artifact from the data directory; pure apart from reading files.

One multinomial logistic regression per language over
:func:`detectors.sentiment.text.hash_features`. Hyper-parameters are chosen on
held-out *training* data only: for English the SemEval 2016 test split, for
German cross-validation folds of GermEval 2017 dev (the in-domain set). The
test sets in :data:`detectors.sentiment.datasets.TEST_SETS` are read only to
drop any of their texts that also occur in the training data.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from detectors.sentiment.artifact import LABELS, Artifact, LanguageWeights
from detectors.sentiment.datasets import (
    SEMEVAL_DEV,
    TEST_SETS,
    LabelledTexts,
    deduplicate,
    read_english_training,
    read_german_training,
)
from detectors.sentiment.text import FeatureConfig, hash_features, tokenize

N_FEATURES: Final = 1 << 18
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class TrainingOptions:
    n_features: int = N_FEATURES
    feature_config: FeatureConfig = field(default_factory=FeatureConfig)
    c_values: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    class_weight: str | None = "balanced"
    """Balanced weights: the stream's class mix differs from the training mix, and
    a missed negative costs more than a false one in crisis detection."""
    in_domain_weight: float = 2.0
    """Sample weight of GermEval 2017 dev documents (the brand-feedback domain)."""
    folds: int = 5
    max_iter: int = 300


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, predicted, labels=list(LABELS), average="macro", zero_division=0))


def _matrix(texts: Sequence[str], lang: str, options: TrainingOptions) -> Any:
    return hash_features((tokenize(text, lang) for text in texts), options.feature_config, options.n_features)


def _fit(
    matrix: Any, labels: Sequence[str], weights: npt.NDArray[np.float64], c_value: float, options: TrainingOptions
) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(
        C=c_value, class_weight=options.class_weight, max_iter=options.max_iter, tol=1e-3
    )
    model.fit(matrix, list(labels), sample_weight=weights)
    if tuple(model.classes_) != LABELS:
        raise ValueError(f"training data lacks a class: {model.classes_}")
    return model


def _to_weights(model: Any) -> LanguageWeights:
    return LanguageWeights(
        weights=np.ascontiguousarray(model.coef_.T, dtype=np.float32),
        bias=np.asarray(model.intercept_, dtype=np.float32),
    )


@dataclass(frozen=True, slots=True)
class LanguageResult:
    weights: LanguageWeights
    c_value: float
    selection: dict[str, float]
    """Selection score (macro-F1 on held-out training data) per C value."""
    training_rows: int
    per_set: dict[str, int]
    label_counts: dict[str, int]


def train_english(data_dir: Path, options: TrainingOptions, test_texts: Sequence[str], progress: Progress) -> LanguageResult:
    sets = read_english_training(data_dir)
    texts, labels, names = deduplicate(sets, exclude=test_texts)
    progress(f"en: {len(texts)} training tweets from {len(sets)} SemEval files")
    matrix = _matrix(texts, "en", options)
    weights = np.ones(len(texts))
    is_dev = np.array([name == Path(SEMEVAL_DEV).stem for name in names])
    selection: dict[str, float] = {}
    gold_dev = [label for label, dev in zip(labels, is_dev, strict=True) if dev]
    train_labels = [label for label, dev in zip(labels, is_dev, strict=True) if not dev]
    for c_value in options.c_values:
        started = time.perf_counter()
        model = _fit(matrix[~is_dev], train_labels, weights[~is_dev], c_value, options)
        score = macro_f1(gold_dev, list(model.predict(matrix[is_dev])))
        selection[str(c_value)] = round(score, 4)
        progress(f"en: C={c_value}: macro-F1 {score:.4f} on held-out {SEMEVAL_DEV} ({time.perf_counter() - started:.0f}s)")
    best = max(options.c_values, key=lambda value: selection[str(value)])
    progress(f"en: final fit on all training tweets with C={best}")
    model = _fit(matrix, labels, weights, best, options)
    return LanguageResult(_to_weights(model), best, selection, len(texts), dict(Counter(names)), dict(Counter(labels)))


def train_german(data_dir: Path, options: TrainingOptions, test_texts: Sequence[str], progress: Progress) -> LanguageResult:
    sets = read_german_training(data_dir)
    texts, labels, names = deduplicate(sets, exclude=test_texts)
    progress(f"de: {len(texts)} training texts ({dict(Counter(names))})")
    matrix = _matrix(texts, "de", options)
    in_domain = np.array([name.startswith("germeval") for name in names])
    weights = np.where(in_domain, options.in_domain_weight, 1.0)
    fold_of = np.full(len(texts), -1)
    fold_of[in_domain] = np.arange(int(in_domain.sum())) % options.folds
    label_array = np.array(labels)
    selection: dict[str, float] = {}
    for c_value in options.c_values:
        started = time.perf_counter()
        predicted = np.empty(int(in_domain.sum()), dtype=object)
        gold = label_array[in_domain]
        for fold in range(options.folds):
            held_out = fold_of == fold
            model = _fit(matrix[~held_out], label_array[~held_out].tolist(), weights[~held_out], c_value, options)
            predicted[fold_of[in_domain] == fold] = model.predict(matrix[held_out])
        score = macro_f1(gold.tolist(), predicted.tolist())
        selection[str(c_value)] = round(score, 4)
        progress(f"de: C={c_value}: macro-F1 {score:.4f} in {options.folds}-fold CV on GermEval dev ({time.perf_counter() - started:.0f}s)")
    best = max(options.c_values, key=lambda value: selection[str(value)])
    progress(f"de: final fit on all training texts with C={best}")
    model = _fit(matrix, labels, weights, best, options)
    return LanguageResult(_to_weights(model), best, selection, len(texts), dict(Counter(names)), dict(Counter(labels)))


def test_set_texts(data_dir: Path) -> list[str]:
    texts: list[str] = []
    for reader in TEST_SETS.values():
        texts.extend(reader(data_dir).texts)
    return texts


def train(
    data_dir: Path,
    version: str,
    options: TrainingOptions | None = None,
    progress: Progress = print,
) -> Artifact:
    """Train both languages and return the artifact (the caller saves it)."""
    options = options or TrainingOptions()
    started = time.perf_counter()
    exclude = test_set_texts(data_dir)
    english = train_english(data_dir, options, exclude, progress)
    german = train_german(data_dir, options, exclude, progress)
    results = {"en": english, "de": german}
    metadata: dict[str, Any] = {
        "model": "multinomial logistic regression over hashed word 1-2-grams and char 3-5-grams",
        "class_weight": options.class_weight,
        "training": {
            lang: {
                "rows": result.training_rows,
                "per_set": result.per_set,
                "labels": result.label_counts,
                "C": result.c_value,
                "selection_macro_f1": result.selection,
            }
            for lang, result in results.items()
        },
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return Artifact(
        version=version,
        n_features=options.n_features,
        feature_config=options.feature_config.to_dict(),
        languages={lang: result.weights for lang, result in results.items()},
        metadata=metadata,
    )


def summarise_sets(sets: Mapping[str, LabelledTexts]) -> dict[str, dict[str, Any]]:
    return {
        name: {"rows": len(labelled), "source": labelled.source, "licence": labelled.licence}
        for name, labelled in sets.items()
    }
