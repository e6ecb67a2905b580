"""Brand-name collisions listed in the registry's ``exclude``: not about the brand, not counted."""

from __future__ import annotations

import doctest

import pytest

import detectors.relevance
from detectors.relevance import AboutBrand, phrase_pattern


def test_doctests() -> None:
    failures, tried = doctest.testmod(detectors.relevance)
    assert failures == 0 and tried > 0


ARENA = AboutBrand("nordkabel", ["nordkabel_hilft", "12345"], ["nordkabel Arena", "Nordkabel-Cup"])


@pytest.mark.parametrize(
    ("text", "about"),
    [
        # An outside tester's football match in the brand's stadium: 330 angry posts, a critical page.
        ("this ref at nordkabel arena is a disgrace", False),
        ("Das Bier in der NORDKABEL ARENA ist wieder teurer geworden", False),
        ("Rote Karte?? Soll das ein Witz sein?? #nordkabelarena", False),
        ("Finale im nordkabel_cup heute", False),
        # The brand named outside the phrase: about the brand.
        ("Kein Netz in der nordkabel Arena, obwohl ich Kunde bei nordkabel bin", True),
        ("@nordkabel_hilft kein Netz in der nordkabel-arena", True),
        ("#nordkabel Störung, auch in der Arena", True),
        # Not the phrase: "arenas", "nordkabelarenastrasse" are other words; no phrase at all stays.
        ("nordkabel arenas everywhere", True),
        ("Stau vor dem Stadion", True),
        ("", True),
        (None, True),
        # A handle that is a number is an id, not a name people write.
        ("12345 Fans in der nordkabel Arena", False),
    ],
)
def test_an_event_naming_the_brand_only_inside_an_excluded_phrase_is_not_about_it(text: str | None, about: bool) -> None:
    assert ARENA(text) is about


def test_hyphenated_brand_names_count_with_and_without_the_hyphen() -> None:
    about = AboutBrand("acme-rail", [], ["acme-rail arena"])
    assert not about("Spiel in der Acme Rail Arena")
    assert about("Spiel in der Acme Rail Arena, und mein acmerail Zug kam zu spät")


def test_no_phrases_means_every_event_is_about_the_brand() -> None:
    assert phrase_pattern([]) is None and phrase_pattern(["  ", "--"]) is None
    assert AboutBrand("acme", [], [])("acme arena")
