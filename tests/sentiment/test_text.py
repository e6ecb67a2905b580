"""Tokenisation of social text: table-driven edge cases."""

from __future__ import annotations

import pytest

from detectors.sentiment.text import FeatureConfig, features, fold, tokenize


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("@DB_Bahn thanks", "en", ["<user>", "thanks"]),
        ("see https://t.co/AbC123 now", "en", ["see", "<url>", "now"]),
        ("www.example.com/x is down", "en", ["<url>", "is", "down"]),
        ("#EpicFail again", "en", ["#epicfail", "epic", "fail", "again"]),
        ("#DeutscheBahn", "de", ["#deutschebahn", "deutsche", "bahn"]),
        ("soooo goooood", "en", ["soo", "good", "<elong>", "<elong>"]),
        ("WORST service", "en", ["worst", "service", "<allcaps>"]),
        ("great :) :-( :D xD :p :))))) <3", "en", ["great", ":)", ":-(", ":D", "XD", ":P", ":))", "<3"]),
        ("😡😡 awful", "en", ["😡", "😡", "awful"]),
        ("won 3:1 at 12.30", "en", ["won", "<num>", "at", "<num>"]),
        ("what?!?! no!!!", "en", ["what", "?!", "no", "!!"]),
        ("xperia rocks", "en", ["xperia", "rocks"]),
        ("I don’t care", "en", ["i", "don't", "NEG_care"]),
        ("Größte Verspätung", "de", ["groesste", "verspaetung"]),
        ("FÜR fuer für", "de", ["fuer", "fuer", "fuer", "<allcaps>"]),
        ("Straße", "de", ["strasse"]),
        ("", "en", []),
        ("   ", "de", []),
    ],
)
def test_tokenize(text: str, lang: str, expected: list[str]) -> None:
    assert tokenize(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("not good", "en", ["not", "NEG_good"]),
        ("not good. great", "en", ["not", "NEG_good", ".", "great"]),
        ("not bad but awful", "en", ["not", "NEG_bad", "but", "awful"]),
        ("never ever been so happy today at all", "en",
         ["never", "NEG_ever", "NEG_been", "NEG_so", "NEG_happy", "today", "at", "all"]),
        ("isn't great", "en", ["isn't", "NEG_great"]),
        ("nicht gut", "de", ["nicht", "NEG_gut"]),
        ("kein guter Service", "de", ["kein", "NEG_guter", "NEG_service"]),
        ("ich mag das nicht.", "de", ["NEG_ich", "NEG_mag", "NEG_das", "nicht", "."]),
        ("ja, das gefällt mir nicht", "de", ["ja", ",", "NEG_das", "NEG_gefaellt", "NEG_mir", "nicht"]),
        ("nicht schlecht, aber teuer", "de", ["nicht", "NEG_schlecht", ",", "aber", "teuer"]),
        ("not gut", "de", ["not", "gut"]),
    ],
)
def test_negation_scope(text: str, lang: str, expected: list[str]) -> None:
    assert tokenize(text, lang) == expected


def test_fold_shortens_elongations_to_two_letters() -> None:
    assert fold("Yessssss", "en") == "yess"
    assert fold("Süüüüß", "de") == "sueuess"


def test_features_include_word_bigrams_and_char_grams_without_negation_prefix() -> None:
    result = features(["NEG_schlecht"], FeatureConfig(word_ngrams=2, char_min=5, char_max=5))
    assert result[0] == "NEG_schlecht"
    assert "c<schl" in result
    assert all(not item.startswith("cNEG") for item in result)


def test_compound_shares_char_grams_with_its_part() -> None:
    config = FeatureConfig()
    compound = set(features(tokenize("Zugausfall", "de"), config))
    part = set(features(tokenize("Ausfall", "de"), config))
    assert {"causf", "cusfal", "cfall>"} <= compound & part
