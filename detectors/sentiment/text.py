"""Normalisation and feature extraction for short social-media text.

The extractor is stateless and deterministic: the same text always yields the
same feature strings, which :class:`detectors.sentiment.model.LinearModel`
hashes into a fixed-width sparse vector. Nothing here depends on training data,
so the artifact only has to carry the feature configuration and the weights.

>>> tokenize("Sooooo NOT good @DB_Bahn!!! #fail http://t.co/x", "en")
['soo', 'not', 'NEG_good', '<user>', '!!', '#fail', 'fail', '<url>', '<elong>', '<allcaps>']
>>> tokenize("Der Zug ist nicht pünktlich :(", "de")
['der', 'zug', 'ist', 'nicht', 'NEG_puenktlich', ':(']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any, Final

import numpy as np

URL_TOKEN: Final = "<url>"
USER_TOKEN: Final = "<user>"
NUMBER_TOKEN: Final = "<num>"
ELONGATION_TOKEN: Final = "<elong>"
ALLCAPS_TOKEN: Final = "<allcaps>"
NEGATION_PREFIX: Final = "NEG_"

# Order matters: the first alternative that matches at a position wins.
_TOKEN_PATTERN: Final = re.compile(
    r"""
    (?P<url>(?:https?://|www\.)\S+)
  | (?P<user>@\w+)
  | (?P<hashtag>\#\w+)
  | (?P<emoticon>(?:(?:[<>]?[:;=8xX][\-o\*']?[\)\]\(\[dDpP/\\\|@3]+)|(?:[\)\]\(\[dDpP/\\\|@]+[\-o\*']?[:;=8])|</?3+)(?!\w))
  | (?P<number>[+-]?\d+(?:[.,:/]\d+)*%?)
  | (?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+)*)
  | (?P<punct>[!?]+|[.,;:]+)
  | (?P<symbol>[^\s\w])
    """,
    re.VERBOSE,
)
_ELONGATION: Final = re.compile(r"(.)\1{2,}")
_CAMEL_PARTS: Final = re.compile(r"[A-ZÄÖÜ]?[a-zäöüß]+|[A-ZÄÖÜ]+(?![a-zäöüß])|\d+")
_GERMAN_FOLD: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "’": "'"})
_APOSTROPHE_FOLD: Final = str.maketrans({"’": "'"})

NEGATORS: Final[dict[str, frozenset[str]]] = {
    "en": frozenset(
        {
            "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "nowhere",
            "cannot", "cant", "can't", "dont", "don't", "doesnt", "doesn't", "didnt", "didn't",
            "isnt", "isn't", "wasnt", "wasn't", "arent", "aren't", "werent", "weren't",
            "wont", "won't", "wouldnt", "wouldn't", "shouldnt", "shouldn't", "couldnt",
            "couldn't", "hasnt", "hasn't", "havent", "haven't", "hadnt", "hadn't", "aint",
            "ain't", "without", "hardly", "barely", "lack", "lacks", "lacking",
        }
    ),
    "de": frozenset(
        {
            "nicht", "nich", "net", "ned", "nie", "niemals", "nimmer", "nichts", "nix",
            "niemand", "kein", "keine", "keinen", "keinem", "keiner", "keines", "weder",
            "ohne", "kaum",
        }
    ),
}
# A negation scope ends at punctuation, at a contrastive conjunction, or after
# this many words ("not good at all, but" -> only "good at all" is negated).
_SCOPE_BREAKERS: Final = frozenset({"but", "however", "although", "aber", "sondern", "doch", "jedoch", "obwohl"})
_MAX_SCOPE: Final = 4


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """What :func:`features` emits; stored in the artifact so training and inference agree."""

    word_ngrams: int = 2
    char_min: int = 3
    char_max: int = 5
    char_weight_words_only: bool = True

    def to_dict(self) -> dict[str, int | bool]:
        return {
            "word_ngrams": self.word_ngrams,
            "char_min": self.char_min,
            "char_max": self.char_max,
            "char_weight_words_only": self.char_weight_words_only,
        }


def fold(word: str, lang: str) -> str:
    """Lower-case, shorten elongations to two letters, fold German umlauts and ß."""
    word = _ELONGATION.sub(r"\1\1", word.lower())
    return word.translate(_GERMAN_FOLD if lang == "de" else _APOSTROPHE_FOLD)


def tokenize(text: str, lang: str) -> list[str]:
    """Social-text tokens with placeholders, hashtag splitting and negation marking.

    Mentions and URLs become placeholders (they carry no polarity of their own);
    hashtags keep the ``#`` form and add their words (``#DeutscheBahnFail`` ->
    ``deutsche bahn fail``); elongations and all-caps add marker tokens; words
    inside a negation scope get the ``NEG_`` prefix. German text is folded so
    "für", "fuer" and "FÜR" meet.
    """
    text = unicodedata.normalize("NFC", text)
    negators = NEGATORS.get(lang, frozenset())
    tokens: list[str] = []
    markers: list[str] = []
    scope = 0
    trailing_negation = False
    for match in _TOKEN_PATTERN.finditer(text):
        kind = match.lastgroup
        raw = match.group()
        if kind == "word":
            word = fold(raw, lang)
            if scope > 0 and word not in negators and word not in _SCOPE_BREAKERS:
                tokens.append(NEGATION_PREFIX + word)
                scope -= 1
            else:
                tokens.append(word)
                scope = 0
            if word in negators:
                scope = _MAX_SCOPE
                trailing_negation = True
            else:
                trailing_negation = False
                if word in _SCOPE_BREAKERS:
                    scope = 0
            if len(raw) > 2 and _ELONGATION.search(raw.lower()):
                markers.append(ELONGATION_TOKEN)
            if len(raw) > 2 and raw.isupper():
                markers.append(ALLCAPS_TOKEN)
            continue
        if kind == "punct" and lang == "de" and trailing_negation:
            # German puts "nicht" after the verb ("das gefällt mir nicht."):
            # a clause-final negator negates the words before it.
            _negate_backwards(tokens, negators)
        trailing_negation = False
        if kind in ("punct", "emoticon"):
            scope = 0
        if kind == "url":
            tokens.append(URL_TOKEN)
        elif kind == "user":
            tokens.append(USER_TOKEN)
        elif kind == "hashtag":
            tokens.append(fold(raw, lang))
            tokens.extend(fold(part, lang) for part in _CAMEL_PARTS.findall(raw[1:]))
        elif kind == "number":
            tokens.append(NUMBER_TOKEN)
        elif kind == "punct":
            tokens.append(raw[:2] if raw[0] in "!?" else raw[0])
        elif kind == "emoticon":
            tokens.append(_ELONGATION.sub(r"\1\1", raw.upper()))
        elif kind == "symbol" and not raw.isspace():
            tokens.append(raw)
    if lang == "de" and trailing_negation:
        _negate_backwards(tokens, negators)
    tokens.extend(markers)
    return tokens


def _negate_backwards(tokens: list[str], negators: frozenset[str]) -> None:
    end = len(tokens) - 1  # the negator itself
    start = max(0, end - _MAX_SCOPE + 1)
    for index in range(end - 1, start - 1, -1):
        token = tokens[index]
        if not token.isalpha() or token in negators or token in _SCOPE_BREAKERS:
            break
        tokens[index] = NEGATION_PREFIX + token


def features(tokens: list[str], config: FeatureConfig) -> list[str]:
    """Word n-grams plus character n-grams of words of ``char_min`` letters or more.

    Character n-grams let the model share weights between compounds and their
    parts ("Zugausfall", "Ausfall") and between spelling variants.

    >>> features(["nicht", "NEG_gut"], FeatureConfig(char_min=4, char_max=4))
    ['nicht', 'NEG_gut', 'nicht NEG_gut', 'c<nic', 'cnich', 'cicht', 'ccht>']
    """
    result = list(tokens)
    if config.word_ngrams >= 2:
        result.extend([left + " " + right for left, right in pairwise(tokens)])
    for token in tokens:
        result.extend(_char_grams(token, config.char_min, config.char_max))
    return result


@lru_cache(maxsize=1 << 17)
def _char_grams(token: str, low: int, high: int) -> tuple[str, ...]:
    # Cached: word frequencies are Zipfian, so most tokens in a batch were seen before.
    if token.startswith(NEGATION_PREFIX):
        token = token[len(NEGATION_PREFIX):]
    if len(token) < low or not token.isalpha():
        return ()
    padded = "<" + token + ">"
    length = len(padded)
    return tuple(
        "c" + padded[start:start + size]
        for size in range(low, high + 1)
        for start in range(length - size + 1)
    )


def hash_features(
    token_lists: Iterable[list[str]], config: FeatureConfig, n_features: int
) -> Any:
    """L2-normalised ``scipy.sparse.csr_matrix`` of hashed feature counts, one row per text."""
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.preprocessing import normalize

    hasher = FeatureHasher(n_features=n_features, input_type="string", alternate_sign=False)
    matrix = hasher.transform(features(tokens, config) for tokens in token_lists)
    matrix.data = np.sqrt(matrix.data, dtype=np.float32)
    return normalize(matrix, norm="l2", copy=False)
