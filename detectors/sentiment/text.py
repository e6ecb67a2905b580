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
from dataclasses import dataclass
from typing import Final

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
    """What :class:`detectors.sentiment.features.Featurizer` emits; stored in the artifact."""

    word_ngrams: int = 2
    char_min: int = 3
    char_max: int = 5

    def to_dict(self) -> dict[str, int]:
        return {
            "word_ngrams": self.word_ngrams,
            "char_min": self.char_min,
            "char_max": self.char_max,
        }


def _keep_two(match: re.Match[str]) -> str:
    return match.group(1) * 2


def fold(word: str, lang: str) -> str:
    """Lower-case, shorten elongations to two letters, fold German umlauts and ß."""
    word = word.lower()
    if _ELONGATION.search(word):
        word = _ELONGATION.sub(_keep_two, word)
    return word.translate(_GERMAN_FOLD if lang == "de" else _APOSTROPHE_FOLD)


_WORD, _NEGATOR, _BREAKER, _PUNCT, _EMOTICON, _OTHER = range(6)
_Piece = tuple[tuple[tuple[str, int], ...], tuple[str, ...]]
"""A whitespace-separated piece of text: ``((token, kind), ...), (marker, ...)``."""
_PIECE_CACHE_LIMIT: Final = 1 << 18
_piece_caches: dict[str, dict[str, _Piece]] = {}
_EMOJI_MODIFIERS: Final = re.compile("[\ufe0f\u200d\U0001f3fb-\U0001f3ff]")


def _analyse_piece(piece: str, lang: str) -> _Piece:
    negators = NEGATORS.get(lang, frozenset())
    tokens: list[tuple[str, int]] = []
    markers: list[str] = []
    if not piece.isascii():
        piece = _EMOJI_MODIFIERS.sub("", piece)
    for match in _TOKEN_PATTERN.finditer(piece):
        kind = match.lastgroup
        raw = match.group()
        if kind == "word":
            word = fold(raw, lang)
            code = _NEGATOR if word in negators else _BREAKER if word in _SCOPE_BREAKERS else _WORD
            tokens.append((word, code))
            if len(raw) > 2 and _ELONGATION.search(raw.lower()):
                markers.append(ELONGATION_TOKEN)
            if len(raw) > 2 and raw.isupper():
                markers.append(ALLCAPS_TOKEN)
        elif kind == "url":
            tokens.append((URL_TOKEN, _OTHER))
        elif kind == "user":
            tokens.append((USER_TOKEN, _OTHER))
        elif kind == "hashtag":
            tokens.append((fold(raw, lang), _OTHER))
            tokens.extend((fold(part, lang), _OTHER) for part in _CAMEL_PARTS.findall(raw[1:]))
        elif kind == "number":
            tokens.append((NUMBER_TOKEN, _OTHER))
        elif kind == "punct":
            tokens.append((raw[:2] if raw[0] in "!?" else raw[0], _PUNCT))
        elif kind == "emoticon":
            tokens.append((_ELONGATION.sub(_keep_two, raw.upper()), _EMOTICON))
        else:
            tokens.append((raw, _OTHER))
    return tuple(tokens), tuple(markers)


_URL_PIECE: Final[_Piece] = (((URL_TOKEN, _OTHER),), ())
_USER_PIECE: Final[_Piece] = (((USER_TOKEN, _OTHER),), ())
_MENTION_PIECE: Final = re.compile(r"@\w+")


def clear_piece_cache() -> None:
    """Forget analysed pieces (benchmarks measure cold and warm caches)."""
    _piece_caches.clear()


def tokenize(text: str, lang: str) -> list[str]:
    """Social-text tokens with placeholders, hashtag splitting and negation marking.

    Mentions and URLs become placeholders (they carry no polarity of their own);
    hashtags keep the ``#`` form and add their words (``#DeutscheBahnFail`` ->
    ``deutsche bahn fail``); elongations and all-caps add marker tokens at the
    end; words inside a negation scope get the ``NEG_`` prefix. German text is
    folded so "für", "fuer" and "FÜR" meet, and a clause-final "nicht" negates
    the words before it ("das gefällt mir nicht").

    Whitespace-separated pieces are analysed once and cached (a pure function
    of the piece), which is what makes tokenisation cheap on a stream.
    """
    cache = _piece_caches.setdefault(lang, {})
    if len(cache) > _PIECE_CACHE_LIMIT:
        cache.clear()
    tokens: list[str] = []
    markers: list[str] = []
    scope = 0
    trailing_negation = False
    backwards = lang == "de"
    for piece in unicodedata.normalize("NFC", text).split():
        analysed = cache.get(piece)
        if analysed is None:
            if piece.startswith(("http://", "https://", "www.")):
                analysed = _URL_PIECE  # unique per post: not worth a cache slot
            elif piece[0] == "@" and _MENTION_PIECE.fullmatch(piece):
                analysed = _USER_PIECE
            else:
                analysed = cache[piece] = _analyse_piece(piece, lang)
        for token, kind in analysed[0]:
            if kind == _WORD:
                if scope:
                    tokens.append(NEGATION_PREFIX + token)
                    scope -= 1
                else:
                    tokens.append(token)
                trailing_negation = False
                continue
            if kind == _PUNCT and trailing_negation and backwards:
                _negate_backwards(tokens)
            tokens.append(token)
            trailing_negation = kind == _NEGATOR
            if trailing_negation:
                scope = _MAX_SCOPE
            elif kind != _OTHER:
                scope = 0
        if analysed[1]:
            markers.extend(analysed[1])
    if trailing_negation and backwards:
        _negate_backwards(tokens)
    tokens.extend(markers)
    return tokens


def _negate_backwards(tokens: list[str]) -> None:
    # German puts "nicht" after the verb: the words before a clause-final
    # negator are its scope.
    end = len(tokens) - 1  # the negator itself
    start = max(0, end - _MAX_SCOPE + 1)
    negators = NEGATORS["de"]
    for index in range(end - 1, start - 1, -1):
        token = tokens[index]
        if not token.isalpha() or token in negators or token in _SCOPE_BREAKERS:
            break
        tokens[index] = NEGATION_PREFIX + token


def char_grams(word: str, low: int, high: int) -> list[str]:
    """Character n-grams of a word of at least ``low`` letters, with ``<``/``>`` boundary marks.

    They let the model share weights between compounds and their parts
    ("Zugausfall", "Ausfall") and between spelling variants.

    >>> char_grams("nicht", 4, 4)
    ['c<nic', 'cnich', 'cicht', 'ccht>']
    >>> char_grams("gut", 4, 4), char_grams("<user>", 3, 5)
    ([], [])
    """
    if len(word) < low or not word.isalpha():
        return []
    padded = "<" + word + ">"
    length = len(padded)
    return [
        "c" + padded[start:start + size]
        for size in range(low, high + 1)
        for start in range(length - size + 1)
    ]
