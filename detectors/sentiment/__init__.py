"""Sentiment of social-media text in English and German, batched for the stream.

:class:`SentimentClassifier` wraps one linear model per language over hashed
word and character n-grams (see :mod:`detectors.sentiment.text`). Inference is
tokenisation plus one sparse matrix product per language and batch, so a batch
of 1000 tweets costs a few tens of milliseconds on one core. Texts in other
languages, and empty texts, get the label ``"unknown"`` with score 0.0.

The default artifact ships in ``detectors/sentiment/model/`` and is written by
``flarewatch train``; see :mod:`detectors.sentiment.artifact` for the format.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from detectors.sentiment.artifact import (
    LABELS,
    Artifact,
    ArtifactCorruptError,
    ArtifactError,
    ArtifactNotFoundError,
    ArtifactVersionError,
    load_artifact,
)
from detectors.sentiment.features import N_DENSE, Featurizer
from detectors.sentiment.language import LanguageDetector, normalise_lang, resolve_languages
from detectors.sentiment.stance import turns_away
from detectors.sentiment.text import FeatureConfig, clear_piece_cache, tokenize
from schemas.records import Sentiment

__all__ = [
    "DEFAULT_MODEL_PATH",
    "POLAR_MARGIN",
    "ArtifactCorruptError",
    "ArtifactError",
    "ArtifactNotFoundError",
    "ArtifactVersionError",
    "SentimentClassifier",
    "normalise_lang",
]

DEFAULT_MODEL_PATH: Final = Path(__file__).parent / "model" / "sentiment"
POLAR_MARGIN: Final = 0.1
"""A negative or positive label needs its class's probability to beat the opposite class's
by this much; closer calls are mixed and read as neutral. "Well deserved" under a CEO's post
was negative by 0.06, and a dozen such replies paged a friendly thread as a pile-on. The
held-out macro-F1 moves by at most 0.003 either way (``flarewatch evaluate``)."""


class SentimentClassifier:
    """Classifies batches of texts; holds only frozen model parameters.

    ``classify_batch`` is deterministic and does not depend on batch
    composition: each text's result is the same alone or in a batch of 1000.
    """

    def __init__(self, artifact: Artifact, detector: LanguageDetector | None = None) -> None:
        self.version: str = artifact.version
        self.artifact = artifact
        self.languages: frozenset[str] = frozenset(artifact.languages)
        if artifact.n_dense != N_DENSE:
            raise ArtifactVersionError(f"artifact has {artifact.n_dense} dense features, this code computes {N_DENSE}")
        config = FeatureConfig(**artifact.feature_config)
        self._featurizers = {
            lang: Featurizer(config, artifact.n_features, weights.lexicon, weights.vectors)
            for lang, weights in artifact.languages.items()
        }
        self._detector = detector or LanguageDetector()

    @classmethod
    def load_default(cls) -> SentimentClassifier:
        """The artifact shipped inside the package; needs no network and no data."""
        return cls.load(DEFAULT_MODEL_PATH)

    @classmethod
    def load(cls, path: str | Path) -> SentimentClassifier:
        """Raises :class:`ArtifactNotFoundError` / :class:`ArtifactVersionError` / :class:`ArtifactCorruptError`."""
        return cls(load_artifact(path))

    def clear_caches(self) -> None:
        """Drop the memoised token analyses; results do not change, only speed."""
        clear_piece_cache()
        for featurizer in self._featurizers.values():
            featurizer.clear_cache()

    def probabilities(self, texts: Sequence[str], lang: str) -> npt.NDArray[np.float32]:
        """``len(texts) x 3`` class probabilities in :data:`LABELS` order, for one language."""
        weights = self.artifact.languages[lang]
        parts, dense = self._featurizers[lang].transform_parts([tokenize(text, lang) for text in texts])
        n_features = self.artifact.n_features
        logits = dense @ weights.weights[n_features:]
        for part in parts:
            logits += part @ weights.weights[:n_features]
        logits += weights.bias
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits

    def classify_batch(
        self, texts: Sequence[str | None], langs: Sequence[str | None]
    ) -> list[tuple[str | None, Sentiment]]:
        """``(language used, Sentiment)`` per text, in input order.

        ``langs[i]`` is the producer's tag (``"en-US"``, ``"und"``, ``None``...);
        it is normalised, and the language is detected when it says nothing.
        """
        if len(texts) != len(langs):
            raise ValueError(f"{len(texts)} texts but {len(langs)} language tags")
        resolved = resolve_languages(texts, langs, self._detector)
        unknown = Sentiment(label="unknown", score=0.0, model_version=self.version)
        results: list[tuple[str | None, Sentiment]] = [(lang, unknown) for lang in resolved]
        for lang in sorted(self.languages):
            indices = [
                index
                for index, (text, text_lang) in enumerate(zip(texts, resolved, strict=True))
                if text_lang == lang and text and text.strip()
            ]
            if not indices:
                continue
            batch = [texts[index] or "" for index in indices]
            probabilities = self.probabilities(batch, lang)
            best = probabilities.argmax(axis=1).tolist()
            scores = (probabilities[:, 2] - probabilities[:, 0]).tolist()
            for index, label_index, score in zip(indices, best, scores, strict=True):
                label = LABELS[label_index]
                if label != "neutral" and abs(score) < POLAR_MARGIN:
                    label = "neutral"
                if turns_away(texts[index] or ""):
                    label, score = "negative", min(score, -0.5)
                sentiment = Sentiment(
                    label=label,
                    score=round(min(1.0, max(-1.0, float(score))), 4) + 0.0,  # no -0.0
                    model_version=self.version,
                )
                results[index] = (lang, sentiment)
        return results
