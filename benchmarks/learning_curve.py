"""The learning curve: how the ranking on the held-out sets grows with the number of labelled situations.

    python benchmarks/learning_curve.py [--fractions 0.1 0.25 0.5 1.0] [--sets heldout3_en heldout3_languages]

For each fraction, the organisation heads and the neighbours are trained on that share of the judged
training situations (a fixed random draw, the same models and settings as ``assistant build``: the English
heads' neighbours English situations, the multilingual heads also the drawn situations' typed copies), and the held-out sets are ranked with them. Nothing here changes the shipped heads or chooses a setting: the curve is a report, drawn after
the final figures were taken. Writes benchmarks/results/learning-curve-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.evaluation.metrics import EVALDATA, load_qrels, load_queries, run_suite  # noqa: E402
from assistant.learning.learned import train_neighbours, train_organisations  # noqa: E402
from assistant.learning.situations import training_situations  # noqa: E402
from assistant.learning.training import features, neighbours_from, served_by, with_copies  # noqa: E402
from assistant.retrieval.search import open_searcher  # noqa: E402
from benchmarks.common import write_results  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.1, 0.25, 0.5, 1.0])
    parser.add_argument("--sets", nargs="+", default=["heldout3_en", "heldout3_languages"])
    args = parser.parse_args()
    settings = Settings.from_env()
    searcher = open_searcher(settings)
    shipped = searcher.learned
    situations = training_situations()
    judged = [s for s in situations if s.grades is not None and s.in_scope]
    organisations = shipped.heads["primary"].organisations.labels
    # As the build: the multilingual heads also learn the typed copies of the situations drawn (with_copies).
    learned_from = {name: with_copies(name, judged) for name in searcher.spaces}
    vectors = {name: features(space.readers, [s.text for s in learned_from[name]], settings.index_dir / "learned")
               for name, space in searcher.spaces.items()}
    origin = {f"{s.id}~latin": i for i, s in enumerate(judged)}
    copy_of = {name: np.array([origin.get(s.id, -1) for s in rows]) for name, rows in learned_from.items()}
    sets = {name: (load_queries(EVALDATA / name / "queries.jsonl"), load_qrels(EVALDATA / name / "qrels.tsv"))
            for name in args.sets}
    rng = np.random.default_rng(0)
    order = rng.permutation(len(judged))
    report = []
    for fraction in args.fractions:
        chosen = np.sort(order[: int(fraction * len(judged))])
        heads = {}
        for name in shipped.heads:
            rows = learned_from[name]
            drawn = np.concatenate([chosen, len(judged) + np.flatnonzero(np.isin(copy_of[name][len(judged):], chosen))])
            rule = neighbours_from(name, served_by(name, list(shipped.heads), [rows[i] for i in drawn]))
            near = drawn if rule is None else drawn[rule]
            heads[name] = replace(shipped.heads[name], organisations=train_organisations(
                vectors[name][drawn], [rows[i] for i in drawn], organisations),
                neighbours=train_neighbours(vectors[name][near], [rows[i] for i in near], organisations))
        searcher.learned = replace(shipped, heads=heads)
        row = {"fraction": fraction, "judged_situations": int(chosen.size)}
        for name, (queries, qrels) in sets.items():
            means = run_suite(searcher, modes=["learned"], queries=queries, qrels=qrels).means("learned")
            row[name] = {"Success@1": round(means["Success@1"], 3), "nDCG@3": round(means["nDCG@3"], 3)}
        report.append(row)
        print(json.dumps(row), flush=True)
    path = write_results("learning-curve", report)
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
