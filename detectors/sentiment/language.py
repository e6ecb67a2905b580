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
from collections.abc import Sequence
from functools import cached_property
from typing import Any, Final

DETECTABLE_LANGUAGES: Final = (
    "en", "de", "fr", "es", "it", "nl", "pt", "tr", "pl", "ru", "ar", "ja", "ko", "zh",
    "sv", "da", "no", "fi", "cs", "el", "hu", "ro", "id", "uk", "hr",
)
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
        cleaned = _NOISE.sub(" ", text)
        if not any(character.isalpha() for character in cleaned):
            return None
        language, _confidence = self._identifier.classify(cleaned)
        return str(language)


def resolve_languages(
    texts: Sequence[str | None], langs: Sequence[str | None], detector: LanguageDetector
) -> list[str | None]:
    """Per text: the normalised producer tag, else the detected language, else ``None``."""
    resolved: list[str | None] = []
    for text, tag in zip(texts, langs, strict=True):
        language = normalise_lang(tag)
        if language is None and text and text.strip():
            language = detector.detect(text)
        resolved.append(language)
    return resolved
