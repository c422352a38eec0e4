"""The learned decisions (danger now, nothing fits) at the thresholds the build chooses, per language, by
nested grouped cross-validation on the training situations only.

    python benchmarks/detectors.py

``assistant build`` reads each threshold off out-of-fold probabilities (``training.cross_validated``, folds
by writer). Here each fold is judged at the thresholds chosen from the *other* folds' probabilities, so no
figure comes from a threshold chosen on itself, and each situation is read by the space that serves its
language (English: the primary heads; others: the multilingual heads). Two policies side by side:
    pooled       one danger threshold from every danger-set line (what the build did before)
    per language besides the pooled threshold, each language the space serves keeps its own recall; the
                 lowest threshold counts (``training.choose_thresholds``, what the build does now)
Writes benchmarks/results/detectors-<time>.json.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.learning.learned import DANGER_RECALL, recall_threshold  # noqa: E402
from assistant.learning.situations import training_situations  # noqa: E402
from assistant.learning.training import (  # noqa: E402
    choose_thresholds,
    cross_validated,
    features,
    folds_of,
    neighbours_from,
    served_by,
    train_heads,
    with_copies,
)
from assistant.retrieval.search import LEARNED_DIR, open_searcher  # noqa: E402
from assistant.taxonomy import DANGER_KINDS, NEED_KEYS  # noqa: E402
from benchmarks.common import write_results  # noqa: E402


def pooled(probabilities: dict, situations: list, served: np.ndarray) -> dict:
    """The policy before: one danger threshold over every danger-set line (as written) of every language."""
    chosen = choose_thresholds(probabilities, situations, served)
    focused = np.array([s.source.startswith("danger") and s.urgent is not None and s.variant is None
                        for s in situations])
    urgent = np.array([bool(s.urgent) for s in situations])
    chosen["danger"] = recall_threshold(probabilities["danger"][focused], urgent[focused], DANGER_RECALL)
    return chosen


def rates(decided: np.ndarray, truth: np.ndarray) -> tuple[float, float, int]:
    found = int((decided & truth).sum())
    return (found / max(int(truth.sum()), 1), found / max(int(decided.sum()), 1), int(truth.sum()))


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-wording", action="store_true", help="the heads over the vectors alone (as before)")
    args = parser.parse_args()
    started = time.perf_counter()
    settings = Settings.from_env()
    searcher = open_searcher(settings)
    organisations = tuple(o.id for o in searcher.index.corpus.organisations)
    situations = training_situations()
    folds = folds_of(situations)
    languages = np.array([s.language for s in situations])
    focused = np.array([s.source.startswith("danger") and s.urgent is not None for s in situations])
    urgent = np.array([bool(s.urgent) for s in situations])
    in_scope = np.array([s.in_scope is True for s in situations])
    out_scope = np.array([s.in_scope is False for s in situations])
    decisions = {policy: {"danger": np.zeros(len(situations), bool), "nothing_fits": np.zeros(len(situations), bool)}
                 for policy in ("pooled", "per language")}
    names = list(searcher.spaces)
    for name, space in searcher.spaces.items():
        # As the build: the multilingual heads also learn the typed copies (training.with_copies), which follow
        # their originals' folds and come after them; only the lines as written are decided and scored here.
        these = with_copies(name, situations)
        own_folds = folds_of(these)
        vectors = features(space.readers, [s.text for s in these], settings.index_dir / LEARNED_DIR)
        served = served_by(name, names, these)
        near = neighbours_from(name, served)
        # As the build: the wording head's signals (learned from every line of the space) are blended into both
        # decisions (learned.WORDING_SHARE; --no-wording: the heads over the vectors alone).
        wording_from = None if args.no_wording else served
        full = train_heads(name, vectors, these, organisations, NEED_KEYS, DANGER_KINDS, only_sigmoids=True,
                           neighbours_from=near, wording_from=wording_from)
        probabilities = cross_validated(name, vectors, these, organisations, own_folds, start=full,
                                        neighbours_from=near, wording_from=wording_from, wording=not args.no_wording)
        for fold in np.unique(own_folds):
            test, rest = ((own_folds == fold) & served)[:len(situations)], own_folds != fold
            others = [these[i] for i in np.flatnonzero(rest)]
            chosen_on = {k: v[rest] for k, v in probabilities.items()}
            for policy, choose in (("pooled", pooled), ("per language", choose_thresholds)):
                chosen = choose(chosen_on, others, served[rest])
                decisions[policy]["danger"][test] = probabilities["danger"][:len(situations)][test] >= chosen["danger"]
                decisions[policy]["nothing_fits"][test] = \
                    probabilities["out_of_scope"][:len(situations)][test] >= chosen["out_of_scope"]
        print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)
    report: dict = {"situations": len(situations), "folds": int(len(np.unique(folds))), "wording": not args.no_wording,
                    "rows": []}
    print(f"{'policy':14} {'lang':5} {'danger recall':>13} {'precision':>9} {'urgent':>6}   "
          f"{'nothing fits: out of scope':>26} {'in scope':>8}")
    for policy, decided in decisions.items():
        for language in ["all"] + sorted(set(languages)):
            rows = np.ones(len(situations), bool) if language == "all" else languages == language
            recall, precision, count = rates(decided["danger"] & focused & rows, urgent & focused & rows)
            oos = float(decided["nothing_fits"][out_scope & rows].mean()) if (out_scope & rows).any() else float("nan")
            slip = float(decided["nothing_fits"][in_scope & rows].mean()) if (in_scope & rows).any() else float("nan")
            report["rows"].append({"policy": policy, "language": language, "danger_recall": recall,
                                   "danger_precision": precision, "urgent": count,
                                   "nothing_fits_out_of_scope": oos, "nothing_fits_in_scope": slip})
            print(f"{policy:14} {language:5} {recall:13.3f} {precision:9.3f} {count:6d}   {oos:26.3f} {slip:8.3f}")
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(f"written {write_results('detectors', report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
