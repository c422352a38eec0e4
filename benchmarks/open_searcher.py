"""Opening a searcher in a fresh process (what every app start and CLI command pays), two checkouts side by
side, in turn, so the machine's noise falls on both:

    python benchmarks/open_searcher.py BEFORE_CHECKOUT [AFTER_CHECKOUT] [--runs 7]

Each checkout opens its own index (built and current there). Writes benchmarks/results/open-searcher-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, median, write_results  # noqa: E402

OPEN = ("import json, time; from pathlib import Path; from assistant.config import Settings; "
        "from assistant.retrieval.search import open_searcher; started = time.perf_counter(); "
        "open_searcher(Settings(corpus_dir=Path('corpus')), say=lambda _: None); "
        "print(json.dumps(time.perf_counter() - started))")


def open_seconds(checkout: Path) -> float:
    done = subprocess.run([sys.executable, "-c", OPEN], cwd=checkout, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(checkout), "HF_HUB_OFFLINE": "1"})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path, nargs="?", default=ROOT)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sides = {"before": args.before.resolve(), "after": args.after.resolve()}
    seconds: dict[str, list[float]] = {side: [] for side in sides}
    for run in range(args.runs):
        for side in (sides if run % 2 == 0 else reversed(list(sides))):  # alternate who goes first
            seconds[side].append(round(open_seconds(sides[side]), 3))
    report = {side: {"checkout": str(sides[side]), "median_s": median(seconds[side]), "runs_s": seconds[side]}
              for side in sides}
    report["after_vs_before"] = round(report["after"]["median_s"] / report["before"]["median_s"], 3)
    for side in sides:
        print(f"{side}: median {report[side]['median_s']:.2f} s over {args.runs} fresh processes")
    print(f"after / before: {report['after_vs_before']:.2f}")
    print(f"wrote {write_results('open-searcher', report)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
