"""Is an event about its brand? Brand-name collisions the registry lists under ``exclude``.

A brand's name is often part of another name: a stadium ("nordkabel Arena"), a namesake, a
product of someone else. Producers match events to brands by name, so a football match in the
brand's stadium arrives as hundreds of angry posts "about" the brand. The registry lists such
phrases; an event whose text names the brand only inside them is not about the brand.

>>> about = AboutBrand("nordkabel", ("nordkabel_hilft",), ("nordkabel arena",))
>>> about("Schiri heute eine Frechheit in der nordkabel Arena!!"), about("Stimmung in der #nordkabelarena")
(False, False)
>>> about("Kein Netz in der nordkabel-Arena, @nordkabel_hilft?"), about("Mein Router von nordkabel spinnt")
(True, True)
>>> about("Stau vor dem Stadion")  # no phrase: whatever the producer matched on, it stays
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_JOINER = r"[\W_]*"
"""Between a phrase's words: anything but a letter or digit, or nothing ("nordkabel arena",
"nordkabel-Arena", "#nordkabelarena", "McDonald's", "H&M", "Booking.com")."""


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for the phrases, whole words only; ``None`` for none.

    >>> pattern = phrase_pattern(["Nordkabel Arena"])
    >>> [bool(pattern.search(text)) for text in ("#NordkabelArena", "nordkabel_arena", "nordkabel arenas")]
    [True, True, False]
    """
    return _pattern(phrases, suffix="")


def _pattern(phrases: Iterable[str], suffix: str) -> re.Pattern[str] | None:
    # Case is left to IGNORECASE: casefold() would make "Weißbräu" "weissbräu", which the text is not.
    branches = sorted({_JOINER.join(re.escape(word) for word in _WORD.findall(phrase)) for phrase in phrases} - {""},
                      key=lambda branch: (-len(branch), branch))
    if not branches:
        return None
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(branches)}){suffix}(?![^\W_])", re.IGNORECASE)


class AboutBrand:
    """``about(text)``: false when the text holds an excluded phrase and, without the phrases,
    no longer names the brand (its registry name, with or without hyphens, or a handle of its
    accounts). A text without any excluded phrase is about the brand, whatever it says."""

    def __init__(self, name: str, handles: Iterable[str], exclude: Iterable[str]) -> None:
        self.excluded = phrase_pattern(exclude)
        # A hyphen in the name is a joiner like any other: "acme-rail" finds "Acme Rail" and "acmerail";
        # a genitive is still the name ("Nordkabels Netz").
        self.names = _pattern([name, *(handle for handle in handles if not handle.isdigit())], suffix="(?:['’]?s)?")

    def __call__(self, text: str | None) -> bool:
        if self.excluded is None or not text:
            return True
        rest, found = self.excluded.subn(" ", text)
        return found == 0 or (self.names is not None and self.names.search(rest) is not None)
