"""What reads a situation best: the linear heads, the nearest labelled situations, the wording head, a small MLP.

    python benchmarks/heads.py [--folds 5] [--no-mlp]

Grouped cross-validation (folds are whole source files: every situation is predicted without any line from
its own writer), on the training situations only (the held-out sets are never read); the multilingual
readers also learn the typed copies of the training folds' lines, as the build's heads do. For each reader,
Success@1 and nDCG@3 of the organisation ranking, English (the [MiniLM; e5] vectors) and other languages
(e5) apart, each with the passages' soft evidence added at EVIDENCE_WEIGHT as the search does. The wording
head (character n-grams, ``assistant.learning.wording``) learns where the lines in the languages its heads
serve were sent, as the build's does; the served ranking adds it at WORDING_WEIGHT (``--wording-c`` and the weights printed
beside it are how its settings were chosen). Writes
benchmarks/results/heads-<time>.json. The MLP (PyTorch, one hidden layer) is measured, not served.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from learning import ranking_metrics  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.learning.learned import GRADE_WEIGHT, C, train_neighbours, train_organisations  # noqa: E402
from assistant.learning.situations import training_situations, typed_copies  # noqa: E402
from assistant.learning.wording import C as WORDING_C  # noqa: E402
from assistant.learning.wording import train_wording  # noqa: E402
from assistant.retrieval.ranking import EVIDENCE_WEIGHT, WORDING_WEIGHT  # noqa: E402
from assistant.retrieval.search import open_searcher  # noqa: E402
from benchmarks.common import situation_features, write_results  # noqa: E402


def mlp(x: np.ndarray, targets: np.ndarray, hidden: int = 512, epochs: int = 60, seed: int = 0):
    """A one-hidden-layer network on soft targets (the grades as a distribution), AdamW, dropout."""
    import torch

    torch.manual_seed(seed)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(targets, dtype=torch.float32)
    net = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(x.shape[1], hidden), torch.nn.GELU(),
                              torch.nn.Dropout(0.3), torch.nn.Linear(hidden, targets.shape[1]))
    optimiser = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-3)
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(xt))
        for start in range(0, len(xt), 64):
            batch = order[start:start + 64]
            loss = -(yt[batch] * torch.log_softmax(net(xt[batch]), 1)).sum(1).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    net.eval()
    return lambda z: torch.softmax(net(torch.tensor(z, dtype=torch.float32)), 1).detach().numpy()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-mlp", action="store_true")
    parser.add_argument("--wording-c", type=float, default=WORDING_C, help="the wording head's C")
    parser.add_argument("--own-languages", action="store_true",
                        help="the multilingual heads' neighbours from the languages they serve only")
    args = parser.parse_args()
    from sklearn.model_selection import GroupKFold

    started = time.perf_counter()
    settings = Settings.from_env()
    searcher = open_searcher(settings)
    organisations = tuple(o.id for o in searcher.index.corpus.organisations)
    written = training_situations()
    # As the build: the multilingual heads also learn the typed copies (training.with_copies), trained on
    # with their originals' folds, never scored; the English heads the lines as written only.
    copies = typed_copies(written)
    situations = written + copies
    sources = np.array([s.source for s in situations])
    english = np.array([s.language == "en" for s in situations])
    judged = np.array([s.grades is not None and s.in_scope is True for s in situations])
    vectors, evidence = situation_features(searcher, situations)
    space_of = np.where(english, "concat", "multilingual")
    evidence_of = evidence["concat"]
    targets = np.zeros((len(situations), len(organisations)), np.float32)
    for i, s in enumerate(situations):
        for org, grade in (s.grades or {}).items():
            if org in organisations and grade in GRADE_WEIGHT:
                targets[i, organisations.index(org)] = GRADE_WEIGHT[grade]
    targets /= np.maximum(targets.sum(axis=1, keepdims=True), 1e-9)
    readers = ["linear", "neighbours", "wording"] + ([] if args.no_mlp else ["mlp"])
    out = {r: np.zeros((len(situations), len(organisations))) for r in readers}
    is_copy = np.arange(len(situations)) >= len(written)
    n = len(written)  # folds split the lines as written (the same folds with or without copies); copies follow
    for fold, (train, test) in enumerate(GroupKFold(args.folds).split(np.zeros(n), groups=sources[:n])):
        train = np.concatenate([train, n + np.flatnonzero(np.isin(sources[n:], sources[train]))])
        for space in ("concat", "multilingual"):
            rows = test[space_of[test] == space]
            fit = train[judged[train] & (~is_copy[train] if space == "concat" else True)]
            if not len(rows):
                continue
            x = vectors[space]
            out["linear"][rows] = train_organisations(x[fit], [situations[i] for i in fit], organisations, C)(x[rows])
            # The English heads' neighbours are English situations (training.neighbours_from); with
            # --own-languages, the multilingual heads' are the other languages only.
            near = fit[english[fit]] if space == "concat" else fit[~english[fit]] if args.own_languages else fit
            out["neighbours"][rows] = train_neighbours(x[near], [situations[i] for i in near], organisations)(x[rows])
            # As the build: the wording head reads every line these heads learn from and learns where the lines
            # of the languages they serve (training.served_by) were sent.
            worded = fit if space == "multilingual" else fit[~is_copy[fit]]
            out["wording"][rows] = train_wording([situations[i].text for i in worded], [situations[i] for i in worded],
                                                 organisations, args.wording_c,
                                                 organisations_from=english[worded] == (space == "concat"))(
                [situations[i].text for i in rows])
            if "mlp" in out:
                out["mlp"][rows] = mlp(x[fit], targets[fit])(x[rows])
        print(f"fold {fold + 1}/{args.folds} {time.perf_counter() - started:.0f} s", flush=True)
    served = out["linear"] + out["neighbours"]
    combos = {"linear": out["linear"], "neighbours": out["neighbours"], "wording": out["wording"],
              "linear + neighbours": served}
    for weight in sorted({0.5, 1.0, 1.5, 2.0, WORDING_WEIGHT}):
        combos[f"linear + neighbours + {weight:g} x wording" + (" (served)" if weight == WORDING_WEIGHT else "")] = \
            served + weight * out["wording"]
    if "mlp" in out:
        combos |= {"mlp": out["mlp"], "mlp + neighbours": out["mlp"] + out["neighbours"]}
    report = {"situations": len(written), "typed_copies": len(copies), "folds": args.folds,
              "evidence_weight": EVIDENCE_WEIGHT, "wording_c": args.wording_c, "rows": []}
    ids = {"english": [i for i in range(len(written)) if judged[i] and english[i]],
           "other languages": [i for i in range(len(written)) if judged[i] and not english[i]]}
    print(f"{'reader (+ evidence)':44} {'en S@1':>7} {'nDCG@3':>7} {'other S@1':>10} {'nDCG@3':>7}")
    for name, scores in combos.items():
        scores = scores + EVIDENCE_WEIGHT * evidence_of
        row = {"reader": name}
        for group, chosen in ids.items():
            row[group] = dict(zip(("Success@1", "nDCG@3"), ranking_metrics(scores[chosen], [situations[i] for i in chosen],
                                                                          organisations)))
        report["rows"].append(row)
        print(f"{name:44} {row['english']['Success@1']:7.3f} {row['english']['nDCG@3']:7.3f} "
              f"{row['other languages']['Success@1']:10.3f} {row['other languages']['nDCG@3']:7.3f}")
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(f"written {write_results('heads', report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
