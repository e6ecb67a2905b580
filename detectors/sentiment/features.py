"""Tokens -> a sparse feature matrix, fast enough for a stream.

Columns ``0 .. n_features-1`` hold hashed counts of word unigrams, word
bigrams, character n-grams of words, and lexicon-class tokens (``<lex+>``,
``<lex->`` and their negated forms), divided by the square root of the text's
number of feature occurrences; the last :data:`N_DENSE` columns hold lexicon
sums (see :meth:`Featurizer.dense_row`), followed, when the featurizer has
:class:`detectors.sentiment.vectors.WordVectors`, by the mean word vector of the
text's plain and of its negated words (off by default).

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

from detectors.sentiment.text import NEGATION_PREFIX, FeatureConfig
from detectors.sentiment.vectors import WordVectors, pool

N_DENSE: Final = 8
_CACHE_LIMIT: Final = 1 << 18
_MULTIPLIER_LEFT: Final = np.uint64(0x9E3779B1)
_MULTIPLIER_RIGHT: Final = np.uint64(0x85EBCA77)
_MASK32: Final = np.uint64(0xFFFFFFFF)
_NO_IDS: Final = np.zeros(0, dtype=np.uint64)

_TokenEntry = tuple[int, npt.NDArray[np.uint64], int, float, bool]
"""(unigram hash, all hashed ids of the token (unigram first), their count, lexicon value, negated)."""


def stable_hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8", "surrogatepass"))


_CHAR_PREFIX_CRC: Final = zlib.crc32(b"c")


def _char_gram_hashes(word: str, low: int, high: int) -> list[int]:
    """``stable_hash`` of each of :func:`char_grams`, without building the strings.

    >>> from detectors.sentiment.text import char_grams
    >>> _char_gram_hashes("zugausfall", 3, 5) == [stable_hash(gram) for gram in char_grams("zugausfall", 3, 5)]
    True
    >>> _char_gram_hashes("größte", 3, 5) == [stable_hash(gram) for gram in char_grams("größte", 3, 5)]
    True
    """
    if len(word) < low or not word.isalpha():
        return []
    crc32 = zlib.crc32
    seed = _CHAR_PREFIX_CRC
    padded = "<" + word + ">"
    length = len(padded)
    if padded.isascii():  # one byte per character: slice the bytes once encoded
        data = padded.encode("ascii")
        return [crc32(data[start:start + size], seed) for size in range(low, high + 1) for start in range(length - size + 1)]
    return [
        crc32(padded[start:start + size].encode("utf-8", "surrogatepass"), seed)
        for size in range(low, high + 1)
        for start in range(length - size + 1)
    ]


class Featurizer:
    """Holds the feature configuration and lexicon of one language; the cache is a pure memo."""

    def __init__(
        self, config: FeatureConfig, n_features: int, lexicon: Mapping[str, float], vectors: WordVectors | None = None
    ) -> None:
        self.config = config
        self.n_features = n_features
        self.lexicon = dict(lexicon)
        self.vectors = vectors
        self.n_dense = N_DENSE + (2 * vectors.dims if vectors is not None else 0)
        """Dense columns per text: the lexicon sums, then the word-vector means if any."""
        self._cache: dict[str, _TokenEntry] = {}
        self._lexicon_ids = {
            name: stable_hash(name) for name in ("<lex+>", "<lex->", "<neglex+>", "<neglex->")
        }

    def clear_cache(self) -> None:
        self._cache.clear()

    def _entry(self, token: str) -> _TokenEntry:
        negated = token.startswith(NEGATION_PREFIX)
        word = token[len(NEGATION_PREFIX):] if negated else token
        unigram = stable_hash(token)
        ids = [unigram]
        ids.extend(_char_gram_hashes(word, self.config.char_min, self.config.char_max))
        value = self.lexicon.get(word, 0.0)
        if value:
            name = ("<neglex" if negated else "<lex") + ("+>" if value > 0 else "->")
            ids.append(self._lexicon_ids[name])
        entry = (unigram, np.array(ids, dtype=np.uint64), len(ids), value, negated)
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = entry
        return entry

    def transform_parts(self, token_lists: Sequence[list[str]]) -> tuple[list[Any], npt.NDArray[np.float32]]:
        """Sparse parts that sum to the feature matrix, and the dense lexicon columns.

        Each occurrence of a feature weighs ``1 / sqrt(occurrences in the text)``;
        repeated features are left as repeated entries (a matrix product sums
        them), which spares sorting indices on the hot path.
        """
        import scipy.sparse as sparse

        cache = self._cache
        fill = self._entry
        unigrams: list[int] = []
        id_arrays: list[npt.NDArray[np.uint64]] = []
        token_counts: list[int] = []
        id_counts: list[int] = []
        dense = np.zeros((len(token_lists), N_DENSE), dtype=np.float32)
        for row, tokens in enumerate(token_lists):
            if not tokens:
                token_counts.append(0)
                id_counts.append(0)
                continue
            entries = [cache.get(token) or fill(token) for token in tokens]
            hashes, ids, counts, values, negated = zip(*entries, strict=True)
            unigrams.extend(hashes)
            id_arrays.extend(ids)
            token_counts.append(len(entries))
            id_counts.append(sum(counts))
            if any(values):
                dense[row] = self.dense_row(
                    [(value, flag) for value, flag in zip(values, negated, strict=True) if value]
                )
        n_rows = len(token_lists)
        token_count_array = np.array(token_counts, dtype=np.int64)
        modulus = np.uint64(self.n_features)
        id_count_array = np.array(id_counts, dtype=np.int64)
        bigram_counts = np.zeros(n_rows, dtype=np.int64)
        bigram_ids = _NO_IDS
        if self.config.word_ngrams >= 2 and len(unigrams) > 1:
            hashes_array = np.array(unigrams, dtype=np.uint64)
            rows = np.repeat(np.arange(n_rows), token_count_array)
            same_text = rows[1:] == rows[:-1]
            bigram_ids = (hashes_array[:-1][same_text] * _MULTIPLIER_LEFT + hashes_array[1:][same_text] * _MULTIPLIER_RIGHT) & _MASK32
            bigram_counts = np.maximum(token_count_array - 1, 0)
        totals = id_count_array + bigram_counts
        scale = np.zeros(n_rows, dtype=np.float32)
        np.divide(1.0, np.sqrt(totals, dtype=np.float32), out=scale, where=totals > 0)
        parts = []
        for part_ids, part_counts in (
            (np.concatenate(id_arrays) if id_arrays else _NO_IDS, id_count_array),
            (bigram_ids, bigram_counts),
        ):
            indptr = np.zeros(n_rows + 1, dtype=np.int64)
            np.cumsum(part_counts, out=indptr[1:])
            parts.append(
                sparse.csr_matrix(
                    (np.repeat(scale, part_counts), (part_ids % modulus).astype(np.int32), indptr),
                    shape=(n_rows, self.n_features),
                )
            )
        if self.vectors is not None:
            row_of = self.vectors.row
            vector_rows = [[row_of(token) for token in tokens] for tokens in token_lists]
            negated_flags = [[token.startswith(NEGATION_PREFIX) for token in tokens] for tokens in token_lists]
            dense = np.hstack([dense, pool(self.vectors, vector_rows, negated_flags)])
        return parts, dense

    def transform(self, token_lists: Sequence[list[str]]) -> tuple[Any, npt.NDArray[np.float32]]:
        """``(sparse n x n_features csr_matrix, dense n x n_dense array)``, duplicates summed."""
        parts, dense = self.transform_parts(token_lists)
        matrix = parts[0] + parts[1]
        matrix.sum_duplicates()
        return matrix, dense
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
