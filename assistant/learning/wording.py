"""The words a situation is written in, as one learned head reads them: the letters, not the meaning.

A situation becomes its character n-grams (2 to 5 letters, each word padded with a space, as scikit-learn's
``char_wb`` analyser cuts them) of the folded text (``assistant.normalise.fold``: lowercase, no accents, so
"vyras muša" and "vyras musa" share every gram), hashed into 2^BITS columns (CRC-32: the same column in every
process), each counted as 1 + log(count) times its inverse document frequency, the row scaled to unit length.
A softmax over the organisations reads that row (``Wording``), trained on the same labelled situations as
the heads over the sentence vectors. It sees what the frozen sentence vectors blur in Lithuanian, Russian,
Polish and Ukrainian (grouped cross-validation by writer, benchmarks/wording.py).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.normalise import fold

BITS = 16  # 65,536 columns: the same Success@1 as 262,144 (grouped cross-validation, the folds of heads.py)
C = 16.0  # its inverse regularisation (16 against 4 in a first look with scikit-learn: +0.004 Success@1)
SMALLEST, LARGEST = 2, 5  # n-gram lengths


def grams(text: str) -> list[str]:
    """The character n-grams of each folded word, padded with a space on both sides."""
    out: list[str] = []
    for word in fold(text).split():
        padded = f" {word} "
        for n in range(SMALLEST, LARGEST + 1):
            if len(padded) < n:
                break
            out.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return out


def columns(text: str, bits: int = BITS) -> tuple[np.ndarray, np.ndarray]:
    """The hashed columns of a text's n-grams and 1 + log(count) of each (unsorted counts, sorted columns)."""
    mask = (1 << bits) - 1
    hashed = np.fromiter((zlib.crc32(g.encode("utf-8", "surrogatepass")) & mask for g in grams(text)), dtype=np.int64)
    found, counts = np.unique(hashed, return_counts=True)
    return found, 1.0 + np.log(counts)


def matrix(texts: Sequence[str], bits: int = BITS):
    """The texts' rows (before idf), as a scipy CSR matrix of float32."""
    from scipy.sparse import csr_matrix

    indices, values, pointers = [], [], [0]
    for text in texts:
        found, tf = columns(text, bits)
        indices.append(found)
        values.append(tf)
        pointers.append(pointers[-1] + len(found))
    return csr_matrix((np.concatenate(values).astype(np.float32) if texts else np.zeros(0, np.float32),
                       np.concatenate(indices) if texts else np.zeros(0, np.int64), np.array(pointers)),
                      shape=(len(texts), 1 << bits))


def inverse_frequencies(rows) -> np.ndarray:
    """scikit-learn's smooth idf: log((1 + n) / (1 + documents with the column)) + 1."""
    seen = np.bincount(rows.indices, minlength=rows.shape[1])
    return (np.log((1 + rows.shape[0]) / (1 + seen)) + 1).astype(np.float32)


def weighted(rows, idf: np.ndarray):
    """Rows times idf, each scaled to unit length."""
    from scipy.sparse import diags

    out = (rows @ diags(idf)).tocsr()
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    return (diags(1.0 / np.maximum(norms, 1e-12)) @ out).tocsr().astype(np.float32)


SIGNALS = ("urgent", "out_of_scope")  # the sigmoid columns: P(danger now), P(nothing in the corpus fits)


@dataclass
class Wording:
    """What a text's weighted n-gram columns say: a softmax over ``organisations`` (P(the place to go first))
    and a sigmoid per SIGNALS column."""

    organisations: tuple[str, ...]
    idf: np.ndarray  # (2^bits,)
    weights: np.ndarray  # (2^bits, organisations)
    bias: np.ndarray  # (organisations,)
    signal_weights: np.ndarray  # (2^bits, len(SIGNALS))
    signal_bias: np.ndarray  # (len(SIGNALS),)

    @property
    def bits(self) -> int:
        return int(self.idf.size).bit_length() - 1

    def read(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """P(organisation) (texts, organisations) and P(signal) (texts, SIGNALS) for each text."""
        places = np.zeros((len(texts), len(self.organisations)))
        signals = np.zeros((len(texts), len(SIGNALS)))
        for i, text in enumerate(texts):
            found, tf = columns(text, self.bits)
            x = tf * self.idf[found]
            x /= max(float(np.sqrt(x @ x)), 1e-12)
            if self.weights.shape[1]:
                logits = x @ self.weights[found].astype(np.float64) + self.bias
                exp = np.exp(logits - logits.max())
                places[i] = exp / exp.sum()
            signals[i] = 1.0 / (1.0 + np.exp(-(x @ self.signal_weights[found].astype(np.float64) + self.signal_bias)))
        return places, signals

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """P(organisation) for each text (texts, organisations)."""
        return self.read(texts)[0]

    def signal(self, texts: Sequence[str], name: str) -> np.ndarray:
        """P(``name``) for each text, ``name`` one of SIGNALS."""
        return self.read(texts)[1][:, SIGNALS.index(name)]


def signal_targets(situations: list) -> tuple[np.ndarray, np.ndarray]:
    """0/1 targets and masks for the SIGNALS columns: urgent where a line was labelled for danger, out of scope
    where it was labelled in or out of scope."""
    targets = np.array([[bool(s.urgent), s.in_scope is False] for s in situations], dtype=float).reshape(-1, 2)
    mask = np.array([[s.urgent is not None, s.in_scope is not None] for s in situations], dtype=bool).reshape(-1, 2)
    return targets, mask


def train_wording(texts: Sequence[str], situations: list, organisations: tuple[str, ...], c: float = C,
                  bits: int = BITS, only_signals: bool = False, organisations_from: np.ndarray | None = None) -> Wording:
    """The heads from ``situations`` (``texts`` their words): the signals from every line labelled for them;
    the organisations from the judged ones among ``organisations_from`` (default all), grade 2 counting fully
    and grade 1 a little, as the organisation head over the vectors (``learned.organisation_rows``). The
    build gives the organisations the languages a space serves (grouped cross-validation, benchmarks/heads.py)
    and the signals every language (nested cross-validation, benchmarks/detectors.py: English false alarms on
    calm lines 0.290 with English lines alone, 0.171 with every language). ``only_signals`` leaves the
    organisations untrained (for choosing thresholds)."""
    from assistant.learning.learned import fit_sigmoids, fit_softmax, organisation_rows

    raw = matrix(texts, bits)
    idf = inverse_frequencies(raw).astype(np.float16).astype(np.float32)  # as stored
    x = weighted(raw, idf)
    if only_signals:
        w, b = np.zeros((x.shape[1], 0), np.float32), np.zeros(0, np.float32)
    else:
        chosen = np.flatnonzero(np.ones(len(situations), bool) if organisations_from is None else organisations_from)
        rows, labels, weights = organisation_rows([situations[i] for i in chosen], organisations)
        w, b = fit_softmax(x[chosen[rows]], labels, weights, len(organisations), c)
    sw, sb = fit_sigmoids(x, *signal_targets(situations), c=c)
    # What is stored is what is measured: int8 codes, a scale per column.
    return Wording(organisations, idf, dequantised(*quantised_columns(w)), b, dequantised(*quantised_columns(sw)), sb)


def quantised_columns(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A weight matrix as int8 codes and one scale per column (weights = codes x scale)."""
    scales = np.maximum(np.abs(weights).max(axis=0, keepdims=True), 1e-12) / 127
    return np.round(weights / scales).astype(np.int8), scales.astype(np.float32)


def dequantised(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    return codes.astype(np.float32) * scales
