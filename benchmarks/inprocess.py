"""In-process latency: the assistant's search beside a plain sentence-transformers + FAISS build, each side
in its own process, taking turns by blocks of queries so both meet the same noise.

As a worker (started by ``run_in_turn`` and ``run_worker``, not by hand):
    python benchmarks/inprocess.py assistant LIMIT ROUNDS
    python benchmarks/inprocess.py side assistant|baseline LIMIT PASSAGES_FILE
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: its assistant and benchmarks

from benchmarks.common import ROOT, Worker, queries, stats, timed  # noqa: E402

PLAIN_APP = Path(__file__).resolve().parent / "plain_app.py"
BLOCK = 10  # queries one side runs before the other takes its turn


def model_path(searcher):
    """searcher.search with any query-vector cache emptied first, so every search pays for the model."""
    def search(text: str):
        for cache in (getattr(searcher, "_vectors", None), getattr(searcher.embedder, "_vectors", None)):
            if cache is not None:
                cache.clear()
        return searcher.search(text)
    return search



def worker_assistant(limit: int | None, rounds: int) -> dict:
    """The assistant alone: how it opens, what it imports, repeated queries, index build."""
    from assistant.config import Settings
    from assistant.corpus.parse import load_corpus
    from assistant.index.store import build
    from assistant.retrieval.search import open_searcher

    started = time.perf_counter()
    settings = Settings.from_env()
    searcher = open_searcher(settings, say=lambda _: None)
    opened = time.perf_counter() - started
    texts = queries(limit)
    model = searcher.embedder.inner  # the model alone, without the query cache
    result = {"path": type(model).__name__, "open_s": round(opened, 3), "torch_imported": "torch" in sys.modules}
    timed(searcher.search, texts)  # the first time each query pays for the model; then it is remembered
    result["search_repeated"] = stats(timed(searcher.search, texts, rounds))
    with tempfile.TemporaryDirectory() as scratch:
        corpus = load_corpus(settings.corpus_dir)
        started = time.perf_counter()
        build(corpus, model, Path(scratch))
        result["build_s"] = round(time.perf_counter() - started, 3)
        result["passages"] = len(corpus.passages)
    return result


def worker_side(side: str, limit: int | None, passages_file: str) -> None:
    """One side of the in-process comparison, in its own process, timing blocks of queries on request.

    Reads lines "search|embed_only|build FIRST LAST" on stdin, answers each with a JSON list of ms.
    Separate processes, because the two runtimes slow each other in one: with ONNX Runtime loaded,
    torch's two threads took 4x longer per query here.
    """
    texts = queries(limit)
    if side == "assistant":
        from assistant.config import Settings
        from assistant.retrieval.search import Searcher, open_searcher

        started = time.perf_counter()
        settings = Settings.from_env()
        searcher = open_searcher(settings, say=lambda _: None)
        model = searcher.embedder.inner
        info = {"path": type(model).__name__, "open_s": round(time.perf_counter() - started, 3)}
        figures = {"search": model_path(Searcher(searcher.index, model, settings)),
                   "embed_only": lambda t: model.embed([t])}
        rebuild = None
    else:
        sys.path.insert(0, str(PLAIN_APP.parent))
        from plain_app import PlainSearch

        passages = json.loads(Path(passages_file).read_text(encoding="utf-8"))
        started = time.perf_counter()
        plain = PlainSearch(passages)  # loads the model, embeds the passages, builds the flat index
        info = {"path": "sentence-transformers + IndexFlatIP", "open_s": round(time.perf_counter() - started, 3)}
        figures = {"search": plain.search,
                   "embed_only": lambda t: plain.model.encode([t], normalize_embeddings=True)}
        rebuild = lambda: PlainSearch.__init__(plain, passages)  # noqa: E731 - model load included, as at start
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        figure, first, last = line.split()
        if figure == "build":
            started = time.perf_counter()
            if rebuild:
                rebuild()
            print(json.dumps([time.perf_counter() - started]), flush=True)
            continue
        print(json.dumps(timed(figures[figure], texts[int(first):int(last)])), flush=True)



def run_in_turn(limit: int | None, rounds: int, passages_file: Path, env: dict, log: Path) -> dict:
    """Assistant and baseline, each in its own process, taking turns by blocks of queries."""
    sides = {}
    try:
        for side in ("baseline", "assistant"):
            sides[side] = Worker([sys.executable, __file__, "side", side, str(limit or 0), str(passages_file)],
                                 env, log)
        count = len(queries(limit))
        for worker in sides.values():
            worker.ask("search", 0, min(10, count))  # warm-up
        times = {side: {"search": [], "embed_only": []} for side in sides}
        order = ["baseline", "assistant"]
        for _ in range(rounds):
            for first in range(0, count, BLOCK):
                for figure in ("search", "embed_only"):
                    for side in order:
                        times[side][figure] += sides[side].ask(figure, first, first + BLOCK)
                order.reverse()
        build = sides["baseline"].ask("build", 0, 0)[0]
    finally:
        for worker in sides.values():
            worker.close()
    per_query = np.array(times["assistant"]["search"]) / np.array(times["baseline"]["search"])
    return {"assistant": {**{k: stats(v) for k, v in times["assistant"].items()}, "open_in_turn_s":
                          sides["assistant"].info["open_s"]},
            "baseline": {**sides["baseline"].info, "build_s": round(build, 3),
                         **{k: stats(v) for k, v in times["baseline"].items()}},
            "median_of_per_query_ratios": round(float(np.median(per_query)), 3)}


def run_worker(name: str, args: list[str], env: dict | None = None) -> dict:
    done = subprocess.run([sys.executable, __file__, name, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=900, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise RuntimeError(f"worker {name} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    if sys.argv[1] == "assistant":
        print(json.dumps(worker_assistant(int(sys.argv[2]) or None, int(sys.argv[3]))))
    else:
        worker_side(sys.argv[2], int(sys.argv[3]) or None, sys.argv[4])
