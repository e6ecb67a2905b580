"""Tokens -> a sparse feature matrix, fast enough for a stream.

Columns ``0 .. n_features-1`` hold hashed, square-rooted and L2-normalised
counts of word unigrams, word bigrams, character n-grams of words, and
lexicon-class tokens (``<lex+>``, ``<lex->`` and their negated forms); the last
:data:`N_DENSE` columns hold lexicon sums (see :meth:`Featurizer.dense_row`).

Hashing is CRC-32 of the UTF-8 token, so it is stable across processes and
Python versions (``hash()`` is salted per process). Everything a token
contributes is computed once and cached per featurizer: word frequencies are
Zipfian, so on a stream almost every token is a cache hit and the per-text cost
is a few dictionary look-ups plus one vectorised pass per batch.

>>> featurizer = Featurizer(FeatureConfig(), 1 << 10, {"good": 1.9})
>>> sparse, dense = featurizer.transform([["not", "NEG_good"], []])
>>> sparse.shape, dense.shape
((2, 1024), (2, 8))
>>> [round(float(value), 3) for value in dense[0]]
[0.0, 0.0, 0.475, 0.0, 0.0, -0.237, -0.237, -0.237]
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from detectors.sentiment.text import NEGATION_PREFIX, FeatureConfig, char_grams

N_DENSE: Final = 8
_CACHE_LIMIT: Final = 1 << 18
_MULTIPLIER_LEFT: Final = np.uint64(0x9E3779B1)
_MULTIPLIER_RIGHT: Final = np.uint64(0x85EBCA77)
_MASK32: Final = np.uint64(0xFFFFFFFF)
_NO_IDS: Final = np.zeros(0, dtype=np.uint64)

_TokenEntry = tuple[int, npt.NDArray[np.uint64], float, bool]
"""(unigram hash, other hashed ids of the token, lexicon value, negated)."""


def stable_hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8", "surrogatepass"))


class Featurizer:
    """Holds the feature configuration and lexicon of one language; the cache is a pure memo."""

    def __init__(self, config: FeatureConfig, n_features: int, lexicon: Mapping[str, float]) -> None:
        self.config = config
        self.n_features = n_features
        self.lexicon = dict(lexicon)
        self._cache: dict[str, _TokenEntry] = {}
        self._lexicon_ids = {
            name: stable_hash(name) for name in ("<lex+>", "<lex->", "<neglex+>", "<neglex->")
        }

    def clear_cache(self) -> None:
        self._cache.clear()

    def _entry(self, token: str) -> _TokenEntry:
        negated = token.startswith(NEGATION_PREFIX)
        word = token[len(NEGATION_PREFIX):] if negated else token
        ids = [stable_hash(gram) for gram in char_grams(word, self.config.char_min, self.config.char_max)]
        value = self.lexicon.get(word, 0.0)
        if value:
            name = ("<neglex" if negated else "<lex") + ("+>" if value > 0 else "->")
            ids.append(self._lexicon_ids[name])
        entry = (stable_hash(token), np.array(ids, dtype=np.uint64) if ids else _NO_IDS, value, negated)
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = entry
        return entry

    def transform(self, token_lists: Sequence[list[str]]) -> tuple[Any, npt.NDArray[np.float32]]:
        """``(sparse n x n_features csr_matrix, dense n x N_DENSE array)``."""
        import scipy.sparse as sparse
        from sklearn.preprocessing import normalize

        cache = self._cache
        unigrams: list[int] = []
        unigram_rows: list[int] = []
        extras: list[npt.NDArray[np.uint64]] = []
        extra_rows: list[int] = []
        extra_lengths: list[int] = []
        dense = np.zeros((len(token_lists), N_DENSE), dtype=np.float32)
        for row, tokens in enumerate(token_lists):
            values: list[tuple[float, bool]] = []
            for token in tokens:
                entry = cache.get(token) or self._entry(token)
                unigrams.append(entry[0])
                if entry[1].size:
                    extras.append(entry[1])
                    extra_rows.append(row)
                    extra_lengths.append(entry[1].size)
                if entry[2]:
                    values.append((entry[2], entry[3]))
            unigram_rows.extend([row] * len(tokens))
            if values:
                dense[row] = self.dense_row(values)
        ids = [np.array(unigrams, dtype=np.uint64)]
        rows = [np.array(unigram_rows, dtype=np.int64)]
        if self.config.word_ngrams >= 2 and len(unigrams) > 1:
            same_text = rows[0][1:] == rows[0][:-1]
            left, right = ids[0][:-1][same_text], ids[0][1:][same_text]
            ids.append((left * _MULTIPLIER_LEFT + right * _MULTIPLIER_RIGHT) & _MASK32)
            rows.append(rows[0][1:][same_text])
        if extras:
            ids.append(np.concatenate(extras))
            rows.append(np.repeat(np.array(extra_rows, dtype=np.int64), extra_lengths))
        columns = (np.concatenate(ids) % np.uint64(self.n_features)).astype(np.int64)
        row_index = np.concatenate(rows)
        matrix = sparse.csr_matrix(
            (np.ones(len(columns), dtype=np.float32), (row_index, columns)),
            shape=(len(token_lists), self.n_features),
        )
        np.sqrt(matrix.data, out=matrix.data)
        return normalize(matrix, norm="l2", copy=False), dense

    @staticmethod
    def dense_row(values: Sequence[tuple[float, bool]]) -> list[float]:
        """Lexicon sums on VADER's -4..4 scale, divided by 4.

        Positive sum, negative sum, sum of negated hits, positive and negative
        hit counts (plain hits only), last hit (a negated hit counts as -0.5 of
        its value, as VADER does), and the extremes of the signed hits.
        """
        positive = negative = negated_sum = 0.0
        positive_count = negative_count = 0
        signed: list[float] = []
        for value, negated in values:
            if negated:
                negated_sum += value
                signed.append(-0.5 * value)
            elif value > 0:
                positive += value
                positive_count += 1
                signed.append(value)
            else:
                negative += value
                negative_count += 1
                signed.append(value)
        return [
            positive / 4, negative / 4, negated_sum / 4, positive_count / 3, negative_count / 3,
            signed[-1] / 4, max(signed) / 4, min(signed) / 4,
        ]
