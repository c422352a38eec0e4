"""How far two independent judges agree on the same situations: the writer's labels against a second
judge's (``review_judged.jsonl``, same ids, the writers' short organisation names).

    python scripts/agreement.py REVIEW.jsonl

Prints: in-scope agreement, the share of situations where the two judges' first choices (grade 2) share
an organisation, nDCG@3 of the second judge's grades ranked by the writer's (a ceiling for any system
judged by one of them), and agreement on urgent with Cohen's kappa.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_situations import ORGS  # noqa: E402

from assistant.learning.situations import training_situations  # noqa: E402


def main() -> int:
    labelled = {s.id: s for s in training_situations()}
    rows = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines() if line.strip()]
    scope, first, ndcg, urgent = [], [], [], []
    for row in rows:
        s = labelled[row["id"]]
        second = {ORGS[o]: g for o, g in (row.get("grades") or {}).items()}
        scope.append((row["category"] == "out_of_scope") == (s.in_scope is False))
        if s.in_scope and row["category"] != "out_of_scope":
            mine = {o for o, g in s.grades.items() if g == 2}
            theirs = {o for o, g in second.items() if g == 2}
            first.append(bool(mine & theirs))
            order = sorted(ORGS.values(), key=lambda o: -s.grades.get(o, 0))
            gains = [second.get(o, 0) for o in order[:3]]
            ideal = sorted(second.values(), reverse=True)[:3]
            dcg = sum(g / np.log2(i + 2) for i, g in enumerate(gains))
            idcg = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
            ndcg.append(dcg / idcg if idcg else 0.0)
        if s.urgent is not None:
            urgent.append((bool(s.urgent), bool(row.get("urgent"))))
    a = np.array(urgent)
    observed = float(np.mean(a[:, 0] == a[:, 1]))
    expected = float(a[:, 0].mean() * a[:, 1].mean() + (1 - a[:, 0].mean()) * (1 - a[:, 1].mean()))
    print(json.dumps({"situations": len(rows), "in_scope_agreement": round(float(np.mean(scope)), 3),
                      "first_choice_agreement": round(float(np.mean(first)), 3), "first_choice_n": len(first),
                      "ndcg3_second_judge_by_writer": round(float(np.mean(ndcg)), 3),
                      "urgent_agreement": round(observed, 3),
                      "urgent_kappa": round((observed - expected) / (1 - expected), 3),
                      "urgent_writer": int(a[:, 0].sum()), "urgent_second": int(a[:, 1].sum())}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
