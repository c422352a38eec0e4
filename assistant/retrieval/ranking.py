"""From passage scores to organisation scores: each mode is one step of the ranking's progression.

    dense     an organisation scores as its best passage (the plain baseline)
    bm25      the same with BM25 word matching instead of vectors (the lexical baseline)
    evidence  dense, but every passage counts: a soft maximum over all of an organisation's passages; a
              situation in a language the model does not read gets every organisation, unranked, and
              says why (the ranking without the learned layer)
    learned   what the learned layer (assistant.learning.learned) reads from the situation's vector: P(this
              organisation is the one to go to) + NEIGHBOUR_WEIGHT x where the nearest labelled
              situations were sent + EVIDENCE_WEIGHT x the soft evidence; other
              languages through the multilingual model (the default)

The rules' modes ("needs": regular expressions for who the victim is and what they need; "full": the same
after mending misspellings) were retired once the learned layer beat them on the held-out sets (Success@1
0.740 -> 0.855 in English, 0.185 -> 0.801 in other languages; README, "Held-out figures").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MODES = ("bm25", "dense", "evidence", "learned")  # baselines first, then each step
DEFAULT_MODE = "learned"
# How much the passages' own match counts beside the learned probability (cosine points per unit of
# probability), chosen by grouped cross-validation on the training situations (benchmarks/learning.py).
EVIDENCE_WEIGHT = 0.5
# How much the nearest labelled situations' choice counts beside them (the same cross-validation,
# benchmarks/heads.py): P(first) + NEIGHBOUR_WEIGHT x neighbours + EVIDENCE_WEIGHT x evidence.
NEIGHBOUR_WEIGHT = 1.0
# How much the wording head (assistant.learning.wording: P(first) from the situation's letters) counts beside
# them, the same cross-validation (benchmarks/heads.py): 0.5 / 1 / 1.5 / 2 -> other languages' Success@1
# 0.789 / 0.801 / 0.803 / 0.803, English 0.842 / 0.847 / 0.842 / 0.837 (0.762 and 0.834 without it).
WORDING_WEIGHT = 1.0
SOFTMAX_SHARPNESS = 20.0  # t in log(mean(exp(t * s))) / t; large t -> max, small t -> mean


@dataclass(frozen=True)
class Step:
    """What a mode does."""

    lexical: bool = False
    soft: bool = False
    language: bool = False  # a situation in a language the model does not read is not ranked
    learned: bool = False  # the learned layer reads the situation


STEPS = {
    "dense": Step(),
    "bm25": Step(lexical=True),
    "evidence": Step(soft=True, language=True),
    "learned": Step(soft=True, language=True, learned=True),
}


def soft_maximum(scores: np.ndarray) -> float:
    """A smooth maximum: near the best passage, raised by other passages that also match (one organisation's
    share of ``organisation_scores``)."""
    scores = np.asarray(scores, dtype=np.float64)
    return float(organisation_scores(scores, np.zeros(scores.size, dtype=int), 1, soft=True)[0])


def organisation_scores(passage_scores: np.ndarray, owners: np.ndarray, n_organisations: int,
                        soft: bool) -> np.ndarray:
    """Score each organisation from the scores of its passages (``owners[i]`` = organisation of passage i):
    its best passage, or the soft maximum over all of them. Vectorised: one pass over the passages."""
    scores = np.full(n_organisations, -np.inf)
    np.maximum.at(scores, owners, passage_scores)
    if not soft:
        return scores
    has = np.isfinite(scores)
    top = np.where(has, scores, 0.0)
    scaled = np.exp(SOFTMAX_SHARPNESS * (passage_scores - top[owners]))
    sums = np.bincount(owners, weights=scaled, minlength=n_organisations)
    counts = np.bincount(owners, minlength=n_organisations)
    with np.errstate(divide="ignore", invalid="ignore"):
        soft_scores = top + np.log(sums / np.maximum(counts, 1)) / SOFTMAX_SHARPNESS
    return np.where(has, soft_scores, -np.inf)


def best_first(scores: np.ndarray, top_k: int | None = None) -> np.ndarray:
    """The organisations with a finite score, best first, ties in corpus order (a stable sort), only the
    ``top_k`` best when it is given and positive: those are picked by partition before being sorted, so
    the cost is one pass over the organisations plus a sort of the ``top_k``."""
    finite = np.flatnonzero(np.isfinite(scores))
    negated = -scores[finite]
    if top_k is None or top_k <= 0 or top_k >= finite.size:
        return finite[np.argsort(negated, kind="stable")]
    kth = np.partition(negated, top_k - 1)[top_k - 1]
    better = np.flatnonzero(negated < kth)
    # Of the organisations tied with the k-th, the first in corpus order fill the places left. Both parts are
    # in corpus order and no score is in both, so a stable sort of them breaks every tie as one of all would.
    chosen = np.concatenate([better, np.flatnonzero(negated == kth)[:top_k - better.size]])
    return finite[chosen[np.argsort(negated[chosen], kind="stable")]]

