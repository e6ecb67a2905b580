"""The model artifact: plain arrays plus JSON metadata, safe to load.

An artifact is two files side by side:

* ``<name>.npz`` - compressed numpy arrays, per language one weight matrix
  (``(n_features + n_dense) x 3``, float16), one bias vector and the lexicon
  (words as a fixed-width unicode array, values as float32); loaded with
  ``allow_pickle=False``, so opening an artifact never executes code.
  Optionally, per language, a word-vector table (``<lang>.vector_words``,
  ``<lang>.vector_table`` float16; see :mod:`detectors.sentiment.vectors`),
  whose mean per text adds ``2 * dims`` dense columns to that language's weights.
  An artifact with vectors is written as format 3 (so older readers refuse it
  cleanly); one without stays format 2.
* ``<name>.json`` - format version, model version, labels, feature
  configuration, the SHA-256 of the ``.npz`` file, and a summary of the training
  data and scores for the model card.

Loading checks the format version and the checksum and raises
:class:`ArtifactError` subclasses with a reason, never a bare ``KeyError``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from detectors.sentiment.vectors import WordVectors
from schemas.records import SentimentLabel

FORMAT_VERSION: Final = 2
VECTORS_FORMAT_VERSION: Final = 3
"""Written when any language carries word vectors; this code reads both."""
READABLE_FORMATS: Final = frozenset({FORMAT_VERSION, VECTORS_FORMAT_VERSION})
LABELS: Final[tuple[SentimentLabel, SentimentLabel, SentimentLabel]] = ("negative", "neutral", "positive")


class ArtifactError(Exception):
    """The sentiment model artifact cannot be used."""


class ArtifactNotFoundError(ArtifactError, FileNotFoundError):
    """One of the artifact's two files is missing."""


class ArtifactVersionError(ArtifactError):
    """The artifact was written in a format this code does not read."""


class ArtifactCorruptError(ArtifactError):
    """The artifact's files disagree with each other or lack required fields."""


@dataclass(frozen=True, slots=True)
class LanguageWeights:
    weights: npt.NDArray[np.float32]
    """``(n_features + n_dense + 2 * vector dims) x len(LABELS)``."""
    bias: npt.NDArray[np.float32]
    lexicon: Mapping[str, float] = field(default_factory=dict)
    """Word -> polarity on VADER's -4..4 scale, for the lexicon features."""
    vectors: WordVectors | None = None
    """Optional static word vectors (plain- and negated-word means as dense features)."""


@dataclass(frozen=True, slots=True)
class Artifact:
    version: str
    n_features: int
    n_dense: int
    feature_config: Mapping[str, Any]
    languages: Mapping[str, LanguageWeights]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """Free-form: training data summary, scores, licences."""


def artifact_paths(path: str | Path) -> tuple[Path, Path]:
    """``(arrays, metadata)`` for an artifact path given with or without suffix."""
    base = Path(path)
    if base.suffix in (".npz", ".json"):
        base = base.with_suffix("")
    return base.with_suffix(".npz"), base.with_suffix(".json")


def save_artifact(artifact: Artifact, path: str | Path) -> tuple[Path, Path]:
    arrays_path, metadata_path = artifact_paths(path)
    arrays_path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, npt.NDArray[Any]] = {}
    for language, weights in sorted(artifact.languages.items()):
        arrays[f"{language}.weights"] = weights.weights.astype(np.float16)
        arrays[f"{language}.bias"] = weights.bias.astype(np.float32)
        words = sorted(weights.lexicon)
        arrays[f"{language}.lexicon_words"] = np.array(words, dtype=np.str_)
        arrays[f"{language}.lexicon_values"] = np.array([weights.lexicon[word] for word in words], dtype=np.float32)
        if weights.vectors is not None:
            arrays[f"{language}.vector_words"] = np.array(weights.vectors.words, dtype=np.str_)
            arrays[f"{language}.vector_table"] = weights.vectors.table.astype(np.float16)
    vectors = {
        language: dict(weights.vectors.provenance)
        for language, weights in sorted(artifact.languages.items())
        if weights.vectors is not None
    }
    with arrays_path.open("wb") as stream:
        np.savez_compressed(stream, **arrays)  # type: ignore[arg-type]
    metadata = {
        "format_version": VECTORS_FORMAT_VERSION if vectors else FORMAT_VERSION,
        "version": artifact.version,
        "labels": list(LABELS),
        "n_features": artifact.n_features,
        "n_dense": artifact.n_dense,
        "feature_config": dict(artifact.feature_config),
        "languages": sorted(artifact.languages),
        "arrays_sha256": _sha256(arrays_path),
        **({"word_vectors": vectors} if vectors else {}),
        **{key: value for key, value in artifact.metadata.items() if key not in _RESERVED},
    }
    metadata_path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return arrays_path, metadata_path


