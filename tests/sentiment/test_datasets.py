"""Readers of the labelled data, and the wall between training and test sets (needs ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.sentiment.datasets import (
    SEMEVAL_TEST,
    TEST_SETS,
    DataMissingError,
    deduplicate,
    read_english_training,
    read_german_training,
    read_lexicon,
    semeval_training_files,
)

pytestmark = pytest.mark.data


def test_test_sets_are_read_with_three_classes(data_dir: Path) -> None:
    sizes = {name: reader(data_dir) for name, reader in TEST_SETS.items()}
    assert len(sizes["semeval2017-test"]) == 12_284
    assert len(sizes["germeval2017-test_syn"]) == 2_095  # relevant documents only
    assert len(sizes["apple-dfe-2014"]) == 3_886
    assert len(sizes["sentiment140-test"]) == 498
    for labelled in sizes.values():
        assert set(labelled.labels) == {"negative", "neutral", "positive"}
        assert all(text.strip() for text in labelled.texts)


def test_training_never_reads_a_test_file(data_dir: Path) -> None:
    assert SEMEVAL_TEST not in {path.name for path in semeval_training_files(data_dir)}
    german = {labelled.name for labelled in read_german_training(data_dir)}
    assert german == {"sb10k", "potts", "xlmt", "germeval2017-dev"}


def test_deduplicate_drops_test_texts_and_repeats(data_dir: Path) -> None:
    test_texts = TEST_SETS["semeval2017-test"](data_dir).texts
    english = read_english_training(data_dir)
    texts, labels, names = deduplicate(english, exclude=test_texts)
    assert len(texts) == len(labels) == len(names)
    assert len(texts) < sum(len(labelled) for labelled in english)
    assert not set(texts) & set(test_texts)
    assert len({text.lower() for text in texts}) == len(texts)


def test_semeval_escapes_are_decoded(data_dir: Path) -> None:
    texts = [text for labelled in read_english_training(data_dir) for text in labelled.texts]
    assert not any("\\u002c" in text for text in texts)


@pytest.mark.parametrize(("lang", "word", "sign"), [("en", "good", 1), ("en", "awful", -1), ("de", "gut", 1),
                                                   ("de", "schlecht", -1), ("en", "😂", 1)])
def test_lexicon_keys_are_folded_like_tokens(data_dir: Path, lang: str, word: str, sign: int) -> None:
    lexicon = read_lexicon(data_dir, lang)
    assert lexicon.get(word, 0.0) * sign > 0


def test_missing_data_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(DataMissingError, match="not found"):
        read_german_training(tmp_path)
