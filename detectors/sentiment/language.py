"""Which language an event is in: the producer's tag when it has one, else detection.

Producers send tags like ``"en-US"``, ``"DE"``, ``"de_AT"`` or Twitter's ``"und"``
(undetermined); :func:`normalise_lang` reduces them to a primary subtag.
Detection uses py3langid restricted to languages common on the platforms we
watch, so that a French or Turkish post is recognised as such instead of being
forced into English or German.

>>> normalise_lang("en-US"), normalise_lang("DE_at"), normalise_lang("und"), normalise_lang("ger")
('en', 'de', None, 'de')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cached_property
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from schemas.records import KNOWN_LANGUAGES

DETECTABLE_LANGUAGES: Final = KNOWN_LANGUAGES
"""The brand registry accepts the same languages."""
_UNDETERMINED: Final = frozenset({"", "und", "zxx", "mul", "qme", "qht", "qam", "qst", "art"})
_THREE_LETTER: Final = {"eng": "en", "deu": "de", "ger": "de", "gsw": "de", "fra": "fr", "fre": "fr", "spa": "es"}
_NOISE: Final = re.compile(r"(?:https?://|www\.)\S+|[@#]\w+|\bRT\b|[0-9_]+")


def normalise_lang(tag: str | None) -> str | None:
    """Primary language subtag in lower case, or ``None`` when the tag says nothing."""
    if tag is None:
        return None
    primary = re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
    if primary in _UNDETERMINED:
        return None
    return _THREE_LETTER.get(primary, primary)


class LanguageDetector:
    """py3langid restricted to :data:`DETECTABLE_LANGUAGES`; built lazily, then reused."""

    def __init__(self, languages: Sequence[str] = DETECTABLE_LANGUAGES) -> None:
        self.languages = tuple(languages)

    @cached_property
    def _identifier(self) -> Any:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(self.languages))
        return identifier

    def detect(self, text: str) -> str | None:
        """The language of ``text``, or ``None`` when it has no letters to go on."""
        return self.detect_batch([text])[0]

    @cached_property
    def _tables(self) -> tuple[Any, ...] | None:
        """py3langid's byte DFA and naive Bayes tables as numpy arrays, or ``None``.

        ``None`` when this py3langid keeps them under other names; detection then
        falls back to its per-text ``classify``.
        """
        identifier = self._identifier
        try:
            if identifier._alias_pairs:
                return None
            return (
                np.asarray(identifier.tk_nextmove, dtype=np.int64),
                np.asarray(identifier.tk_row, dtype=np.int64) << 8,
                np.asarray(identifier.tk_output, dtype=np.int64),
                np.asarray(identifier.nb_ptc, dtype=np.float32),
                np.asarray(identifier.nb_pc, dtype=np.float32),
                list(identifier.nb_classes),
            )
        except AttributeError:
            return None

    def detect_batch(self, texts: Sequence[str]) -> list[str | None]:
        """:meth:`detect` for many texts, with py3langid's model run in lockstep.

        py3langid walks a byte-level automaton per text in a Python loop; here all
        texts of a batch advance one byte per numpy step, and the naive Bayes
        scores are one sparse matrix product. The first :data:`_MAX_BYTES` bytes
        of the cleaned text decide (plenty for a language, and a bound on cost).
        """
        cleaned = [_NOISE.sub(" ", text) for text in texts]
        results: list[str | None] = [None] * len(texts)
        candidates = [index for index, text in enumerate(cleaned) if any(character.isalpha() for character in text)]
        if not candidates:
            return results
        # Lockstep pays off from a few dozen texts; below, py3langid's own loop is faster.
        tables = self._tables if len(candidates) >= _MIN_LOCKSTEP_BATCH else None
        if tables is None:
            for index in candidates:
                results[index] = str(self._identifier.classify(cleaned[index])[0])
            return results
        next_move, row_base, output, class_weights, prior, classes = tables
        encoded = [_encode(cleaned[index])[:_MAX_BYTES] for index in candidates]
        # Longest first, so the texts still being walked at any byte are a prefix.
        order = sorted(range(len(encoded)), key=lambda row: -len(encoded[row]))
        lengths = np.array([len(encoded[row]) for row in order], dtype=np.int64)
        padded = np.zeros((len(encoded), int(lengths[0])), dtype=np.int64)
        for row, original in enumerate(order):
            padded[row, : lengths[row]] = np.frombuffer(encoded[original], dtype=np.uint8)
        active_counts = np.searchsorted(-lengths, -np.arange(int(lengths[0])), side="right")
        state = np.zeros(len(encoded), dtype=np.int64)
        rows: list[npt.NDArray[np.int64]] = []
        features: list[npt.NDArray[np.int64]] = []
        for position, active in enumerate(active_counts.tolist()):
            walked = next_move[row_base[state[:active]] + padded[:active, position]]
            state[:active] = walked
            emitted = output[walked]
            hit = np.flatnonzero(emitted >= 0)
            if hit.size:
                rows.append(hit)
                features.append(emitted[hit])
        scores = np.tile(prior, (len(encoded), 1))
        if rows:
            import scipy.sparse as sparse

            counts = sparse.csr_matrix(
                (np.ones(sum(len(part) for part in rows), dtype=np.float32),
                 (np.concatenate(rows), np.concatenate(features))),
                shape=(len(encoded), class_weights.shape[0]),
            )
            counts.data = np.log1p(counts.data)
            scores = scores + counts @ class_weights
        for row, best in enumerate(scores.argmax(axis=1).tolist()):
            results[candidates[order[row]]] = str(classes[best])
        return results


_MAX_BYTES: Final = 600
_MIN_LOCKSTEP_BATCH: Final = 24


def _encode(text: str) -> bytes:
    # As py3langid does: all-caps text is lower-cased, NFC, UTF-8.
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf-8", "surrogatepass")


def resolve_languages(
    texts: Sequence[str | None], langs: Sequence[str | None], detector: LanguageDetector
) -> list[str | None]:
    """Per text: the normalised producer tag, else the detected language, else ``None``."""
    resolved = [normalise_lang(tag) for tag in langs]
    undetermined = [
        index for index, (text, language) in enumerate(zip(texts, resolved, strict=True))
        if language is None and text and text.strip()
    ]
    if undetermined:
        detected = detector.detect_batch([texts[index] or "" for index in undetermined])
        for index, language in zip(undetermined, detected, strict=True):
            resolved[index] = language
    return resolved