_RESERVED: Final = frozenset(
    {
        "format_version", "version", "labels", "n_features", "n_dense", "feature_config", "languages",
        "arrays_sha256", "word_vectors",
    }
)


def load_artifact(path: str | Path) -> Artifact:
    arrays_path, metadata_path = artifact_paths(path)
    for required in (metadata_path, arrays_path):
        if not required.is_file():
            raise ArtifactNotFoundError(f"sentiment model file not found: {required}")
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactCorruptError(f"{metadata_path}: not valid JSON ({error})") from None
    if not isinstance(metadata, dict):
        raise ArtifactCorruptError(f"{metadata_path}: expected a JSON object")
    found = metadata.get("format_version")
    if found not in READABLE_FORMATS:
        raise ArtifactVersionError(
            f"{metadata_path}: artifact format {found!r}, this flarewatch reads format "
            f"{' or '.join(map(str, sorted(READABLE_FORMATS)))}; retrain with `flarewatch train` or install the matching release"
        )
    try:
        version = str(metadata["version"])
        n_features = int(metadata["n_features"])
        n_dense = int(metadata["n_dense"])
        feature_config = dict(metadata["feature_config"])
        language_names = [str(name) for name in metadata["languages"]]
        labels = tuple(metadata["labels"])
        checksum = str(metadata["arrays_sha256"])
        vector_info = dict(metadata.get("word_vectors") or {})
    except (KeyError, TypeError, ValueError) as error:
        raise ArtifactCorruptError(f"{metadata_path}: missing or invalid field {error}") from None
    if labels != LABELS:
        raise ArtifactVersionError(f"{metadata_path}: labels {labels}, expected {LABELS}")
    if _sha256(arrays_path) != checksum:
        raise ArtifactCorruptError(
            f"{arrays_path} does not match {metadata_path.name} (checksum differs); "
            "the two files come from different training runs"
        )
    languages: dict[str, LanguageWeights] = {}
    with np.load(arrays_path, allow_pickle=False) as arrays:
        for language in language_names:
            try:
                weights = np.asarray(arrays[f"{language}.weights"], dtype=np.float32)
                bias = np.asarray(arrays[f"{language}.bias"], dtype=np.float32)
                words = arrays[f"{language}.lexicon_words"].tolist()
                values = arrays[f"{language}.lexicon_values"].tolist()
            except KeyError:
                raise ArtifactCorruptError(f"{arrays_path}: no arrays for language {language!r}") from None
            vectors = _load_vectors(arrays, language, vector_info.get(language), arrays_path)
            vector_columns = 2 * vectors.dims if vectors is not None else 0
            if weights.shape != (n_features + n_dense + vector_columns, len(LABELS)) or bias.shape != (len(LABELS),):
                raise ArtifactCorruptError(
                    f"{arrays_path}: {language} arrays have shapes {weights.shape}, {bias.shape}"
                )
            lexicon = dict(zip(words, values, strict=True))
            languages[language] = LanguageWeights(weights=weights, bias=bias, lexicon=lexicon, vectors=vectors)
    extra = {key: value for key, value in metadata.items() if key not in _RESERVED}
    return Artifact(
        version=version,
        n_features=n_features,
        n_dense=n_dense,
        feature_config=feature_config,
        languages=languages,
        metadata=extra,
    )


def _load_vectors(arrays: Any, language: str, provenance: Any, arrays_path: Path) -> WordVectors | None:
    if provenance is None:
        return None
    try:
        words = tuple(str(word) for word in arrays[f"{language}.vector_words"].tolist())
        table = np.asarray(arrays[f"{language}.vector_table"], dtype=np.float32)
        return WordVectors(words, table, dict(provenance))
    except KeyError:
        raise ArtifactCorruptError(f"{arrays_path}: no word vectors for language {language!r}") from None
    except (ValueError, TypeError) as error:
        raise ArtifactCorruptError(f"{arrays_path}: {language} word vectors: {error}") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
