"""The learned layer: what a situation needs, which organisation fits, whether it is in scope and whether
the person is in danger now, read from the situation's sentence vector by heads trained on labelled
situations (``assistant.learning.situations``).

Each head is a logistic regression (scikit-learn's loss, fitted by L-BFGS; one matrix product at search time):
    organisations  softmax over the organisations seen in training: P(this one is the place to go first),
                   trained on every judged situation, grade 2 counting fully and grade 1 a little
    neighbours     not a regression: the judged situations nearest a new one (cosine), and where they were
                   sent; it catches what a linear boundary smooths over (grouped cross-validation:
                   English Success@1 0.786 -> 0.820, other languages 0.725 -> 0.737, benchmarks/heads.py)
    wording        a softmax over the organisations again, read from the text's letters (character n-grams,
                   ``assistant.learning.wording``), trained on the situations in the languages the heads serve:
                   what the frozen vectors blur (other languages 0.762 -> 0.801, English 0.834 -> 0.847)
    needs          one sigmoid per need of the taxonomy (``assistant.taxonomy``), each with the threshold
                   above which "We understood" shows it
    out_of_scope   P(nothing in the corpus fits)
    danger         P(danger to life now, or suicide or self-harm now), and a softmax over the kinds
There is one set of heads per sentence model: English situations are read from the English model's
vector, other languages from the multilingual model's (trained on every language, English included,
since its vectors put a sentence and its translation close together).

Files (``<index>/learned/``): ``heads-<space>.npz`` (weights) and ``learned.json`` (labels, thresholds,
the training set's fingerprint and counts, the cross-validated figures, build time). Written last, the
json is the commit point; a different fingerprint or model means the heads are retrained.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.learning.situations import Situation
from assistant.learning.wording import SIGNALS, Wording, dequantised, quantised_columns, train_wording

FORMAT_VERSION = 5  # 2: the neighbours beside the heads; 3: their vectors in int8; 4: out-of-scope ones among them;
# 5: the wording head (assistant.learning.wording)
GRADE_WEIGHT = {2: 1.0, 1: 0.3}  # how much a judged organisation counts as "the one to go to"
C = 4.0  # inverse regularisation, chosen by grouped cross-validation (benchmarks/learning.py)
DANGER_RECALL = 0.96  # the danger threshold keeps at least this recall in cross-validation (danger sets)
NEED_PRECISION = 0.75  # a need is shown above the probability where cross-validated precision reaches this
OUT_OF_SCOPE_SLIP = 0.02  # at most this share of in-scope situations may be told nothing fits (cross-validated)
NEIGHBOURS = 10  # how many labelled situations a new one is compared with (benchmarks/heads.py)
NEIGHBOUR_SHARPNESS = 0.02  # a neighbour counts exp(cosine / sharpness): the nearest few decide


@dataclass
class Head:
    """One logistic regression: ``labels`` and a weight matrix; softmax (one of the labels) or sigmoid
    (each label on its own)."""

    labels: tuple[str, ...]
    weights: np.ndarray  # (dimension, labels)
    bias: np.ndarray  # (labels,)
    softmax: bool
    thresholds: np.ndarray | None = None  # sigmoid heads: the probability above which a label counts

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        logits = np.atleast_2d(vectors) @ self.weights + self.bias
        if self.softmax:
            logits = logits - logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            return exp / exp.sum(axis=1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-logits))


@dataclass
class Neighbours:
    """The judged training situations a space serves as unit vectors: in scope with where each was sent (its
    grades as a distribution over ``labels``), and out of scope (``outside``; their row of targets is 0).
    A new situation gets the mean of its ``k`` nearest in-scope neighbours' distributions, and the share of
    its ``k`` nearest of all that were out of scope, each neighbour weighted by exp(cosine / sharpness)."""

    labels: tuple[str, ...]
    vectors: np.ndarray  # (situations, dimension), unit rows
    targets: np.ndarray  # (situations, labels), rows summing to 1 (0 for an out-of-scope row)
    outside: np.ndarray  # (situations,) bool: out of scope
    k: int = NEIGHBOURS
    sharpness: float = NEIGHBOUR_SHARPNESS

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        return self.read(vectors)[0]

    def read(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the nearest in-scope situations were sent (situations, labels), and the weighted share of
        the nearest that were out of scope (situations,)."""
        x = np.atleast_2d(vectors).astype(np.float32)
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        cosines = x @ self.vectors.T
        inside = np.flatnonzero(~self.outside)
        sent = self._weighted(cosines[:, inside], self.targets[inside], len(self.labels))
        share = self._weighted(cosines, self.outside[:, None].astype(np.float32), 1)[:, 0]
        return sent, share

    def _weighted(self, cosines: np.ndarray, values: np.ndarray, width: int) -> np.ndarray:
        k = min(self.k, cosines.shape[1])
        if k == 0:
            return np.zeros((len(cosines), width))
        nearest = np.argpartition(-cosines, k - 1, axis=1)[:, :k]
        near = np.take_along_axis(cosines, nearest, axis=1)
        weight = np.exp((near - near.max(axis=1, keepdims=True)) / self.sharpness)
        return np.einsum("qk,qkl->ql", weight, values[nearest]) / weight.sum(axis=1, keepdims=True)


