"""Whether to offer the crisis line (``safety/danger.py: CRISIS_SHARE``), and how the kind of danger is read.

    python benchmarks/crisis_share.py

Grouped 5-fold cross-validation by source file on the training situations (the held-out sets are never read),
each situation read by the space serving its language (English: [MiniLM; e5]; others: e5, whose kind head also
learns the typed copies, as the build). Scored on the urgent lines as written that have a kind: how often the
kind named first is right (the kind head; the kinds of the nearest labelled urgent situations; both averaged),
and how often the crisis line would be offered, by the first kind alone or whenever P(suicide) + P(self-harm)
reaches a share, to the suicidal or self-harming lines and to the others.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.learning.learned import C, fit_softmax  # noqa: E402
from assistant.learning.situations import training_situations, typed_copies  # noqa: E402
from assistant.retrieval.search import open_searcher  # noqa: E402
from assistant.safety.danger import CRISIS_KINDS  # noqa: E402
from assistant.taxonomy import DANGER_KINDS  # noqa: E402
from benchmarks.common import situation_features  # noqa: E402

LANGUAGES = ("en", "lt", "ru", "pl", "uk")


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


def neighbour_kinds(train_x, train_kind, x, k=10, sharpness=0.02):
    a = train_x / np.linalg.norm(train_x, axis=1, keepdims=True)
    cos = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ a.T
    k = min(k, cos.shape[1])
    near = np.argpartition(-cos, k - 1, axis=1)[:, :k]
    c = np.take_along_axis(cos, near, axis=1)
    w = np.exp((c - c.max(axis=1, keepdims=True)) / sharpness)
    return np.einsum("qk,qkl->ql", w, np.eye(len(DANGER_KINDS))[train_kind][near]) / w.sum(axis=1, keepdims=True)


def main() -> int:
    from sklearn.model_selection import GroupKFold

    searcher = open_searcher(Settings.from_env())
    written = training_situations()
    situations = written + typed_copies(written)
    n = len(written)
    vectors, _ = situation_features(searcher, situations)
    english = np.array([s.language == "en" for s in situations])
    language = np.array([s.language for s in situations])
    has_kind = np.array([bool(s.urgent) and s.danger_kind in DANGER_KINDS for s in situations])
    kind = np.array([DANGER_KINDS.index(s.danger_kind) if has_kind[i] else -1 for i, s in enumerate(situations)])
    sources = np.array([s.source for s in situations])
    out = {r: np.zeros((n, len(DANGER_KINDS))) for r in ("head", "neighbours", "head + neighbours")}
    for train, test in GroupKFold(5).split(np.zeros(n), groups=sources[:n]):
        with_copies = np.concatenate([train, n + np.flatnonzero(np.isin(sources[n:], sources[train]))])
        for space, serves in (("concat", english[:n]), ("multilingual", ~english[:n])):
            rows = test[serves[test] & has_kind[test]]
            learn = (train if space == "concat" else with_copies)
            learn = learn[has_kind[learn]]
            x = vectors[space]
            w, b = fit_softmax(x[learn], kind[learn], None, len(DANGER_KINDS), C)
            head = softmax(x[rows] @ w + b)
            near = learn[english[learn]] if space == "concat" else learn[learn < n]  # neighbours: lines as written
            neighbours = neighbour_kinds(x[near], kind[near], x[rows])
            out["head"][rows], out["neighbours"][rows] = head, neighbours
            out["head + neighbours"][rows] = (head + neighbours) / 2
    urgent, truth = has_kind[:n], kind[:n]
    print(f"kind named first right, {int(urgent.sum())} urgent lines: " + " ".join(f"{g:>6}" for g in ("all",) + LANGUAGES))
    for reader, p in out.items():
        right = p.argmax(axis=1) == truth
        cells = [right[urgent].mean()] + [right[urgent & (language[:n] == g)].mean() for g in LANGUAGES]
        print(f"  {reader:18}" + " ".join(f"{c:6.3f}" for c in cells))
    crisis_columns = [DANGER_KINDS.index(k) for k in CRISIS_KINDS]
    crisis = urgent & np.isin(truth, crisis_columns)
    others = urgent & ~crisis
    p = out["head"]
    first = np.isin(p.argmax(axis=1), crisis_columns)
    print(f"crisis line by the first kind alone: {first[crisis].mean():.3f} of {int(crisis.sum())} suicidal or "
          f"self-harming lines, {first[others].mean():.3f} of {int(others.sum())} others")
    for share in (0.15, 0.2, 0.25, 0.3, 0.4):
        offered = first | (p[:, crisis_columns].sum(axis=1) >= share)
        missed = {g: int((~offered & crisis & (language[:n] == g)).sum()) for g in LANGUAGES}
        print(f"  P(suicide) + P(self-harm) >= {share}: {offered[crisis].mean():.3f} reached, "
              f"{offered[others].mean():.3f} of the others; missed per language {missed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
