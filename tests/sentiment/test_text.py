"""Tokenisation of social text: table-driven edge cases."""

from __future__ import annotations

import pytest

from detectors.sentiment.features import Featurizer, stable_hash
from detectors.sentiment.text import FeatureConfig, char_grams, fold, tokenize


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


def test_char_grams_strip_the_negation_marker_in_features() -> None:
    featurizer = Featurizer(FeatureConfig(char_min=5, char_max=5), 1 << 20, {})
    plain, _ = featurizer.transform([["schlecht"]])
    negated, _ = featurizer.transform([["NEG_schlecht"]])
    shared = set(plain.indices.tolist()) & set(negated.indices.tolist())
    assert len(shared) == len(char_grams("schlecht", 5, 5))


def test_compound_shares_char_grams_with_its_part() -> None:
    compound = set(char_grams(tokenize("Zugausfall", "de")[0], 3, 5))
    part = set(char_grams(tokenize("Ausfall", "de")[0], 3, 5))
    assert {"causf", "cusfal", "cfall>"} <= compound & part


def test_featurizer_rows_are_scaled_and_batch_independent() -> None:
    featurizer = Featurizer(FeatureConfig(), 1 << 12, {"good": 1.9, "bad": -2.5})
    token_lists = [tokenize(text, "en") for text in ("so good!!", "not bad at all", "", "bad bad bad")]
    together, dense = featurizer.transform(token_lists)
    for row, tokens in enumerate(token_lists):
        alone, alone_dense = featurizer.transform([tokens])
        assert (together[row] != alone[0]).nnz == 0
        assert dense[row].tolist() == alone_dense[0].tolist()
    parts, _ = featurizer.transform_parts(token_lists)
    occurrences = [sum(part[row].nnz for part in parts) for row in range(4)]
    # every occurrence weighs 1/sqrt(occurrences): the row sums to sqrt(occurrences)
    sums = [float(together[row].sum()) ** 2 for row in range(4)]
    assert sums == pytest.approx(occurrences, rel=1e-4)
    assert occurrences[2] == 0 and occurrences[3] > together[3].nnz
    assert dense[1][2] < 0 < dense[0][0]  # "NEG_bad" lands in the negated sum


def test_stable_hash_is_process_independent() -> None:
    assert stable_hash("good") == 1820610194  # zlib.crc32(b"good")
