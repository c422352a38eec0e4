"""Latency of each road through the search, in process, side by side in one run.

    python benchmarks/paths.py [--repeat 3]

For every judged situation of the bundled set (English) and of other_language.jsonl plus the Lithuanian,
Russian, Polish and Ukrainian training files' first 50 lines each (other languages), each situation made
new by a counter so that no cache answers it: the median and p95 time of ``Searcher.search`` in the
modes ``dense`` (the plain baseline: one model, best passage), ``evidence`` (every passage counts, no learned layer) and ``learned`` (the
default), and English searches a second with 4 at once (the app's concurrency). The query-vector cache
is off. Writes benchmarks/results/paths-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ["ASSISTANT_QUERY_CACHE"] = "0"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.evaluation.metrics import EVALDATA, load_queries  # noqa: E402
from assistant.retrieval.search import open_searcher  # noqa: E402
from benchmarks.common import write_results  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    searcher = open_searcher(Settings.from_env())
    english = [q.text for q in load_queries()]
    other = [q.text for q in load_queries(EVALDATA / "other_language.jsonl")]
    for name in ("lt_situations", "ru_uk_situations", "pl_uk_situations"):
        lines = (EVALDATA / "train" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()[:50]
        other += [json.loads(line)["text"] for line in lines]
    for text in english[:5] + other[:5]:  # load everything once
        searcher.search(text)
    rows = {}
    for label, texts, modes in (("english", english, ("dense", "evidence", "learned")),
                                ("other languages", other, ("dense", "learned"))):
        for mode in modes:
            times = []
            for round_ in range(args.repeat):
                for i, text in enumerate(texts):
                    started = time.perf_counter()
                    searcher.search(f"{text} ({round_}{i})", mode=mode)
                    times.append((time.perf_counter() - started) * 1000)
            times.sort()
            rows[f"{label} / {mode}"] = {"n": len(times), "median_ms": round(statistics.median(times), 2),
                                         "p95_ms": round(times[int(0.95 * len(times))], 2)}
            print(f"{label:16} {mode:8} median {rows[f'{label} / {mode}']['median_ms']:6.2f} ms   "
                  f"p95 {rows[f'{label} / {mode}']['p95_ms']:6.2f} ms   (n={len(times)})", flush=True)
    # Throughput with 4 searches at once (the app's concurrency), English, each mode in turn.
    from concurrent.futures import ThreadPoolExecutor

    for mode in ("dense", "evidence", "learned"):
        texts = [f"{text} (t{i})" for i, text in enumerate(english)]
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda t: searcher.search(t, mode=mode), texts))
        rate = len(texts) / (time.perf_counter() - started)
        rows[f"english / {mode}"]["searches_per_s_4_at_once"] = round(rate, 1)
        print(f"english          {mode:8} {rate:6.1f} searches/s with 4 at once", flush=True)
    base = rows["english / dense"]["median_ms"]
    for key, row in rows.items():
        row["median_vs_english_dense"] = round(row["median_ms"] / base, 2)
    load = os.getloadavg()
    path = write_results("paths", {"rows": rows, "load_average": load, "cores": os.cpu_count()})
    print(f"written {path} (load average {load[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
