"""What the wording head adds to a search: the served search with and without it, side by side.

    python benchmarks/wording_cost.py [--rounds 5]

One process, the served searcher (learned mode, the real models and indexes); every bundled query and every
other-language query of the bundled sets, each searched with the wording head and without it (the heads'
``wording`` set aside), the order alternating per query so both meet the same noise; the query vectors come
from the searcher's cache after a first pass, so what differs is the wording head alone. Also the head's own
read of a text. Medians in ms, and their ratio. Writes benchmarks/results/wording-cost-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.evaluation.metrics import EVALDATA  # noqa: E402
from assistant.retrieval.search import open_searcher  # noqa: E402
from benchmarks.common import median, queries, write_results  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    searcher = open_searcher(Settings.from_env())
    texts = queries() + [json.loads(line)["text"] for line in
                         (EVALDATA / "other_language.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    heads = searcher.learned.heads
    kept = {space: h.wording for space, h in heads.items()}

    def wording(on: bool) -> None:
        for space, h in heads.items():
            h.wording = kept[space] if on else None

    for text in texts:  # the query vectors into the cache
        searcher.search(text)
    times = {"with": [], "without": []}
    for r in range(args.rounds):
        for i, text in enumerate(texts):
            for on in ((True, False) if (i + r) % 2 else (False, True)):
                wording(on)
                started = time.perf_counter()
                searcher.search(text)
                times["with" if on else "without"].append(1000 * (time.perf_counter() - started))
    wording(True)
    read = []
    for text in texts:
        started = time.perf_counter()
        heads["primary"].wording.read([text])
        read.append(1000 * (time.perf_counter() - started))
    report = {"queries": len(texts), "rounds": args.rounds,
              "search_median_ms": {k: round(median(v), 3) for k, v in times.items()},
              "ratio": round(median(times["with"]) / median(times["without"]), 3),
              "added_median_ms": round(median(times["with"]) - median(times["without"]), 3),
              "wording_read_median_ms": round(median(read), 3)}
    print(json.dumps(report, indent=1))
    print(f"written {write_results('wording-cost', report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
