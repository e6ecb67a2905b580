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


@pytest.mark.parametrize(
    ("name", "phrase", "text", "about"),
    [
        # Found by a review: casefold() made the phrase "weissbräu"; apostrophes, "&" and "." split names.
        ("weißbräu", "Weißbräu Arena", "Schiri in der WEISSBRÄU ARENA", True),
        ("weißbräu", "Weißbräu Arena", "Schiri in der Weißbräu Arena", False),
        ("mcdonalds", "McDonald's Arena", "Great gig at McDonald’s Arena", False),
        ("hm", "H&M Arena", "Tickets für die H&M Arena", False),
        ("booking", "Booking.com Arena", "Stau vor der booking.com arena", False),
        # A genitive names the brand: "Nordkabels Netz".
        ("nordkabel", "nordkabel arena", "Nordkabels Netz ist Müll, auch in der nordkabel Arena", True),
        ("nordkabel", "nordkabel arena", "Nordkabel’s network is down at nordkabel arena", True),
    ],
)
def test_phrases_and_names_match_as_people_write_them(name: str, phrase: str, text: str, about: bool) -> None:
    assert AboutBrand(name, [], [phrase])(text) is about


def test_the_brands_own_accounts_are_always_about_it() -> None:
    from detectors.enrichment import Enricher
    from detectors.testing import enriched
    from schemas.brands import registry_from_dict

    registry = registry_from_dict({"brands": [{"name": "nordkabel", "exclude": ["nordkabel arena"],
                                               "accounts": {"owned": ["nordkabel"]}}]})
    enricher = Enricher(registry, classifier=None)  # type: ignore[arg-type]  # not classifying here
    text = "Heute Heimspiel in der nordkabel Arena!"
    assert enricher.is_about_brand(enriched("own", 0, brand="nordkabel", author="nordkabel", text=text).event)
    assert not enricher.is_about_brand(enriched("fan", 0, brand="nordkabel", author="fan", text=text).event)


def test_hyphenated_brand_names_count_with_and_without_the_hyphen() -> None:
    about = AboutBrand("acme-rail", [], ["acme-rail arena"])
    assert not about("Spiel in der Acme Rail Arena")
    assert about("Spiel in der Acme Rail Arena, und mein acmerail Zug kam zu spät")


def test_no_phrases_means_every_event_is_about_the_brand() -> None:
    assert phrase_pattern([]) is None and phrase_pattern(["  ", "--"]) is None
    assert AboutBrand("acme", [], [])("acme arena")
