"""The whole search at scale: ``Searcher.search`` in the default (learned) mode, from a situation's text to
the ranked Answer with its evidence, on synthetic corpora of 10k, 20k and 100k passages.

    python benchmarks/scaling.py [--sizes 10000:1000,20000:3000,100000:5000] [--queries 60] [--rounds 2]
                                 [--against REF] [--threads N] [--out benchmarks/results]

What is timed:
- The corpus, its passage vectors and the learned heads are synthetic (``benchmarks/synthetic.py``):
  organisations and passages made programmatically, random unit vectors in the index the store picks for
  the size (exact up to 20k passages, HNSW above), random heads with trained heads' shapes.
- The situations are the bundled English ones. Their vectors come from the real packaged models
  (all-MiniLM-L6-v2 through ONNX Runtime and multilingual-e5-small, both read for English), computed once
  before timing and then remembered by the query-vector cache; so the search timed is everything but the
  sentence models: language detection, the check, the heads, passage scores, organisation scores, the
  danger rules, and the answer with its evidence. The models' own time ("encode", both models, caches
  bypassed) and the passage scores' alone ("FAISS") are measured beside.
- Each size with ``top_k`` 10 (what an API caller asks) and with every organisation (what the page asks).
- ``--against REF``: the package as it was at a git commit (its ``assistant/`` exported to a temporary
  folder) is timed on the same data in turn with this checkout, block by block, each in its own process.

Prints a table and writes benchmarks/results/scaling-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: its assistant and benchmarks

from assistant.config import SERVING_THREADS  # noqa: E402
from benchmarks.common import RESULTS, ROOT, Worker, machine, queries, ratio, stats, table, write_results  # noqa: E402

SIZES = "10000:1000,20000:3000,100000:5000"  # passages:organisations
TOP_KS = (10, 0)  # 0: every organisation
BLOCK = 10  # situations one side runs before the other takes its turn
TARGET = {"passages": 20_000, "top_k": 10, "median_ms": 10.0}


# --- the worker: one package, one synthetic corpus --------------------------------------------------------

def worker(package: str, passages: int, organisations: int, vectors_file: str, count: int) -> None:
    """Answer "search FIRST LAST TOPK", "scores FIRST LAST" and "encode FIRST LAST" with the milliseconds of
    each call, of the clock ("wall") and of the CPU the process spent on it, all its threads ("cpu")."""
    sys.path.insert(0, package)  # this package's assistant, before the checkout's
    answers, sys.stdout = sys.stdout, sys.stderr  # stdout carries the answers only, whatever a library prints
    import faiss

    import assistant
    from assistant.config import DEFAULT_MODEL
    from assistant.index.embedders import E5Embedder, embed_situations
    from assistant.index.fastpath import CachedEmbedder, open_embedder
    from assistant.retrieval.language import warm
    from assistant.retrieval.query import check_query
    from benchmarks.synthetic import make_corpus, make_index, make_searcher

    warm()
    primary = open_embedder(DEFAULT_MODEL, ROOT / "index" / "onnx", say=lambda _: None)
    multilingual = CachedEmbedder(E5Embedder(), size=4096)
    started = time.perf_counter()
    index = make_index(make_corpus(passages, organisations, corpus_dir=ROOT / "corpus"), faiss.read_index(vectors_file))
    searcher = make_searcher(passages, organisations, primary, multilingual, index=index)
    opened = time.perf_counter() - started
    texts = queries(count)
    checked = [check_query(t, primary, searcher.settings.max_chars).text for t in texts]
    space = searcher.spaces["primary"]
    for text in texts:  # every situation's vectors made once, and remembered by the caches
        searcher.search(text)
    vectors = [space.features(text)[0] for text in checked]

    def encode(text: str) -> None:
        embed_situations(primary.inner, [text])
        embed_situations(multilingual.inner, [text])

    print(json.dumps({"package": str(Path(assistant.__file__).parent), "open_s": round(opened, 2),
                      "passages": len(index.corpus.passages), "organisations": len(index.corpus.organisations)}),
          file=answers, flush=True)
    for line in sys.stdin:
        figure, first, last, *rest = line.split()
        top_k = int(rest[0]) if rest else 0
        call = {"search": lambda i, k=top_k or None: searcher.search(texts[i], top_k=k),
                "scores": lambda i: searcher._scores_for(space.index, vectors[i]),
                "encode": lambda i: encode(checked[i])}[figure]
        times: dict[str, list[float]] = {"wall": [], "cpu": []}
        for i in range(int(first), int(last)):
            begun, cpu = time.perf_counter(), time.process_time()
            call(i)
            times["cpu"].append((time.process_time() - cpu) * 1000)
            times["wall"].append((time.perf_counter() - begun) * 1000)
        print(json.dumps(times), file=answers, flush=True)


# --- the run --------------------------------------------------------------------------------------------

def export(ref: str, into: Path) -> Path:
    """The package's ``assistant/`` as it was at git ``ref``, in a folder of its own."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "assistant"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run_size(passages: int, organisations: int, packages: dict[str, Path], args, scratch: Path, say) -> list[dict]:
    import faiss

    from benchmarks.synthetic import passage_vectors

    say(f"{passages} passages, {organisations} organisations: building the passage index ...")
    vectors_file = scratch / f"vectors-{passages}.faiss"
    faiss.write_index(passage_vectors(passages), str(vectors_file))
    env = {"OMP_NUM_THREADS": str(args.threads), "OPENBLAS_NUM_THREADS": str(args.threads)} if args.threads \
        else dict(SERVING_THREADS)  # as the app runs
    workers = {}
    try:
        for side, package in packages.items():
            workers[side] = Worker([sys.executable, __file__, "--worker", str(package), str(passages),
                                    str(organisations), str(vectors_file), str(args.queries)],
                                   {**env, "ASSISTANT_QUERY_CACHE": "4096"}, scratch / "workers.log")
        opened = ", ".join(f"{side} in {w.info['open_s']} s" for side, w in workers.items())
        say(f"  opened: {opened}; timing ...")
        figures = [("search", k) for k in TOP_KS] + [("scores", None)]
        times = {(side, f): {"wall": [], "cpu": []} for side in workers for f in figures}
        order = list(workers)
        for _ in range(args.rounds):
            for first in range(0, args.queries, BLOCK):
                last = min(first + BLOCK, args.queries)
                for figure, top_k in figures:
                    for side in order:
                        words = (figure, first, last) + ((top_k,) if top_k is not None else ())
                        for clock, ms in workers[side].ask(*words).items():
                            times[(side, (figure, top_k))][clock] += ms
                order.reverse()
        encode = workers["now"].ask("encode", 0, args.queries)["wall"]
    finally:
        for w in workers.values():
            w.close()
    vectors_file.unlink()
    sides = {side: w.info for side, w in workers.items()}  # which package each side imported, how fast it opened
    rows = []
    for top_k in TOP_KS:
        row = {"passages": passages, "organisations": organisations, "top_k": top_k or "all", "sides": sides,
               **figures_of(times, "now", top_k), "encode": stats(encode)}
        if "before" in workers:
            row["before"] = figures_of(times, "before", top_k)
            row["median_vs_before"] = ratio(row["search"]["p50_ms"], row["before"]["search"]["p50_ms"])
            row["cpu_median_vs_before"] = ratio(row["search_cpu"]["p50_ms"], row["before"]["search_cpu"]["p50_ms"])
            now, before = (np.array(times[(s, ("search", top_k))]["wall"]) for s in ("now", "before"))
            row["median_of_per_search_ratios"] = round(float(np.median(now / before)), 4)
        rows.append(row)
        say(f"  top_k {row['top_k']}: median {row['search']['p50_ms']} ms" +
            (f", before {row['before']['search']['p50_ms']} ms" if "before" in row else ""))
    return rows


