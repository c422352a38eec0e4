"""FAISS alone: exact flat search against HNSW and IVF on synthetic unit vectors, at 10k/100k/1M passages
(the whole search, from text to answer, is timed by benchmarks/scaling.py).

Random unit vectors stand in for passage embeddings (dimension 384, as all-MiniLM-L6-v2).
Queries are passages plus noise (cosine about 0.7 to their source), so each query has real near
neighbours, as a person's situation has passages that match it. Pure random queries in 384
dimensions have no structure at all and are the worst case for any approximate index.

    python benchmarks/index_types.py [--sizes 10000,100000,1000000] [--out benchmarks/results]

Not part of CI: the 1M run builds indexes for minutes and holds ~3 GB.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: its benchmarks

from benchmarks.common import RESULTS, unit_rows, write_results  # noqa: E402

DIM, K, QUERIES = 384, 10, 100


def near_queries(rng: np.random.Generator, data: np.ndarray, n: int = QUERIES) -> np.ndarray:
    picks = data[rng.choice(len(data), n, replace=False)]
    noisy = picks + rng.standard_normal(picks.shape, dtype=np.float32) / math.sqrt(DIM)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def one_by_one(index, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    """Latency of single queries, as the app sends them, and the rows found."""
    times, found = [], []
    for q in queries:
        started = time.perf_counter()
        _, rows = index.search(q.reshape(1, -1), K)
        times.append((time.perf_counter() - started) * 1000)
        found.append(rows[0])
    return times, np.array(found)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e)) / K for f, e in zip(found, exact)]))


def recall_at_1(found: np.ndarray, exact: np.ndarray) -> float:
    """Whether the best passage is found: in random data the other nine of the exact ten are barely
    nearer than the rest (all cosines near 0), so recall@10 understates what a person would notice."""
    return float(np.mean(found[:, 0] == exact[:, 0]))


def summary(times: list[float]) -> dict:
    return {"p50_ms": round(float(np.percentile(times, 50)), 3), "p95_ms": round(float(np.percentile(times, 95)), 3),
            "p99_ms": round(float(np.percentile(times, 99)), 3)}


def run_size(n: int, budget_s: float, say) -> list[dict]:
    import faiss

    rng = np.random.default_rng(n)
    data = unit_rows(rng, n)
    queries = near_queries(rng, data)
    rows = []

    started = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(data)
    build = time.perf_counter() - started
    times, exact = one_by_one(flat, queries)
    rows.append({"n": n, "index": "flat (exact)", "build_s": round(build, 2), **summary(times), "recall_at_10": 1.0,
                 "bytes": int(faiss.serialize_index(flat).size)})
    say(rows[-1])

    hnsw = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 40
    started = time.perf_counter()
    for start in range(0, n, 50_000):  # in parts, so a run over budget stops instead of running on
        hnsw.add(data[start:start + 50_000])
        if time.perf_counter() - started > budget_s and start + 50_000 < n:
            rows.append({"n": n, "index": "hnsw32", "skipped": f"build passed the {budget_s:.0f} s budget at "
                         f"{start + 50_000} rows"})
            say(rows[-1])
            break
    else:
        build = time.perf_counter() - started
        size = int(faiss.serialize_index(hnsw).size)
        for ef in (64, 128):
            hnsw.hnsw.efSearch = ef
            times, found = one_by_one(hnsw, queries)
            rows.append({"n": n, "index": f"hnsw32 efSearch={ef}", "build_s": round(build, 2), **summary(times),
                         "recall_at_10": round(recall(found, exact), 4),
                         "recall_at_1": round(recall_at_1(found, exact), 4), "bytes": size})
            say(rows[-1])

    nlist = max(16, int(math.sqrt(n)))
    quantizer = faiss.IndexFlatIP(DIM)
    ivf = faiss.IndexIVFFlat(quantizer, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    started = time.perf_counter()
    ivf.train(data[rng.choice(n, min(n, 39 * nlist), replace=False)])  # FAISS wants 39 points per list
    ivf.add(data)
    build = time.perf_counter() - started
    size = int(faiss.serialize_index(ivf).size)
    for nprobe in (8, 64):
        ivf.nprobe = nprobe
        times, found = one_by_one(ivf, queries)
        rows.append({"n": n, "index": f"ivf{nlist} nprobe={nprobe}", "build_s": round(build, 2), **summary(times),
                     "recall_at_10": round(recall(found, exact), 4),
                     "recall_at_1": round(recall_at_1(found, exact), 4), "bytes": size})
        say(rows[-1])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--budget", type=float, default=600, help="seconds one HNSW build may take")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows += run_size(n, args.budget, say=lambda row: print(json.dumps(row), flush=True))
    path = write_results("index-types", {"dimension": DIM, "k": K, "queries": QUERIES, "rows": rows}, args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