def train_neighbours(vectors: np.ndarray, situations: list[Situation], organisations: tuple[str, ...]) -> Neighbours:
    """Neighbours from every judged in-scope situation (grade 2 counting fully, grade 1 a little) and every
    out-of-scope one; unjudged lines are left out."""
    rows, labels, weights = organisation_rows(situations, organisations)
    targets = np.zeros((len(situations), len(organisations)), np.float32)
    np.add.at(targets, (rows, labels), weights)
    outside = np.array([s.in_scope is False for s in situations], dtype=bool)
    keep = (targets.sum(axis=1) > 0) | outside
    x = np.asarray(vectors, dtype=np.float32)[keep]
    codes, scales = quantised(x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12))
    return Neighbours(organisations, codes.astype(np.float32) * scales,
                      targets[keep] / np.maximum(targets[keep].sum(axis=1, keepdims=True), 1e-12), outside[keep])


def quantised(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows as int8 codes and one scale each (row = codes x scale): a quarter of float32 on disk, cosines
    within about 0.001. The neighbours are trained on what this gives back, so what is served is what
    cross-validation measured."""
    scales = np.maximum(np.abs(rows).max(axis=1, keepdims=True), 1e-12) / 127
    return np.round(rows / scales).astype(np.int8), scales.astype(np.float32)


# How much the wording head's P counts in each decision, beside the heads over the vectors (nested grouped
# cross-validation, benchmarks/detectors.py: danger recall 0.971 -> 0.981 at precision 0.697 -> 0.756 with
# half; nothing fits 0.721 -> 0.765 of the out-of-scope lines caught at the same in-scope cost with 0.3).
WORDING_SHARE = {"urgent": 0.5, "out_of_scope": 0.3}


def blended(p: np.ndarray, signals: np.ndarray | None, name: str) -> np.ndarray:
    """``p`` blended with the wording head's column ``name`` of ``signals`` at WORDING_SHARE; ``p`` without them."""
    if signals is None:
        return p
    share = WORDING_SHARE[name]
    return (1 - share) * p + share * np.asarray(signals)[:, SIGNALS.index(name)]


HEAD_NAMES = ("organisations", "needs", "out_of_scope", "danger", "danger_kind", "language")


@dataclass
class Heads:
    """Every head for one sentence model's vectors."""

    space: str  # the sentence model whose vectors these heads read
    organisations: Head
    needs: Head
    out_of_scope: Head
    danger: Head
    danger_kind: Head
    language: Head  # which of the labelled languages (the detector decides when it is sure; this when not)
    neighbours: Neighbours | None = None  # over the organisations' labels
    wording: Wording | None = None  # P(first) read from the situation's letters, not its vector

    def nothing_fits(self, vectors: np.ndarray, share: np.ndarray | None = None,
                     signals: np.ndarray | None = None) -> np.ndarray:
        """P(nothing in the corpus fits): the out-of-scope head averaged with the share of the nearest labelled
        situations that were out of scope (``share``, when the caller has read the neighbours already).
        Nested grouped cross-validation, out of scope caught with 2.3% of in-scope situations told nothing
        fits: English 0.635 -> 0.783, other languages 0.41-0.62 -> 0.58-0.70 (benchmarks/detectors.py).
        Then blended with the wording head's P(out of scope) (``signals``: its rows, read by the caller)."""
        p = self.out_of_scope(vectors)[:, 0]
        if self.neighbours is not None:
            p = (p + (self.neighbours.read(vectors)[1] if share is None else share)) / 2
        return blended(p, signals, "out_of_scope")

    def danger_now(self, vectors: np.ndarray, signals: np.ndarray | None = None) -> np.ndarray:
        """P(danger now): the danger head, blended with the wording head's P(urgent) (``signals``)."""
        return blended(self.danger(vectors)[:, 0], signals, "urgent")

    def arrays(self) -> dict[str, np.ndarray]:
        out = {}
        for name in HEAD_NAMES:
            head = getattr(self, name)
            out[f"{name}.weights"], out[f"{name}.bias"] = head.weights, head.bias
            if head.thresholds is not None:
                out[f"{name}.thresholds"] = head.thresholds
        if self.neighbours is not None:
            out["neighbours.codes"], out["neighbours.scales"] = quantised(self.neighbours.vectors)
            out["neighbours.targets"] = self.neighbours.targets.astype(np.float16)
            out["neighbours.outside"] = self.neighbours.outside
        if self.wording is not None:
            out["wording.idf"] = self.wording.idf.astype(np.float16)
            out["wording.codes"], out["wording.scales"] = quantised_columns(self.wording.weights)
            out["wording.bias"] = self.wording.bias
            out["wording.signal_codes"], out["wording.signal_scales"] = quantised_columns(self.wording.signal_weights)
            out["wording.signal_bias"] = self.wording.signal_bias
        return out


def as_rows(x):
    """Rows as float32, dense (vectors) or scipy sparse (``assistant.learning.wording``'s n-gram columns)."""
    return x.astype(np.float32) if hasattr(x, "tocsr") else np.asarray(x, dtype=np.float32)


def fit_sigmoids(x: np.ndarray, targets: np.ndarray, mask: np.ndarray | None = None, c: float = C,
                 start: tuple[np.ndarray, np.ndarray] | None = None):
    """Independent L2-regularised logistic regressions, one per column of ``targets`` (0/1), fitted together
    by one L-BFGS run (their losses add up; rows where ``mask`` is False do not count for that column).
    The loss is scikit-learn's: C x summed log loss + half the squared weights (the bias is not penalised).
    ``start``: weights to start from (a fit on more data converges from there in a few steps).

    Returns:
        (weights (dimension, columns), bias (columns,)), float32.
    """
    from scipy.optimize import minimize

    x = as_rows(x)  # float32 products: twice as fast, and ample for this loss
    y = np.asarray(targets, dtype=np.float32)
    m = np.ones_like(y) if mask is None else np.asarray(mask, dtype=np.float32)
    d, k = x.shape[1], y.shape[1]

    def loss(theta):
        w, b = theta[:d * k].reshape(d, k).astype(np.float32), theta[d * k:].astype(np.float32)
        z = x @ w + b
        # log(1 + e^z) - y z, computed stably
        value = c * float((m * (np.logaddexp(0, z) - y * z)).sum()) + 0.5 * float((w * w).sum())
        g = c * m * (1 / (1 + np.exp(-z)) - y)
        return value, np.concatenate([(x.T @ g + w).ravel(), g.sum(axis=0)]).astype(np.float64)

    initial = np.zeros(d * k + k) if start is None else np.concatenate([start[0].ravel(), start[1]]).astype(np.float64)
    result = minimize(loss, initial, jac=True, method="L-BFGS-B",
                      options={"maxiter": 1000, "gtol": 1e-5})
    return result.x[:d * k].reshape(d, k).astype(np.float32), result.x[d * k:].astype(np.float32)


def fit_softmax(x: np.ndarray, labels: np.ndarray, weights: np.ndarray | None, classes: int, c: float = C):
    """A multinomial L2-regularised logistic regression (scikit-learn's loss), by L-BFGS; a class no row
    has keeps a very low bias, so it is never predicted.

    Returns:
        (weights (dimension, classes), bias (classes,)), float32.
    """
    from scipy.optimize import minimize

    x = as_rows(x)
    n, d = x.shape
    sample = np.ones(n, dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
    onehot = np.zeros((n, classes), dtype=np.float32)
    onehot[np.arange(n), labels] = 1.0
    seen = onehot.sum(axis=0) > 0

    def loss(theta):
        w, b = theta[:d * classes].reshape(d, classes).astype(np.float32), theta[d * classes:].astype(np.float32)
        z = x @ w + b
        z = np.where(seen, z, np.float32(-30.0))
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -c * float((sample[:, None] * onehot * log_p).sum()) + 0.5 * float((w * w).sum())
        g = c * sample[:, None] * (np.exp(log_p) - onehot)
        g[:, ~seen] = 0.0
        return value, np.concatenate([(x.T @ g + w).ravel(), g.sum(axis=0)]).astype(np.float64)

    if n == 0:
        return np.zeros((d, classes), np.float32), np.full(classes, -30.0, np.float32)
    result = minimize(loss, np.zeros(d * classes + classes), jac=True, method="L-BFGS-B",
                      options={"maxiter": 1000, "gtol": 1e-5})
    w = result.x[:d * classes].reshape(d, classes)
    b = np.where(seen, result.x[d * classes:], -30.0)
    return w.astype(np.float32), b.astype(np.float32)


def organisation_rows(situations: list[Situation], organisations: tuple[str, ...]):
    """Rows for the organisation head: one per (situation, judged organisation), weighted by grade."""
    index = {org: i for i, org in enumerate(organisations)}
    rows, labels, weights = [], [], []
    for i, s in enumerate(situations):
        for org, grade in (s.grades or {}).items():
            if org in index and grade in GRADE_WEIGHT:
                rows.append(i), labels.append(index[org]), weights.append(GRADE_WEIGHT[grade])
    return np.array(rows, dtype=int), np.array(labels, dtype=int), np.array(weights, dtype=np.float64)


def train_organisations(vectors, situations, organisations: tuple[str, ...], c: float = C) -> Head:
    rows, labels, weights = organisation_rows(situations, organisations)
    w, b = fit_softmax(vectors[rows], labels, weights, len(organisations), c)
    return Head(organisations, w, b, softmax=True)


SIGMOIDS = ("out_of_scope", "urgent")  # the binary heads, fitted beside the needs


def sigmoid_targets(situations: list[Situation], need_keys: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Targets and masks for every sigmoid column: each need, then out of scope, then urgent. A row counts
    for a column only where it was labelled for it."""
    n, k = len(situations), len(need_keys) + len(SIGMOIDS)
    targets, mask = np.zeros((n, k)), np.zeros((n, k), dtype=bool)
    for i, s in enumerate(situations):
        if s.needs is not None:
            mask[i, :len(need_keys)] = True
            targets[i, :len(need_keys)] = [key in s.needs for key in need_keys]
        if s.in_scope is not None:
            mask[i, -2], targets[i, -2] = True, not s.in_scope
        if s.urgent is not None:
            mask[i, -1], targets[i, -1] = True, bool(s.urgent)
    return targets, mask


def train_heads(space: str, vectors: np.ndarray, situations: list[Situation], organisations: tuple[str, ...],
                need_keys: tuple[str, ...], danger_kinds: tuple[str, ...],
                thresholds: dict[str, np.ndarray | float] | None = None, c: float = C,
                only_sigmoids: bool = False, start: "Heads | None" = None,
                neighbours_from: np.ndarray | None = None, wording_from: np.ndarray | None = None) -> Heads:
    """Every head from the situations' vectors (row i = situation i). ``only_sigmoids`` leaves the softmax
    heads untrained (for choosing thresholds). The neighbours are the situations in ``neighbours_from``
    (default all); the wording head learns where the situations in ``wording_from`` (default all) were sent,
    and the signals from all of them."""
    thresholds = thresholds or {}
    targets, mask = sigmoid_targets(situations, need_keys)
    initial = None if start is None else (
        np.hstack([start.needs.weights, start.out_of_scope.weights, start.danger.weights]),
        np.concatenate([start.needs.bias, start.out_of_scope.bias, start.danger.bias]))
    w, b = fit_sigmoids(vectors, targets, mask, c, initial)
    k = len(need_keys)
    needs = Head(need_keys, w[:, :k], b[:k], False,
                 np.asarray(thresholds.get("needs", np.full(k, 0.5)), dtype=np.float64))
    out_of_scope = Head(("out_of_scope",), w[:, k:k + 1], b[k:k + 1], False,
                        np.array([float(thresholds.get("out_of_scope", 0.5))]))
    danger = Head(("urgent",), w[:, k + 1:k + 2], b[k + 1:k + 2], False,
                  np.array([float(thresholds.get("danger", 0.5))]))
    near = np.flatnonzero(np.ones(len(situations), dtype=bool) if neighbours_from is None else neighbours_from)
    neighbours = train_neighbours(vectors[near], [situations[i] for i in near], organisations)
    wording = train_wording([s.text for s in situations], situations, organisations, only_signals=only_sigmoids,
                            organisations_from=wording_from)
    if only_sigmoids:
        empty = Head((), np.zeros((vectors.shape[1], 0), np.float32), np.zeros(0, np.float32), True)
        return Heads(space, empty, needs, out_of_scope, danger, empty, empty, neighbours, wording)
    judged = [i for i, s in enumerate(situations) if s.grades is not None and s.in_scope]
    organisations_head = train_organisations(vectors[judged], [situations[i] for i in judged], organisations, c)
    urgent = [i for i, s in enumerate(situations) if s.urgent and s.danger_kind in danger_kinds]
    kw, kb = fit_softmax(vectors[urgent], np.array([danger_kinds.index(situations[i].danger_kind) for i in urgent],
                                                   dtype=int), None, len(danger_kinds), c)
    languages = tuple(sorted({s.language for s in situations}))
    lw, lb = fit_softmax(vectors, np.array([languages.index(s.language) for s in situations], dtype=int), None,
                         len(languages), c)
    return Heads(space, organisations_head, needs, out_of_scope, danger, Head(danger_kinds, kw, kb, True),
                 Head(languages, lw, lb, True), neighbours, wording)


# --- Thresholds, chosen on cross-validated probabilities ---------------------------------------------------

def recall_threshold(probabilities: np.ndarray, positive: np.ndarray, recall: float) -> float:
    """The highest threshold that still finds ``recall`` of the positives."""
    scores = np.sort(probabilities[positive])
    if scores.size == 0:
        return 0.5
    allowed_misses = int(np.floor((1 - recall) * scores.size))
    return float(scores[allowed_misses]) - 1e-6


def precision_threshold(probabilities: np.ndarray, positive: np.ndarray, precision: float) -> float:
    """The lowest threshold at which what is above it is right at least ``precision`` of the time."""
    order = np.argsort(-probabilities)
    hits = np.cumsum(positive[order])
    precisions = hits / np.arange(1, len(order) + 1)
    best = 0.5
    for k in range(len(order) - 1, -1, -1):  # the deepest cut that still keeps the precision
        if precisions[k] >= precision and hits[k] > 0:
            best = float(probabilities[order[k]]) - 1e-6
            break
    return max(best, 0.2)


# --- Storage ----------------------------------------------------------------------------------------------

@dataclass
class Learned:
    """The trained layer as stored: heads per sentence model and what they were trained on."""

    heads: dict[str, Heads]  # by space: "english", "multilingual"
    info: dict

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        staged = []
        for space, heads in self.heads.items():
            with tempfile.NamedTemporaryFile(dir=directory, prefix=f".heads-{space}.", suffix=".npz",
                                             delete=False) as tmp:
                np.savez(tmp, **heads.arrays())
            staged.append((tmp.name, directory / f"heads-{space}.npz"))
        with tempfile.NamedTemporaryFile("w", dir=directory, prefix=".learned.", delete=False) as tmp:
            json.dump(self.info, tmp, indent=1, ensure_ascii=False)
        staged.append((tmp.name, directory / "learned.json"))  # last: the commit point
        for name, path in staged:
            os.chmod(name, 0o644)
            os.replace(name, path)

    @staticmethod
    def read_info(directory: Path) -> dict:
        """What the stored heads were trained on (``learned.json``), without loading the heads."""
        info = json.loads((directory / "learned.json").read_text())
        if info.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{directory / 'learned.json'} is format {info.get('format_version')}")
        return info

    @classmethod
    def load(cls, directory: Path) -> "Learned":
        info = cls.read_info(directory)
        heads = {}
        for space, labels in info["spaces"].items():
            with np.load(directory / f"heads-{space}.npz") as arrays:
                def head(name: str, softmax: bool) -> Head:
                    thresholds = arrays.get(f"{name}.thresholds")
                    return Head(tuple(labels[name]), arrays[f"{name}.weights"], arrays[f"{name}.bias"], softmax,
                                None if thresholds is None else np.array(thresholds))
                neighbours = None
                if "neighbours.codes" in arrays:
                    settings = info.get("neighbours", {})
                    neighbours = Neighbours(tuple(labels["organisations"]),
                                            arrays["neighbours.codes"].astype(np.float32) * arrays["neighbours.scales"],
                                            arrays["neighbours.targets"].astype(np.float32),
                                            arrays["neighbours.outside"],
                                            int(settings.get("k", NEIGHBOURS)),
                                            float(settings.get("sharpness", NEIGHBOUR_SHARPNESS)))
                wording = None
                if "wording.codes" in arrays:
                    wording = Wording(tuple(labels["organisations"]), arrays["wording.idf"].astype(np.float32),
                                      dequantised(arrays["wording.codes"], arrays["wording.scales"]),
                                      arrays["wording.bias"],
                                      dequantised(arrays["wording.signal_codes"], arrays["wording.signal_scales"]),
                                      arrays["wording.signal_bias"])
                heads[space] = Heads(space, head("organisations", True), head("needs", False),
                                     head("out_of_scope", False), head("danger", False), head("danger_kind", True),
                                     head("language", True), neighbours, wording)
        return cls(heads, info)


def heads_info(heads: Heads) -> dict[str, list[str]]:
    return {name: list(getattr(heads, name).labels) for name in HEAD_NAMES}