def figures_of(times: dict, side: str, top_k: int) -> dict:
    return {"search": stats(times[(side, ("search", top_k))]["wall"]),
            "search_cpu": stats(times[(side, ("search", top_k))]["cpu"]),
            "passage_scores": stats(times[(side, ("scores", None))]["wall"])}


def summary(rows: list[dict]) -> str:
    head = ("passages", "organisations", "top_k", "median ms", "p95 ms", "before: median ms", "ratio",
            "CPU median ms (before)", "FAISS median ms (before)", "encode median ms")
    out = [head]
    for r in rows:
        before = r.get("before")
        out.append((str(r["passages"]), str(r["organisations"]), str(r["top_k"]), f"{r['search']['p50_ms']:.2f}",
                    f"{r['search']['p95_ms']:.2f}", f"{before['search']['p50_ms']:.2f}" if before else "-",
                    f"{r['median_vs_before']:.3f}" if before else "-",
                    f"{r['search_cpu']['p50_ms']:.2f}" + (f" ({before['search_cpu']['p50_ms']:.2f})" if before else ""),
                    f"{r['passage_scores']['p50_ms']:.2f}" +
                    (f" ({before['passage_scores']['p50_ms']:.2f})" if before else ""),
                    f"{r['encode']['p50_ms']:.2f}"))
    return table(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=SIZES, help="passages:organisations, comma separated")
    parser.add_argument("--queries", type=int, default=60, help="the first N bundled situations")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the situations")
    parser.add_argument("--against", help="a git commit to time beside this checkout, on the same data")
    parser.add_argument("--threads", type=int, default=0,
                        help="OpenMP and BLAS threads (default: as the app, assistant.config.SERVING_THREADS)")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        package, passages, organisations, vectors_file, count = args.worker
        worker(package, int(passages), int(organisations), vectors_file, int(count))
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="scaling-"))
    say = lambda message: print(message, flush=True)  # noqa: E731
    try:
        packages = {"now": ROOT}
        if args.against:
            packages["before"] = export(args.against, scratch / "before")
        report = {"machine": machine(), "queries": args.queries, "rounds": args.rounds, "against": args.against,
                  "threads": args.threads or f"as the app ({SERVING_THREADS})", "situation_vectors": "real packaged models, computed "
                  "once before timing (query-vector cache); encode timed beside", "rows": []}
        for size in args.sizes.split(","):
            passages, organisations = (int(n) for n in size.split(":"))
            report["rows"] += run_size(passages, organisations, packages, args, scratch, say)
        report["machine"]["load_after"] = os.getloadavg()[0]
        target = next((r for r in report["rows"] if r["passages"] == TARGET["passages"]
                       and r["top_k"] == TARGET["top_k"]), None)
        if target:
            report["target"] = {**TARGET, "measured_ms": target["search"]["p50_ms"],
                                "met": target["search"]["p50_ms"] <= TARGET["median_ms"]}
        print(summary(report["rows"]))
        if target:
            print(f"target: median <= {TARGET['median_ms']} ms at {TARGET['passages']} passages, top_k "
                  f"{TARGET['top_k']}: {report['target']['measured_ms']} ms, "
                  f"{'met' if report['target']['met'] else 'NOT met'}")
        print(f"wrote {write_results('scaling', report, args.out)}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
