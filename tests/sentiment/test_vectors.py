"""Optional word-vector features: look-up, pooling, artifact round-trip, and the numpy encoder on a tiny fixture."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from detectors.sentiment import ArtifactCorruptError, ArtifactVersionError, SentimentClassifier
from detectors.sentiment.artifact import (
    FORMAT_VERSION,
    VECTORS_FORMAT_VERSION,
    Artifact,
    LanguageWeights,
    artifact_paths,
    load_artifact,
    save_artifact,
)
from detectors.sentiment.encoder import (
    EncoderError,
    SentenceEncoder,
    WordPieceTokenizer,
    parse_safetensors,
)
from detectors.sentiment.features import N_DENSE, Featurizer
from detectors.sentiment.text import FeatureConfig, tokenize
from detectors.sentiment.vectors import WordVectors, build_vocabulary, distill, pool

TABLE = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)


def _vectors() -> WordVectors:
    return WordVectors(("good", "bad", "fail"), TABLE.copy(), {"encoder": "test", "dims": 2})


def test_lookup_strips_negation_and_misses_unknown_words() -> None:
    vectors = _vectors()
    assert [vectors.row(token) for token in ("good", "NEG_good", "bad", "zugausfall", "<user>", "")] == [
        0, 0, 1, -1, -1, -1,
    ]
    with pytest.raises(ValueError, match="3 words"):
        WordVectors(("a", "b", "c"), TABLE[:2])


def test_pool_means_plain_and_negated_words_separately() -> None:
    pooled = pool(_vectors(), [[0, 1, -1], [-1], [0, 2]], [[False, False, False], [False], [False, True]])
    np.testing.assert_allclose(pooled, [[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.0, 1.0]])


def test_featurizer_appends_vector_means_after_the_lexicon_columns() -> None:
    featurizer = Featurizer(FeatureConfig(), 1 << 8, {"good": 1.9}, _vectors())
    assert featurizer.n_dense == N_DENSE + 4
    tokens = [tokenize("good but #fail", "en"), tokenize("not good", "en"), tokenize("unseen words only", "en"), []]
    assert tokens[1] == ["not", "NEG_good"]
    sparse, dense = featurizer.transform(tokens)
    assert sparse.shape == (4, 1 << 8) and dense.shape == (4, N_DENSE + 4)
    np.testing.assert_allclose(dense[0, N_DENSE:], [1.0, 0.5, 0.0, 0.0])  # good, fail (#fail has no vector)
    np.testing.assert_allclose(dense[1, N_DENSE:], [0.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(dense[2:, N_DENSE:], 0.0)
    plain = Featurizer(FeatureConfig(), 1 << 8, {"good": 1.9})
    np.testing.assert_allclose(plain.transform(tokens)[1], dense[:, :N_DENSE])


def test_vocabulary_keeps_repeated_tokens_then_extras() -> None:
    token_lists = [["good", "NEG_good", "<user>", "rare"], ["good", "meh", "meh"]]
    assert build_vocabulary(token_lists, ["bad", "good"]) == ["good", "meh", "bad"]
    assert build_vocabulary(token_lists, ["bad"], min_count=1, limit=2) == ["good", "meh"]


def _artifact_with_vectors() -> Artifact:
    rng = np.random.default_rng(1)
    vectors = _vectors()
    english = LanguageWeights(
        rng.normal(size=(64 + N_DENSE + 2 * vectors.dims, 3)).astype(np.float32),
        np.zeros(3, dtype=np.float32), lexicon={"good": 1.9}, vectors=vectors,
    )
    german = LanguageWeights(
        rng.normal(size=(64 + N_DENSE, 3)).astype(np.float32), np.zeros(3, dtype=np.float32), lexicon={"gut": 2.1}
    )
    return Artifact("fw-sent-vectors-test", 64, N_DENSE, FeatureConfig().to_dict(), {"en": english, "de": german})


def test_artifact_round_trip_with_a_vector_table(tmp_path: Path) -> None:
    original = _artifact_with_vectors()
    arrays, metadata_path = save_artifact(original, tmp_path / "model")
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    assert metadata["format_version"] == VECTORS_FORMAT_VERSION
    assert metadata["word_vectors"] == {"en": {"encoder": "test", "dims": 2}}
    with np.load(arrays, allow_pickle=False) as stored:
        assert stored["en.vector_table"].dtype == np.float16
        assert "de.vector_table" not in stored
    loaded = load_artifact(tmp_path / "model")
    english = loaded.languages["en"].vectors
    assert english is not None and loaded.languages["de"].vectors is None
    assert english.words == ("good", "bad", "fail") and english.provenance["encoder"] == "test"
    np.testing.assert_allclose(english.table, TABLE)
    classifier = SentimentClassifier.load(tmp_path / "model")
    texts = ["good stuff", "not bad", "no known word here", "gut"]
    together = classifier.classify_batch(texts, ["en", "en", "en", "de"])
    assert [classifier.classify_batch([text], [lang])[0] for text, lang in zip(texts, ["en", "en", "en", "de"],
                                                                             strict=True)] == together
    assert all(sentiment.label != "unknown" for _, sentiment in together)


def test_artifact_without_vectors_keeps_format_2(tmp_path: Path) -> None:
    artifact = _artifact_with_vectors()
    plain = Artifact(artifact.version, 64, N_DENSE, artifact.feature_config, {"de": artifact.languages["de"]})
    _, metadata_path = save_artifact(plain, tmp_path / "model")
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    assert metadata["format_version"] == FORMAT_VERSION and "word_vectors" not in metadata
    assert load_artifact(tmp_path / "model").languages["de"].vectors is None


def test_vector_metadata_without_its_arrays_is_corrupt(tmp_path: Path) -> None:
    save_artifact(_artifact_with_vectors(), tmp_path / "model")
    _, metadata_path = artifact_paths(tmp_path / "model")
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    metadata["word_vectors"]["de"] = {"dims": 2}
    metadata_path.write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(ArtifactCorruptError, match="no word vectors for language 'de'"):
        load_artifact(tmp_path / "model")
    metadata["format_version"] = 4
    metadata_path.write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(ArtifactVersionError, match="reads format 2 or 3"):
        load_artifact(tmp_path / "model")


# --- the numpy encoder, on a tiny random BERT written as safetensors ---

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "##ness", "train", "late", "!", "cafe"]


def _safetensors(tensors: dict[str, npt.NDArray[np.float32]]) -> bytes:
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    body = b""
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [len(body), len(body) + len(data)]}
        body += data
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + body


def _tiny_bert(folder: Path, hidden: int = 8, layers: int = 2, heads: int = 2) -> Path:
    rng = np.random.default_rng(7)
    tensors: dict[str, npt.NDArray[np.float32]] = {
        "embeddings.word_embeddings.weight": rng.normal(size=(len(VOCABULARY), hidden)),
        "embeddings.position_embeddings.weight": rng.normal(size=(16, hidden)),
        "embeddings.token_type_embeddings.weight": rng.normal(size=(2, hidden)),
        "embeddings.LayerNorm.weight": np.ones(hidden), "embeddings.LayerNorm.bias": np.zeros(hidden),
    }
    for layer in range(layers):
        prefix = f"encoder.layer.{layer}."
        for part, (rows, columns) in {
            "attention.self.query": (hidden, hidden), "attention.self.key": (hidden, hidden),
            "attention.self.value": (hidden, hidden), "attention.output.dense": (hidden, hidden),
            "intermediate.dense": (4 * hidden, hidden), "output.dense": (hidden, 4 * hidden),
        }.items():
            tensors[prefix + part + ".weight"] = rng.normal(scale=0.3, size=(rows, columns))
            tensors[prefix + part + ".bias"] = rng.normal(scale=0.1, size=rows)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            tensors[prefix + norm + ".weight"] = np.ones(hidden)
            tensors[prefix + norm + ".bias"] = np.zeros(hidden)
    model = folder / "model"
    model.mkdir(parents=True)
    (model / "model.safetensors").write_bytes(_safetensors({k: v.astype(np.float32) for k, v in tensors.items()}))
    (model / "vocab.txt").write_text("\n".join(VOCABULARY) + "\n", encoding="utf-8")
    config = {"hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
              "layer_norm_eps": 1e-12, "max_position_embeddings": 16}
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_wordpiece_tokenizer_lowercases_strips_accents_and_splits() -> None:
    tokenizer = WordPieceTokenizer(VOCABULARY)
    assert tokenizer.tokenize("GOODness! Café") == ["good", "##ness", "!", "cafe"]
    assert tokenizer.tokenize("zug") == ["[UNK]"]
    assert tokenizer.encode("good train", max_length=3) == [2, 4, 3]


def test_encoder_reads_a_directory_or_a_wheel_and_is_batch_independent(tmp_path: Path) -> None:
    folder = _tiny_bert(tmp_path / "encoder")
    wheel = tmp_path / "encoder.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in (folder / "model").iterdir():
            archive.write(path, f"package/model/{path.name}")
    from_folder = SentenceEncoder.load(folder)
    from_wheel = SentenceEncoder.load(wheel)
    assert from_folder.source.model_sha256 == from_wheel.source.model_sha256
    texts = ["good", "bad train late !", "goodness", "train"]
    together = from_folder.encode(texts, batch_size=4)
    assert together.shape == (4, 8)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, rtol=1e-5)
    one_by_one = np.vstack([from_wheel.encode([text]) for text in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)  # padding is masked out
    assert not np.allclose(together[0], together[1])


def test_encoder_matches_a_reference_forward_pass(tmp_path: Path) -> None:
    encoder = SentenceEncoder.load(_tiny_bert(tmp_path / "encoder", layers=1, heads=1))
    ids = np.array(encoder.tokenizer.encode("good train", 16))
    weights = encoder.tensors

    def norm(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return (values - values.mean(-1, keepdims=True)) / np.sqrt(values.var(-1, keepdims=True) + 1e-12)

    def dense(values: npt.NDArray[np.float64], name: str) -> npt.NDArray[np.float64]:
        return values @ weights[name + ".weight"].T.astype(np.float64) + weights[name + ".bias"]

    states = norm(weights["embeddings.word_embeddings.weight"][ids] + weights["embeddings.position_embeddings.weight"][
        : len(ids)] + weights["embeddings.token_type_embeddings.weight"][0])
    prefix = "encoder.layer.0."
    query, key, value = (dense(states, prefix + f"attention.self.{part}") for part in ("query", "key", "value"))
    scores = np.exp(query @ key.T / np.sqrt(8))
    attended = (scores / scores.sum(axis=1, keepdims=True)) @ value
    states = norm(states + dense(attended, prefix + "attention.output.dense"))
    inner = dense(states, prefix + "intermediate.dense")
    from scipy.special import erf

    states = norm(states + dense(0.5 * inner * (1 + erf(inner / np.sqrt(2))), prefix + "output.dense"))
    expected = states.mean(axis=0)
    np.testing.assert_allclose(encoder.encode(["good train"])[0], expected / np.linalg.norm(expected), atol=1e-5)


def test_distilled_vectors_cover_known_words_only(tmp_path: Path) -> None:
    encoder = SentenceEncoder.load(_tiny_bert(tmp_path / "encoder"))
    vectors = distill(encoder, ["good", "zug", "#late", "😡", "train"], {"😡": "bad"}, dims=3, progress=lambda _: None)
    assert vectors.words == ("good", "#late", "😡", "train")
    assert vectors.table.shape == (4, 3) and vectors.dims == 3
    assert vectors.provenance["encoder_sha256"] == encoder.source.model_sha256
    assert np.linalg.norm(vectors.table, axis=1).mean() == pytest.approx(1.0, rel=1e-5)


def test_malformed_model_files_are_encoder_errors(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="shorter"):
        parse_safetensors(b"abc")
    with pytest.raises(EncoderError, match="exceeds"):
        parse_safetensors(struct.pack("<Q", 100) + b"{}")
    bad = json.dumps({"x": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}).encode()
    with pytest.raises(EncoderError, match="unsupported dtype"):
        parse_safetensors(struct.pack("<Q", len(bad)) + bad + b"\0\0")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EncoderError, match=r"no model\.safetensors"):
        SentenceEncoder.load(tmp_path / "empty")
