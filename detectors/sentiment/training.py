"""Train the sentiment artifact from the data directory; pure apart from reading files.

Per language, one-vs-rest logistic regressions over NB-scaled
:class:`detectors.sentiment.features.Featurizer` features (NB-LR). Hyper-parameters are
chosen on held-out *training* data only: for English the SemEval 2016 test
split, for German cross-validation folds of GermEval 2017 dev (the in-domain
set). The test sets in :data:`detectors.sentiment.datasets.TEST_SETS` are read
only to drop any of their texts that also occur in the training data.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from detectors.sentiment.artifact import LABELS, Artifact, LanguageWeights
from detectors.sentiment.datasets import (
    SEMEVAL_DEV,
    TEST_SETS,
    deduplicate,
    read_emoji_descriptions,
    read_english_training,
    read_german_training,
    read_lexicon,
)
from detectors.sentiment.features import N_DENSE, Featurizer
from detectors.sentiment.text import FeatureConfig, tokenize
from detectors.sentiment.vectors import WordVectors, build_vocabulary, distill

N_FEATURES: Final = 1 << 19
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class TrainingOptions:
    n_features: int = N_FEATURES
    feature_config: FeatureConfig = field(default_factory=FeatureConfig)
    c_values: tuple[float, ...] = (3.0, 10.0, 30.0)
    class_weight: str | None = "balanced"
    """Balanced weights: the stream's class mix differs from the training mix, and
    a missed negative costs more than a false one in crisis detection."""
    in_domain_weights: tuple[float, ...] = (10.0, 40.0, 100.0)
    """Candidate sample weights of GermEval 2017 dev documents (the brand-feedback domain)."""
    folds: int = 3
    max_iter: int = 200
    domain_adaptation: bool = False
    """Give in-domain rows a second, domain-only copy of their features ("frustratingly
    easy" domain adaptation, Daumé 2007) and ship the shared weights plus
    :attr:`domain_share` of the domain-only ones. Only where a language has in-domain
    rows (German). Off: it raised the German held-out CV score (0.566 vs 0.554) but
    read clear general German praise ("Tolle Geschichte, danke!") as neutral, failing
    the scenario phrase banks; see MODEL_CARD.md."""
    word_vectors: str | None = None
    """Path of a sentence encoder (directory or wheel with model.safetensors + vocab.txt,
    e.g. all-MiniLM-L6-v2) to distil static word vectors from, as extra dense features
    (:mod:`detectors.sentiment.vectors`). Training-time only; None (default): no vectors.
    Off: it did not beat the model without it on the English held-out split."""
    word_vector_languages: tuple[str, ...] = ("en",)
    word_vector_dims: int = 128
    domain_share: float = 1.0
    """How much of the domain-only weights the shipped model adds to the shared ones
    (1: the model of the brand-feedback domain; 0: the shared model)."""
    tune_bias_languages: tuple[str, ...] = ("de",)
    """Languages whose class biases are shifted to maximise macro-F1 on the held-out
    predictions. Only German: its held-out folds are in-domain brand feedback with
    the label mix of the target domain. The English held-out split (SemEval 2016)
    has a different label mix from the streams we watch, and tuning to it would
    undo the prior-neutral balanced class weights."""


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, predicted, labels=list(LABELS), average="macro", zero_division=0))


@dataclass(frozen=True, slots=True)
class LanguageResult:
    weights: LanguageWeights
    selection: dict[str, float]
    """Selection score (macro-F1 on held-out training data) per candidate."""
    selection_on: str
    chosen: dict[str, float]
    training_rows: int
    per_set: dict[str, int]
    label_counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class LinearScores:
    """A fitted model as the artifact stores it: ``scores = matrix @ weights + bias``."""

    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]

    def log_probabilities(self, matrix: Any) -> npt.NDArray[np.float64]:
        scores = np.asarray(matrix @ self.weights, dtype=np.float64) + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        return np.asarray(scores - np.log(np.exp(scores).sum(axis=1, keepdims=True)), dtype=np.float64)


def _fit(
    matrix: Any,
    labels: npt.NDArray[Any],
    weights: npt.NDArray[np.float64],
    c_value: float,
    options: TrainingOptions,
    in_domain: npt.NDArray[np.bool_] | None = None,
) -> LinearScores:
    """One-vs-rest logistic regressions over NB-scaled features (NB-LR, Wang & Manning 2012).

    Each class gets its own log-count ratio ``r`` (presence of a hashed feature in
    the class vs the rest, add-one smoothed) that scales the sparse columns before
    fitting; the dense lexicon columns are not scaled. ``r`` is folded into the
    weights, so inference stays one matrix product.

    With ``in_domain`` (see :attr:`TrainingOptions.domain_adaptation`), those rows
    also fill a domain-only copy of the columns; the returned weights are the sum
    of the two copies, i.e. the model as it scores an in-domain text.
    """
    import scipy.sparse as sparse
    from sklearn.linear_model import LogisticRegression

    n_sparse = options.n_features
    n_columns = matrix.shape[1]
    sparse_columns = np.arange(n_columns) < n_sparse
    if in_domain is not None:
        matrix = sparse.hstack([matrix, sparse.diags(in_domain.astype(np.float32)) @ matrix], format="csr")
        sparse_columns = np.concatenate([sparse_columns, sparse_columns])
    presence = (matrix > 0).astype(np.float32)
    columns, biases = [], []
    for label in LABELS:
        in_class = labels == label
        if not in_class.any():
            raise ValueError(f"training data lacks the class {label!r}")
        positive = np.asarray(presence[in_class].sum(axis=0)).ravel() + 1.0
        negative = np.asarray(presence[~in_class].sum(axis=0)).ravel() + 1.0
        ratio = np.log((positive / positive[sparse_columns].sum()) / (negative / negative[sparse_columns].sum()))
        scale = np.where(sparse_columns, ratio, 1.0).astype(np.float32)
        model = LogisticRegression(C=c_value, class_weight=options.class_weight, max_iter=options.max_iter, tol=1e-3)
        model.fit(matrix @ sparse.diags(scale), in_class, sample_weight=weights)
        coefficients = model.coef_[0] * scale
        if in_domain is not None:
            coefficients = coefficients[:n_columns] + options.domain_share * coefficients[n_columns:]
        columns.append(coefficients)
        biases.append(float(model.intercept_[0]))
    return LinearScores(
        weights=np.ascontiguousarray(np.stack(columns, axis=1), dtype=np.float32),
        bias=np.array(biases, dtype=np.float32),
    )


def train_language(
    lang: str,
    texts: Sequence[str],
    labels: Sequence[str],
    in_domain: npt.NDArray[np.bool_],
    fold_of: npt.NDArray[np.int64],
    selection_on: str,
    lexicon: dict[str, float],
    options: TrainingOptions,
    progress: Progress,
    descriptions: dict[str, str] | None = None,
) -> tuple[LanguageWeights, dict[str, float], dict[str, float]]:
    """Choose C (and the in-domain weight) by macro-F1 on the held-out folds, then fit on everything.

    Rows with ``fold_of == -1`` are always in training. Returns the weights, the
    chosen hyper-parameters (with the bias shift), and the score per candidate.
    ``descriptions`` (emoji -> text) feed the word-vector distillation, if any.
    """
    import scipy.sparse as sparse

    token_lists = [tokenize(text, lang) for text in texts]
    vectors = None
    if options.word_vectors and lang in options.word_vector_languages:
        vectors = _distil_vectors(options.word_vectors, token_lists, lexicon, descriptions or {},
                                  options.word_vector_dims, progress)
    featurizer = Featurizer(options.feature_config, options.n_features, lexicon, vectors)
    hashed, dense = featurizer.transform(token_lists)
    matrix = sparse.hstack([hashed, sparse.csr_matrix(dense)], format="csr")
    label_array = np.array(labels)
    held = fold_of >= 0
    gold = label_array[held]
    domain_weights = options.in_domain_weights if in_domain.any() else (1.0,)
    adapt = options.domain_adaptation and bool(in_domain.any())
    selection: dict[str, float] = {}
    probabilities: dict[tuple[float, float], npt.NDArray[np.float64]] = {}
    for c_value in options.c_values:
        for domain_weight in domain_weights:
            started = time.perf_counter()
            sample_weights = np.where(in_domain, domain_weight, 1.0)
            predicted = np.zeros((len(texts), len(LABELS)))
            for fold in sorted(set(fold_of[held].tolist())):
                test = fold_of == fold
                model = _fit(
                    matrix[~test], label_array[~test], sample_weights[~test], c_value, options,
                    in_domain[~test] if adapt else None,
                )
                predicted[test] = model.log_probabilities(matrix[test])
            key = f"C={c_value},in_domain_weight={domain_weight}"
            probabilities[c_value, domain_weight] = predicted[held]
            selection[key] = round(macro_f1(gold.tolist(), _labels_of(predicted[held])), 4)
            progress(f"{lang}: {key}: macro-F1 {selection[key]:.4f} on {selection_on} "
                     f"({time.perf_counter() - started:.0f}s)")
    best_c, best_weight = max(probabilities, key=lambda pair: selection[f"C={pair[0]},in_domain_weight={pair[1]}"])
    if lang in options.tune_bias_languages:
        shift = _bias_shift(gold, probabilities[best_c, best_weight])
    else:
        shift = np.zeros(len(LABELS))
    tuned = macro_f1(gold.tolist(), _labels_of(probabilities[best_c, best_weight] + shift))
    progress(f"{lang}: bias shift {np.round(shift, 2).tolist()}: macro-F1 {tuned:.4f} on {selection_on}")
    progress(f"{lang}: final fit on all {len(texts)} training texts with C={best_c}, in-domain weight {best_weight}")
    model = _fit(
        matrix, label_array, np.where(in_domain, best_weight, 1.0), best_c, options, in_domain if adapt else None
    )
    weights = LanguageWeights(
        weights=model.weights, bias=np.asarray(model.bias + shift, dtype=np.float32), lexicon=lexicon, vectors=vectors
    )
    chosen = {"C": best_c, "in_domain_weight": best_weight, "selection_macro_f1_after_bias_shift": round(tuned, 4)}
    chosen.update({f"bias_shift_{label}": round(float(value), 3) for label, value in zip(LABELS, shift, strict=True)})
    return weights, chosen, selection


def _distil_vectors(
    encoder_path: str, token_lists: Sequence[list[str]], lexicon: dict[str, float], descriptions: dict[str, str],
    dims: int, progress: Progress,
) -> WordVectors:
    """Vectors for the training tokens seen twice or more, the lexicon and the encoder's whole words."""
    from detectors.sentiment.encoder import SentenceEncoder

    encoder = SentenceEncoder.load(encoder_path)
    progress(f"word vectors: encoder {encoder_path} (model.safetensors SHA-256 {encoder.source.model_sha256})")
    encoder_words = sorted(
        piece for piece in encoder.tokenizer.ids if piece.isalpha() and len(piece) > 1 and not piece.startswith("##")
    )
    vocabulary = build_vocabulary(token_lists, [*lexicon, *encoder_words])
    started = time.perf_counter()
    vectors = distill(encoder, vocabulary, descriptions, dims, progress)
    progress(f"word vectors: {len(vectors.words)} x {vectors.dims} in {time.perf_counter() - started:.0f}s")
    return vectors


def _labels_of(scores: npt.NDArray[np.float64]) -> list[str]:
    return [LABELS[index] for index in scores.argmax(axis=1).tolist()]


def _bias_shift(gold: npt.NDArray[Any], log_scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Additive log-score shifts for negative and positive (neutral fixed) that maximise macro-F1."""
    gold_index = np.searchsorted(np.array(LABELS), gold)
    best = (_macro_f1_indices(gold_index, log_scores.argmax(axis=1)), 0.0, 0.0)
    grid = np.round(np.arange(-1.0, 1.01, 0.1), 2)
    for negative in grid:
        for positive in grid:
            predicted = (log_scores + np.array([negative, 0.0, positive])).argmax(axis=1)
            score = _macro_f1_indices(gold_index, predicted)
            if score > best[0] + 1e-9:
                best = (score, float(negative), float(positive))
    return np.array([best[1], 0.0, best[2]])


def _macro_f1_indices(gold: npt.NDArray[np.int64], predicted: npt.NDArray[np.int64]) -> float:
    scores = []
    for label in range(len(LABELS)):
        true_positive = float(np.sum((gold == label) & (predicted == label)))
        denominator = float(np.sum(gold == label) + np.sum(predicted == label))
        scores.append(2 * true_positive / denominator if denominator else 0.0)
    return sum(scores) / len(scores)


def train_english(data_dir: Path, options: TrainingOptions, exclude: Sequence[str], progress: Progress) -> LanguageResult:
    sets = read_english_training(data_dir)
    texts, labels, names = deduplicate(sets, exclude=exclude)
    progress(f"en: {len(texts)} training tweets from {len(sets)} SemEval files")
    fold_of = np.where(np.array(names) == Path(SEMEVAL_DEV).stem, 0, -1)
    selection_on = f"held-out {SEMEVAL_DEV}"
    weights, chosen, selection = train_language(
        "en", texts, labels, np.zeros(len(texts), dtype=bool), fold_of, selection_on,
        read_lexicon(data_dir, "en"), options, progress, read_emoji_descriptions(data_dir),
    )
    return LanguageResult(weights, selection, selection_on, chosen, len(texts), dict(Counter(names)), dict(Counter(labels)))


def train_german(data_dir: Path, options: TrainingOptions, exclude: Sequence[str], progress: Progress) -> LanguageResult:
    sets = read_german_training(data_dir)
    texts, labels, names = deduplicate(sets, exclude=exclude)
    progress(f"de: {len(texts)} training texts ({dict(Counter(names))})")
    in_domain = np.array([name.startswith("germeval") for name in names])
    fold_of = np.full(len(texts), -1, dtype=np.int64)
    fold_of[in_domain] = np.arange(int(in_domain.sum())) % options.folds
    selection_on = f"{options.folds}-fold CV on GermEval 2017 dev"
    weights, chosen, selection = train_language(
        "de", texts, labels, in_domain, fold_of, selection_on, read_lexicon(data_dir, "de"), options, progress,
        read_emoji_descriptions(data_dir),
    )
    return LanguageResult(weights, selection, selection_on, chosen, len(texts), dict(Counter(names)), dict(Counter(labels)))


def test_set_texts(data_dir: Path) -> list[str]:
    texts: list[str] = []
    for reader in TEST_SETS.values():
        texts.extend(reader(data_dir).texts)
    return texts


def train(data_dir: Path, version: str, options: TrainingOptions | None = None, progress: Progress = print) -> Artifact:
    """Train both languages and return the artifact (the caller saves it)."""
    options = options or TrainingOptions()
    started = time.perf_counter()
    exclude = test_set_texts(data_dir)
    results = {
        "en": train_english(data_dir, options, exclude, progress),
        "de": train_german(data_dir, options, exclude, progress),
    }
    metadata: dict[str, Any] = {
        "model": "one-vs-rest NB-scaled logistic regression over hashed word 1-2-grams, char n-grams and lexicon features",
        "class_weight": options.class_weight,
        "domain_adaptation": options.domain_adaptation,
        "domain_share": options.domain_share,
        "word_vectors": bool(options.word_vectors),
        "lexicons": {"en": "VADER (MIT) + VADER emoji descriptions", "de": "GerVADER (MIT) + VADER emoji descriptions"},
        "training": {
            lang: {
                "rows": result.training_rows,
                "per_set": result.per_set,
                "labels": result.label_counts,
                "chosen": result.chosen,
                "selection": {"on": result.selection_on, "macro_f1": result.selection},
            }
            for lang, result in results.items()
        },
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return Artifact(
        version=version,
        n_features=options.n_features,
        n_dense=N_DENSE,
        feature_config=options.feature_config.to_dict(),
        languages={lang: result.weights for lang, result in results.items()},
        metadata=metadata,
    )
