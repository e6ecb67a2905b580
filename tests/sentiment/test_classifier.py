"""The classifier's contract: labels, languages, determinism, artifact round-trip and errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from detectors.sentiment import (
    POLAR_MARGIN,
    ArtifactCorruptError,
    ArtifactNotFoundError,
    ArtifactVersionError,
    SentimentClassifier,
    normalise_lang,
)
from detectors.sentiment.artifact import (
    Artifact,
    LanguageWeights,
    artifact_paths,
    load_artifact,
    save_artifact,
)
from detectors.sentiment.features import N_DENSE
from schemas.records import SENTIMENT_LABELS


def test_shipped_model_classifies_clear_cases(classifier: SentimentClassifier) -> None:
    texts = [
        "I love my new phone, best purchase ever :)",
        "Worst customer service ever. I want my money back!",
        "Die Bahn ist schon wieder zu spät, ich bin echt sauer",
        "Vielen Dank für die schnelle Hilfe, super Service!",
    ]
    results = classifier.classify_batch(texts, ["en", "en-GB", "de", "DE"])
    assert [lang for lang, _ in results] == ["en", "en", "de", "de"]
    assert [sentiment.label for _, sentiment in results] == ["positive", "negative", "negative", "positive"]
    assert results[0][1].score > 0.3 > -0.3 > results[1][1].score


def test_negation_flips_polarity(classifier: SentimentClassifier) -> None:
    (_, good), (_, not_good) = classifier.classify_batch(["this is good", "this is not good"], ["en", "en"])
    assert good.score > not_good.score
    (_, gut), (_, nicht_gut) = classifier.classify_batch(["Das ist gut", "Das ist nicht gut"], ["de", "de"])
    assert gut.score > nicht_gut.score


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Gilt das auch in Deutschland? Dann kündige ich.", "de"),
        ("Cancelled my membership, bye", "en"),
        ("Ich bestelle dort nie wieder, danke für nichts", "de"),
        ("Lovely people, but my next phone won't be an Acme", "en"),
        ("Ich war einer der 120. Danke für nichts.", "de"),
    ],
)
def test_leaving_the_brand_is_negative_whatever_the_tone(classifier: SentimentClassifier, text: str, lang: str) -> None:
    """An outside tester's price-change pile-on was paged 90 minutes late: the model read
    "Dann kündige ich" as neutral and polite goodbyes as positive."""
    [(_, sentiment)] = classifier.classify_batch([text], [lang])
    assert sentiment.label == "negative"
    assert sentiment.score <= -0.5


def test_polar_labels_need_a_clear_margin(classifier: SentimentClassifier) -> None:
    """A negative or positive label whose class beats the opposite one by less than
    ``POLAR_MARGIN`` is a mixed call and reads neutral ("Well deserved" was negative by 0.06)."""
    texts = ["Well deserved", "ooh tempting", "Now fix the refunds please", "Congrats!", "Your fees are too high tbh",
             "Makes sense I guess", "ok that's actually too much", "Der Code geht nicht", "Endlich!"]
    results = classifier.classify_batch(texts, ["en"] * 7 + ["de"] * 2)
    assert results[0][1].label == "neutral"
    for (_, sentiment) in results:
        assert sentiment.label == "neutral" or abs(sentiment.score) >= POLAR_MARGIN


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("C'est vraiment nul, je suis déçu du service", None),
        ("Esto es terrible, nunca más compro aquí", "es"),
        ("This is terrible", "fr"),
        ("", "en"),
        (None, "de"),
        ("   ", None),
        ("@someone https://t.co/abc 123", None),
    ],
)
def test_other_languages_and_empty_texts_are_unknown(
    classifier: SentimentClassifier, text: str | None, lang: str | None
) -> None:
    [(_, sentiment)] = classifier.classify_batch([text], [lang])
    assert sentiment.label == "unknown"
    assert sentiment.score == 0.0
    assert sentiment.model_version == classifier.version


def test_language_is_detected_when_the_tag_says_nothing(classifier: SentimentClassifier) -> None:
    results = classifier.classify_batch(
        ["I really hate waiting for this train every single morning",
         "Ich warte jeden Morgen auf diesen Zug, es ist furchtbar",
         "Je déteste attendre ce train tous les matins"],
        [None, "und", ""],
    )
    assert [lang for lang, _ in results] == ["en", "de", "fr"]
    assert results[2][1].label == "unknown"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("en", "en"), ("en-US", "en"), ("EN_gb", "en"), ("de-AT", "de"), ("deu", "de"), ("und", None),
     ("", None), (None, None), (" fr ", "fr")],
)
def test_normalise_lang(tag: str | None, expected: str | None) -> None:
    assert normalise_lang(tag) == expected


def test_results_do_not_depend_on_the_batch(classifier: SentimentClassifier) -> None:
    texts = ["meh, it's ok I guess", "Absolut enttäuschend!!!", "not bad at all", "Je suis là"] * 5
    langs = [None, None, "en", None] * 5
    together = classifier.classify_batch(texts, langs)
    alone = [classifier.classify_batch([text], [lang])[0] for text, lang in zip(texts, langs, strict=True)]
    assert together == alone
    assert classifier.classify_batch(texts, langs) == together
    assert all(label in SENTIMENT_LABELS for _, sentiment in together for label in [sentiment.label])
    assert all(-1.0 <= sentiment.score <= 1.0 for _, sentiment in together)
    assert all(repr(sentiment.score) != "-0.0" for _, sentiment in together)


def test_mismatched_lengths_are_rejected(classifier: SentimentClassifier) -> None:
    with pytest.raises(ValueError, match="2 texts but 1"):
        classifier.classify_batch(["a", "b"], ["en"])


def _tiny_artifact(version: str = "fw-sent-test-1") -> Artifact:
    rng = np.random.default_rng(0)
    weights = LanguageWeights(
        rng.normal(size=(64 + N_DENSE, 3)).astype(np.float32),
        np.zeros(3, dtype=np.float32),
        lexicon={"good": 1.9, "gut": 2.1, ":)": 2.0, "😡": -2.5},
    )
    return Artifact(
        version=version,
        n_features=64,
        n_dense=N_DENSE,
        feature_config={"word_ngrams": 2, "char_min": 3, "char_max": 4},
        languages={"en": weights, "de": weights},
        metadata={"note": "test"},
    )


def test_artifact_round_trip(tmp_path: Path) -> None:
    original = _tiny_artifact()
    arrays, metadata = save_artifact(original, tmp_path / "model")
    assert (arrays.name, metadata.name) == ("model.npz", "model.json")
    loaded = load_artifact(tmp_path / "model.json")
    assert loaded.version == original.version
    assert loaded.metadata["note"] == "test"
    assert loaded.languages["en"].lexicon == pytest.approx(original.languages["en"].lexicon)
    for lang in ("en", "de"):
        np.testing.assert_allclose(loaded.languages[lang].weights, original.languages[lang].weights, atol=2e-3)
    classifier = SentimentClassifier.load(tmp_path / "model")
    results = classifier.classify_batch(["good", "gut"], ["en", "de"])
    assert all(sentiment.model_version == "fw-sent-test-1" for _, sentiment in results)


def test_missing_artifact_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ArtifactNotFoundError, match="not found"):
        SentimentClassifier.load(tmp_path / "absent")


def test_format_version_mismatch_is_a_typed_error(tmp_path: Path) -> None:
    save_artifact(_tiny_artifact(), tmp_path / "model")
    _, metadata_path = artifact_paths(tmp_path / "model")
    metadata = json.loads(metadata_path.read_text())
    metadata["format_version"] = 1
    metadata_path.write_text(json.dumps(metadata))
    with pytest.raises(ArtifactVersionError, match="format 1, this flarewatch reads format 2"):
        SentimentClassifier.load(tmp_path / "model")


def test_arrays_from_another_run_are_rejected(tmp_path: Path) -> None:
    save_artifact(_tiny_artifact(), tmp_path / "one")
    save_artifact(_tiny_artifact("other"), tmp_path / "two")
    (tmp_path / "one.npz").write_bytes((tmp_path / "two.npz").read_bytes() + b"\0")
    with pytest.raises(ArtifactCorruptError, match="checksum"):
        SentimentClassifier.load(tmp_path / "one")


def test_arrays_never_unpickle(tmp_path: Path) -> None:
    save_artifact(_tiny_artifact(), tmp_path / "model")
    with np.load(tmp_path / "model.npz", allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)


def test_shipped_artifact_is_small_and_versioned(classifier: SentimentClassifier) -> None:
    arrays, metadata = artifact_paths(Path(__file__).resolve().parents[2] / "detectors/sentiment/model/sentiment")
    assert arrays.stat().st_size < 8_000_000
    assert json.loads(metadata.read_text())["version"] == classifier.version
    assert classifier.version.startswith("fw-sent-")


def test_batched_language_detection_agrees_with_py3langid() -> None:
    from detectors.sentiment.language import _NOISE, LanguageDetector

    detector = LanguageDetector()
    texts = [
        "I really hate waiting for this train every single morning @DB_Bahn",
        "Ich warte jeden Morgen auf diesen Zug, es ist furchtbar #bahn",
        "Je déteste attendre ce train tous les matins",
        "ÜBERHAUPT NICHT ZUFRIEDEN MIT DEM SERVICE",
        "Questo treno è sempre in ritardo, che vergogna https://t.co/x",
        "🙂🙂🙂 123",
    ]
    expected = [
        str(detector._identifier.classify(_NOISE.sub(" ", text))[0])
        if any(character.isalpha() for character in _NOISE.sub(" ", text)) else None
        for text in texts
    ]
    # (two-letter texts are near-ties between unrelated languages, where float
    # summation order can decide; real texts agree: 3000 of 3000 benchmark tweets)
    assert detector.detect_batch(texts * 4) == expected * 4  # lockstep path
    assert detector.detect_batch(texts) == expected
    assert [detector.detect(text) for text in texts] == expected
    assert expected[:4] == ["en", "de", "fr", "de"] and expected[-1] is None
