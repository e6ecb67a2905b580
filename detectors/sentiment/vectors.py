"""Static word vectors distilled from a sentence encoder: optional dense features.

Each word of a vocabulary (the training data's frequent tokens, the lexicon, and
the encoder's own whole-word vocabulary) is run through the sentence encoder on
its own (model2vec-style distillation; emoji through their VADER descriptions),
the vectors are reduced by PCA and scaled to unit mean length. A text's features
are then the mean vector of its plain words and the mean vector of its negated
(``NEG_``) words, so the stream path stays a table look-up plus one sparse-dense
product. The encoder is a training-time input only; the artifact carries the
table (float16).

Off by default: on the English held-out split it did not beat the model without
it (see MODEL_CARD.md, "Tried and not shipped").

>>> vectors = WordVectors(("good", "bad"), np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
>>> vectors.row("good"), vectors.row("NEG_bad"), vectors.row("zzz")
(0, 1, -1)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from detectors.sentiment.text import NEGATION_PREFIX

if TYPE_CHECKING:
    from detectors.sentiment.encoder import SentenceEncoder

DEFAULT_DIMS: Final = 128


@dataclass(frozen=True, slots=True)
class WordVectors:
    words: tuple[str, ...]
    table: npt.NDArray[np.float32]
    """``len(words) x dims``."""
    provenance: Mapping[str, Any] = field(default_factory=dict)
    """Encoder location and SHA-256, dimensions; stored in the artifact's JSON."""
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.table.ndim != 2 or self.table.shape[0] != len(self.words):
            raise ValueError(f"{len(self.words)} words but a table of shape {self.table.shape}")
        self._index.update((word, row) for row, word in enumerate(self.words))

    @property
    def dims(self) -> int:
        return int(self.table.shape[1])

    def row(self, token: str) -> int:
        """Table row of a token (its ``NEG_`` prefix ignored), or -1 for a word without a vector."""
        word = token[len(NEGATION_PREFIX):] if token.startswith(NEGATION_PREFIX) else token
        return self._index.get(word, -1)


def build_vocabulary(
    token_lists: Iterable[Sequence[str]], extra_words: Iterable[str] = (), min_count: int = 2, limit: int = 80_000
) -> list[str]:
    """Tokens seen at least ``min_count`` times (most frequent first, placeholders skipped), then ``extra_words``."""
    counts: Counter[str] = Counter()
    for tokens in token_lists:
        for token in tokens:
            word = token[len(NEGATION_PREFIX):] if token.startswith(NEGATION_PREFIX) else token
            if not (word.startswith("<") and word.endswith(">")):
                counts[word] += 1
    vocabulary = [word for word, count in counts.most_common() if count >= min_count][:limit]
    seen = set(vocabulary)
    for word in extra_words:
        if len(vocabulary) >= limit:
            break
        if word not in seen:
            vocabulary.append(word)
            seen.add(word)
    return vocabulary


def distill(
    encoder: SentenceEncoder,
    words: Sequence[str],
    descriptions: Mapping[str, str] | None = None,
    dims: int = DEFAULT_DIMS,
    progress: Callable[[str], None] = print,
) -> WordVectors:
    """Encode each word alone, PCA to ``dims``, scale rows to unit mean length.

    Words the encoder only knows as ``[UNK]`` get no vector. ``descriptions``
    replace a word by a text (emoji -> "face with tears of joy"); hashtags are
    encoded without their ``#``.
    """
    descriptions = descriptions or {}
    sources = [descriptions.get(word, word.lstrip("#")) for word in words]
    known = [index for index, source in enumerate(sources)
             if any(piece != "[UNK]" for piece in encoder.tokenizer.tokenize(source))]
    progress(f"word vectors: encoding {len(known)} of {len(words)} words")
    encoded = encoder.encode([sources[index] for index in known], batch_size=512)
    centred = encoded - encoded.mean(axis=0)
    dims = min(dims, centred.shape[1])
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    table = centred @ components[:dims].T
    table /= float(np.linalg.norm(table, axis=1).mean())
    provenance = {
        "encoder": encoder.source.location,
        "encoder_sha256": encoder.source.model_sha256,
        "dims": dims,
        "words": len(known),
        "method": "each word encoded alone (mean pooling), PCA, unit mean length",
    }
    return WordVectors(tuple(words[index] for index in known), np.ascontiguousarray(table, dtype=np.float32),
                       provenance)


def pool(
    vectors: WordVectors, rows: Sequence[Sequence[int]], negated: Sequence[Sequence[bool]]
) -> npt.NDArray[np.float32]:
    """``len(rows) x 2*dims``: mean vector of each text's plain words, then of its negated words.

    ``rows[i]`` are table rows of text ``i``'s tokens (-1: no vector, skipped).
    """
    import scipy.sparse as sparse

    n_texts = len(rows)
    flat_rows = np.fromiter((row for text in rows for row in text), dtype=np.int64)
    flat_negated = np.fromiter((flag for text in negated for flag in text), dtype=bool)
    text_of = np.repeat(np.arange(n_texts), [len(text) for text in rows])
    known = flat_rows >= 0
    output = np.zeros((n_texts, 2 * vectors.dims), dtype=np.float32)
    for block, chosen in enumerate((known & ~flat_negated, known & flat_negated)):
        counts = np.bincount(text_of[chosen], minlength=n_texts).astype(np.float32)
        if not counts.any():
            continue
        weights = (1.0 / np.maximum(counts, 1.0))[text_of[chosen]]
        matrix = sparse.csr_matrix(
            (weights, (text_of[chosen], flat_rows[chosen])), shape=(n_texts, len(vectors.words))
        )
        output[:, block * vectors.dims:(block + 1) * vectors.dims] = matrix @ vectors.table
    return output
