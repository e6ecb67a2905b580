"""A numpy-only BERT sentence encoder, used at training time to distil word vectors.

Reads a sentence-transformers style model (``model.safetensors`` + ``vocab.txt``,
e.g. all-MiniLM-L6-v2) from a directory or a wheel/zip that contains them, and
runs the BERT forward pass (embeddings + LayerNorm, self-attention, GELU
feed-forward, mean pooling, L2 normalisation) in numpy. Nothing here is needed to
*run* the sentiment model: :mod:`detectors.sentiment.vectors` turns the encoder's
output into a static word-vector table that the artifact carries.

The safetensors format is an 8-byte little-endian header length, a JSON header
(``{name: {"dtype", "shape", "data_offsets"}}``) and the raw little-endian
tensor bytes; it holds no code, so parsing it here is as safe as ``np.load``
with ``allow_pickle=False``.

>>> pieces = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##happy", "!"])
>>> pieces.tokenize("Unhappy!")
['un', '##happy', '!']
>>> pieces.tokenize("Zug")
['[UNK]']
"""

from __future__ import annotations

import hashlib
import json
import struct
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

_DTYPES: Final = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}
MODEL_FILE: Final = "model.safetensors"
VOCAB_FILE: Final = "vocab.txt"
CONFIG_FILE: Final = "config.json"


class EncoderError(Exception):
    """The encoder files are missing or not in the expected format."""


def parse_safetensors(data: bytes) -> dict[str, npt.NDArray[Any]]:
    """Tensors by name from the bytes of a ``.safetensors`` file (copies, little-endian)."""
    if len(data) < 8:
        raise EncoderError("safetensors file is shorter than its header")
    (header_length,) = struct.unpack("<Q", data[:8])
    if 8 + header_length > len(data):
        raise EncoderError("safetensors header length exceeds the file")
    try:
        header = json.loads(data[8:8 + header_length])
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EncoderError(f"safetensors header is not JSON ({error})") from None
    body = memoryview(data)[8 + header_length:]
    tensors: dict[str, npt.NDArray[Any]] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(entry.get("dtype"))
        if dtype is None:
            raise EncoderError(f"tensor {name}: unsupported dtype {entry.get('dtype')!r}")
        start, end = entry["data_offsets"]
        shape = tuple(int(size) for size in entry["shape"])
        if not 0 <= start <= end <= len(body):
            raise EncoderError(f"tensor {name}: offsets outside the file")
        array = np.frombuffer(body[start:end], dtype=np.dtype(dtype).newbyteorder("<"))
        if array.size != int(np.prod(shape)):
            raise EncoderError(f"tensor {name}: {array.size} values for shape {shape}")
        tensors[name] = array.reshape(shape).astype(dtype)
    return tensors


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


