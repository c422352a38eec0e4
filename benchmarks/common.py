"""What every benchmark shares: the bundled situations, timing, the figures kept (median, p95, p99), ratios,
the machine's state, a plain-text table, and where and how results are written.

Results go to ``benchmarks/results/<kind>-<UTC time>[-suffix].json``: timings and settings only, never
the text of a situation.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
QUERIES = ROOT / "assistant" / "evaldata" / "queries.jsonl"


def queries(limit: int | None = None) -> list[str]:
    """The bundled English situations, the first ``limit`` of them when given."""
    texts = [json.loads(line)["text"] for line in QUERIES.open(encoding="utf-8") if line.strip()]
    return texts[:limit] if limit else texts


def unit_rows(rng: np.random.Generator, n: int, dim: int = 384) -> np.ndarray:
    """``n`` random unit vectors (float32; dimension 384, as both packaged models), made in blocks."""
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        block = rng.standard_normal((min(100_000, n - start), dim), dtype=np.float32)
        out[start:start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def stats(times_ms: list[float]) -> dict:
    """How many, and the 50th, 95th and 99th percentiles in milliseconds."""
    if not times_ms:
        return {"n": 0}
    return {"n": len(times_ms), **{f"p{p}_ms": round(float(np.percentile(times_ms, p)), 3) for p in (50, 95, 99)}}


def timed(fn, items, rounds: int = 1) -> list[float]:
    """Milliseconds of ``fn(item)`` for each item, ``rounds`` times over."""
    out = []
    for _ in range(rounds):
        for item in items:
            started = time.perf_counter()
            fn(item)
            out.append((time.perf_counter() - started) * 1000)
    return out


def median(values: list[float]) -> float:
    return round(float(np.median(values)), 3)


def ratio(a, b) -> float | None:
    """a / b to three places, or None when either is missing (or b is 0)."""
    return round(a / b, 3) if a is not None and b else None


def machine() -> dict:
    """Cores, Python and the load average now: the noise every figure was measured in."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before": os.getloadavg()[0]}


def table(rows: list[tuple[str, ...]]) -> str:
    """Rows of cells as aligned columns, the first row a heading underlined."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_results(kind: str, report: dict | list, out: Path | str = RESULTS, suffix: str = "") -> Path:
    """Write ``report`` as ``<out>/<kind>-<UTC time><suffix>.json``; a dict is stamped with when it finished."""
    now = time.gmtime()
    if isinstance(report, dict):
        report = {**report, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", now)}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{kind}-{time.strftime('%Y%m%dT%H%M%SZ', now)}{suffix}.json"
    path.write_text(json.dumps(report, indent=1))
    return path


class Worker:
    """One side of a comparison in its own Python process, so imports, threads and caches never leak
    between sides: it prints one JSON line when ready (``info``), then answers each request line with one
    JSON line. Its errors go to ``log``."""

    def __init__(self, command: list[str], env: dict, log: Path):
        with Path(log).open("ab") as errors:
            self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, text=True,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
        self.log = log
        self.info = self._answer()

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"a benchmark worker stopped (exit code {self.process.poll()}); see {self.log}")
        return json.loads(line)

    def ask(self, *words: object):
        self.process.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def situation_features(searcher, situations) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """What the learned layer reads of each labelled situation, as ``assistant build`` computes it: each
    space's situation vectors (from the build's vector cache) and the passages' soft evidence per
    organisation; "concat" is both models side by side (English), its evidence the language's own model's."""
    from assistant.learning.training import _vector_cache, situation_vectors
    from assistant.retrieval.ranking import organisation_scores

    corpus = searcher.index.corpus
    organisations = tuple(o.id for o in corpus.organisations)
    owners = np.array([organisations.index(p.organisation_id) for p in corpus.passages])
    english = np.array([s.language == "en" for s in situations])
    vectors, evidence = {}, {}
    for name, space in searcher.spaces.items():
        cache = _vector_cache(searcher.settings.index_dir / "learned", space.embedder.name)
        vectors[name] = situation_vectors(space.embedder, [s.text for s in situations], cache)
        passages = space.index.vectors.reconstruct_n(0, space.index.vectors.ntotal)
        evidence[name] = np.stack([organisation_scores(row, owners, len(organisations), soft=True)
                                   for row in vectors[name] @ passages.T])
    vectors["concat"] = np.hstack([vectors["primary"], vectors["multilingual"]])
    evidence["concat"] = np.where(english[:, None], evidence["primary"], evidence["multilingual"])
    return vectors, evidence
