"""Choose the learned layer's settings by grouped cross-validation, and draw its learning curve.

    python benchmarks/learning.py [--quick]

Folds are whole source files (one writer's set, one bundled set): every situation is predicted by heads
trained without any line from its own writer, which is how a new person's words meet the system. Only
training data is read; the held-out sets (assistant/evaldata/heldout_*) never are.

Prints and writes benchmarks/results/learning-<time>.json:
- Success@1 / nDCG@3 of the organisation ranking, English and other languages apart, for each C
  (regularisation), EVIDENCE_WEIGHT (how much the passages' own match adds) and sentence model;
- out-of-scope and danger detection at the thresholds ``assistant.learning.training`` would choose;
- the learning curve: the same figures with 25%, 50% and 100% of each fold's training situations.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.learning.learned import fit_sigmoids, sigmoid_targets, train_organisations  # noqa: E402
from assistant.learning.situations import training_situations  # noqa: E402
from assistant.retrieval.search import open_searcher  # noqa: E402
from assistant.taxonomy import NEED_KEYS  # noqa: E402
from benchmarks.common import situation_features, write_results  # noqa: E402


def ranking_metrics(scores: np.ndarray, situations, organisations) -> tuple[float, float]:
    """Mean Success@1 and nDCG@3 (gains = grades, as assistant.evaluation.metrics computes them)."""
    s1, nd = [], []
    for row, s in zip(scores, situations):
        order = np.argsort(-row, kind="stable")
        gains = [s.grades.get(organisations[o], 0) for o in order]
        s1.append(float(gains[0] == 2))
        ideal = sorted(s.grades.values(), reverse=True)[:3]
        dcg = sum(g / np.log2(i + 2) for i, g in enumerate(gains[:3]))
        idcg = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
        nd.append(dcg / idcg if idcg else 0.0)
    return float(np.mean(s1)) if s1 else float("nan"), float(np.mean(nd)) if nd else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer settings")
    parser.add_argument("--route", help="only this route (a name as printed)")
    parser.add_argument("--c", type=float, action="append", help="only these C")
    args = parser.parse_args()
    started = time.perf_counter()
    settings = Settings.from_env()
    searcher = open_searcher(settings)
    organisations = tuple(o.id for o in searcher.index.corpus.organisations)
    situations = training_situations()
    judged = [i for i, s in enumerate(situations) if s.grades is not None and s.in_scope]
    sources = np.array([s.source for s in situations])
    english = np.array([s.language == "en" for s in situations])
    vectors, evidence = situation_features(searcher, situations)
    routes = {"en: primary, others: multilingual": lambda i: "primary" if english[i] else "multilingual",
              "all: multilingual": lambda i: "multilingual",
              "en: concat, others: multilingual": lambda i: "concat" if english[i] else "multilingual",
              "all: concat": lambda i: "concat"}
    if args.route:
        routes = {k: v for k, v in routes.items() if k == args.route}
    cs = args.c or ([4.0, 16.0] if args.quick else [1.0, 4.0, 16.0, 64.0])
    weights = [0.0, 0.25, 0.5, 1.0]
    fractions = [0.25, 0.5, 1.0]
    report: dict = {"situations": len(situations), "judged_in_scope": len(judged),
                    "sources": sorted(set(sources)), "settings": []}
    rng = np.random.default_rng(0)
    for route_name, route in routes.items():
        for c in cs:
            for fraction in (fractions if c == 16.0 else [1.0]):
                probabilities = np.zeros((len(situations), len(organisations)))
                out_of_scope = np.zeros(len(situations))
                for source in sorted(set(sources)):
                    test = np.flatnonzero(sources == source)
                    train = np.flatnonzero(sources != source)
                    if fraction < 1.0:
                        train = np.sort(rng.choice(train, int(fraction * train.size), replace=False))
                    for space in set(route(i) for i in test):
                        rows = [i for i in test if route(i) == space]
                        train_j = [i for i in train if i in set(judged)]
                        head = train_organisations(vectors[space][train_j], [situations[i] for i in train_j],
                                                   organisations, c)
                        probabilities[rows] = head(vectors[space][rows])
                        targets, mask = sigmoid_targets([situations[i] for i in train], NEED_KEYS)
                        w, b = fit_sigmoids(vectors[space][train], targets[:, -2:-1], mask[:, -2:-1], c)
                        out_of_scope[rows] = 1 / (1 + np.exp(-(vectors[space][rows] @ w + b)[:, 0]))
                for weight in (weights if fraction == 1.0 else [0.5]):
                    scores = probabilities + weight * np.stack([evidence[route(i)][i] for i in range(len(situations))])
                    row = {"route": route_name, "C": c, "evidence_weight": weight, "train_fraction": fraction}
                    for group, keep in (("english", english), ("other languages", ~english)):
                        ids = [i for i in judged if keep[i]]
                        row[group] = dict(zip(("Success@1", "nDCG@3"),
                                              ranking_metrics(scores[ids], [situations[i] for i in ids], organisations)))
                    in_scope = np.array([s.in_scope is True for s in situations])
                    oos = np.array([s.in_scope is False for s in situations])
                    row["out_of_scope_auc"] = float(np.mean(out_of_scope[oos][:, None] > out_of_scope[in_scope][None, :]))
                    report["settings"].append(row)
                    print(f"{route_name:34} C={c:<5} w={weight:<5} train={fraction:<4} "
                          f"en S@1 {row['english']['Success@1']:.3f} nDCG@3 {row['english']['nDCG@3']:.3f} | "
                          f"other S@1 {row['other languages']['Success@1']:.3f} nDCG@3 "
                          f"{row['other languages']['nDCG@3']:.3f} | oos AUC {row['out_of_scope_auc']:.3f}",
                          flush=True)
    report["seconds"] = round(time.perf_counter() - started, 1)
    path = write_results("learning", report)
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