class WordPieceTokenizer:
    """BERT's uncased tokenizer: lower-case, strip accents, split punctuation, greedy WordPiece."""

    def __init__(self, vocabulary: Sequence[str], max_chars: int = 100) -> None:
        self.ids = {piece: index for index, piece in enumerate(vocabulary)}
        self.unknown = self.ids["[UNK]"]
        self.max_chars = max_chars

    def _basic(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(char for char in text if unicodedata.category(char) != "Mn")
        words: list[str] = []
        for chunk in text.split():
            current = ""
            for char in chunk:
                if _is_punctuation(char) or 0x4E00 <= ord(char) <= 0x9FFF:
                    if current:
                        words.append(current)
                        current = ""
                    words.append(char)
                elif unicodedata.category(char) in ("Cc", "Cf") or char == "\ufffd":
                    continue
                else:
                    current += char
            if current:
                words.append(current)
        return words

    def _word_pieces(self, word: str) -> list[str]:
        if len(word) > self.max_chars:
            return ["[UNK]"]
        pieces: list[str] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.ids:
                    found = candidate
                    break
                end -= 1
            if found is None:
                return ["[UNK]"]
            pieces.append(found)
            start = end
        return pieces

    def tokenize(self, text: str) -> list[str]:
        return [piece for word in self._basic(text) for piece in self._word_pieces(word)]

    def encode(self, text: str, max_length: int) -> list[int]:
        """``[CLS] pieces [SEP]`` as ids, truncated to ``max_length``."""
        ids = [self.ids.get(piece, self.unknown) for piece in self.tokenize(text)][: max_length - 2]
        return [self.ids["[CLS]"], *ids, self.ids["[SEP]"]]


def _layer_norm(values: npt.NDArray[np.float32], weight: npt.NDArray[np.float32], bias: npt.NDArray[np.float32],
                epsilon: float) -> npt.NDArray[np.float32]:
    mean = values.mean(axis=-1, keepdims=True)
    centred = values - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return np.asarray(centred / np.sqrt(variance + epsilon) * weight + bias, dtype=np.float32)


def _gelu(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    from scipy.special import erf

    return np.asarray(0.5 * values * (1.0 + erf(values / np.float32(np.sqrt(2.0)))), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class EncoderSource:
    """Where the encoder came from, for the artifact's provenance record."""

    location: str
    model_sha256: str


class SentenceEncoder:
    """BERT encoder + mean pooling + L2 normalisation (sentence-transformers' all-MiniLM-L6-v2 recipe)."""

    def __init__(self, tensors: dict[str, npt.NDArray[Any]], vocabulary: Sequence[str], config: dict[str, Any],
                 source: EncoderSource, max_length: int = 128) -> None:
        self.tensors = {name: np.asarray(value, dtype=np.float32) for name, value in tensors.items()
                        if value.dtype.kind == "f"}
        self.tokenizer = WordPieceTokenizer(vocabulary)
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.epsilon = float(config.get("layer_norm_eps", 1e-12))
        self.max_length = min(max_length, int(config.get("max_position_embeddings", 512)))
        self.source = source
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in self.tensors else ""
        self._prefix = prefix
        if f"{prefix}embeddings.word_embeddings.weight" not in self.tensors:
            raise EncoderError("no BERT word embeddings in the model file")

    @classmethod
    def load(cls, location: str | Path, max_length: int = 128) -> SentenceEncoder:
        """From a directory holding the model files (searched recursively) or a wheel/zip containing them."""
        files = _read_model_files(Path(location))
        vocabulary = files[VOCAB_FILE].decode("utf-8").splitlines()
        config = json.loads(files[CONFIG_FILE])
        source = EncoderSource(str(location), hashlib.sha256(files[MODEL_FILE]).hexdigest())
        return cls(parse_safetensors(files[MODEL_FILE]), vocabulary, config, source, max_length)

    def _weight(self, name: str) -> npt.NDArray[np.float32]:
        return self.tensors[self._prefix + name]

    def forward(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32]:
        """Last hidden states, ``batch x length x hidden``."""
        weight = self._weight
        length = ids.shape[1]
        states = (weight("embeddings.word_embeddings.weight")[ids]
                  + weight("embeddings.position_embeddings.weight")[:length]
                  + weight("embeddings.token_type_embeddings.weight")[0])
        states = _layer_norm(states, weight("embeddings.LayerNorm.weight"), weight("embeddings.LayerNorm.bias"),
                             self.epsilon)
        batch = ids.shape[0]
        head_size = self.hidden // self.heads
        attention_bias = np.where(mask, 0.0, -1e4).astype(np.float32)[:, None, None, :]
        for layer in range(self.layers):
            name = f"encoder.layer.{layer}."

            def linear(values: npt.NDArray[np.float32], part: str, name: str = name) -> npt.NDArray[np.float32]:
                # one 2-D BLAS call for the whole batch (a 3-D matmul loops over the batch)
                flat = values.reshape(-1, values.shape[-1]) @ weight(name + part + ".weight").T
                flat += weight(name + part + ".bias")
                return flat.reshape(*values.shape[:-1], -1)

            def split(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
                return values.reshape(batch, length, self.heads, head_size).transpose(0, 2, 1, 3)

            query = split(linear(states, "attention.self.query"))
            key = split(linear(states, "attention.self.key"))
            value = split(linear(states, "attention.self.value"))
            scores = query @ key.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_size)) + attention_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = np.asarray((scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, self.hidden),
                                 dtype=np.float32)
            states = _layer_norm(states + linear(context, "attention.output.dense"),
                                 weight(name + "attention.output.LayerNorm.weight"),
                                 weight(name + "attention.output.LayerNorm.bias"), self.epsilon)
            inner = _gelu(linear(states, "intermediate.dense"))
            states = _layer_norm(states + linear(inner, "output.dense"), weight(name + "output.LayerNorm.weight"),
                                 weight(name + "output.LayerNorm.bias"), self.epsilon)
        return states

    def encode(self, texts: Sequence[str], batch_size: int = 256, normalise: bool = True) -> npt.NDArray[np.float32]:
        """Mean-pooled (over all tokens, [CLS]/[SEP] included) and L2-normalised embeddings, ``len(texts) x hidden``.

        Texts are batched by token length, so padding is rare and the result of
        a text does not depend on the others.
        """
        encoded = [self.tokenizer.encode(text, self.max_length) for text in texts]
        output = np.zeros((len(texts), self.hidden), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda index: len(encoded[index]))
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            longest = max(len(encoded[index]) for index in chosen)
            ids = np.zeros((len(chosen), longest), dtype=np.int64)
            mask = np.zeros((len(chosen), longest), dtype=bool)
            for row, index in enumerate(chosen):
                ids[row, :len(encoded[index])] = encoded[index]
                mask[row, :len(encoded[index])] = True
            states = self.forward(ids, mask)
            pooled = (states * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            output[chosen] = pooled
        if normalise:
            output /= np.maximum(np.linalg.norm(output, axis=1, keepdims=True), 1e-12)
        return output


def _read_model_files(location: Path) -> dict[str, bytes]:
    wanted = (MODEL_FILE, VOCAB_FILE, CONFIG_FILE)
    found: dict[str, bytes] = {}
    if location.is_dir():
        for name in wanted:
            candidates = sorted(location.rglob(name), key=lambda path: (len(path.parts), str(path)))
            # config.json of the transformer sits next to the model file, not in 1_Pooling/
            candidates = [path for path in candidates if (path.parent / MODEL_FILE).is_file()] or candidates
            if candidates:
                found[name] = candidates[0].read_bytes()
    elif zipfile.is_zipfile(location):
        with zipfile.ZipFile(location) as archive:
            members = archive.namelist()
            model_dirs = {member.rsplit("/", 1)[0] for member in members if member.endswith("/" + MODEL_FILE)}
            for name in wanted:
                matches = sorted(member for member in members if member.rsplit("/", 1)[-1] == name
                                 and member.rsplit("/", 1)[0] in model_dirs)
                if matches:
                    found[name] = archive.read(matches[0])
    else:
        raise EncoderError(f"{location}: neither a directory nor a wheel/zip")
    missing = [name for name in wanted if name not in found]
    if missing:
        raise EncoderError(f"{location}: no {', '.join(missing)} found")
    return found


def cosine(left: Iterable[float], right: Iterable[float]) -> float:
    a = np.asarray(list(left), dtype=np.float64)
    b = np.asarray(list(right), dtype=np.float64)
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / max(norms, 1e-12)
