"""Benchmark the help finder against a plain sentence-transformers + FAISS build, side by side, in one run.

    python benchmarks/bench.py                 # everything: in process, cold start, HTTP at 1/8/32 clients
    python benchmarks/bench.py --quick         # in process only, a handful of queries (the smoke test)
    python benchmarks/scaling.py               # index types on 10k/100k/1M synthetic passages (separate)

Each measurement runs in its own Python process, so imports, threads and caches do not leak between
them. The machine is shared and noisy: read the medians and the ratios to the baseline measured in
the same run, not the absolute times. Prints a table and writes benchmarks/results/bench-<time>.json
(timings only: no query text is written anywhere).

Over HTTP the assistant is called both ways an API user can: the lean JSON route (POST /api/search,
one request) and Gradio's two-step protocol (POST /gradio_api/call/search, then GET
/gradio_api/call/search/<event_id>); the plain app only has the second. Issue 6's HTTP targets are
judged on the JSON route, the fastest documented way. Every request loop is bounded in count and time
and sends traffic to 127.0.0.1 only.

The JSON route is loaded twice: by Python httpx (async, as for the other rows) and, when ``wrk`` is on
PATH (``apt-get install wrk``), by wrk, a C client that costs the 2-core machine little, so its figures
are the server's own rather than the server's plus a Python client's CPU. The HTTP targets are judged on
the wrk figures when there are some, the httpx ones are reported beside them. wrk cannot follow Gradio's
two-step protocol (a POST, then a GET of the event stream it names), so the two-step rows and the plain
baseline app stay on httpx. Without wrk those rows are skipped, never failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "assistant" / "evaldata" / "queries.jsonl"
PLAIN_APP = Path(__file__).resolve().parent / "plain_app.py"
LEVELS = {1: 60, 8: 160, 32: 320}  # concurrent clients: requests sent at that level
LEVEL_SECONDS = 30.0  # and no level runs longer than this
BLOCK = 10  # queries one side runs before the other takes its turn, in process
WRK_SECONDS = 10  # seconds wrk loads the JSON route at each level (in two halves, like httpx)
WRK_MISSING = "wrk not installed (apt-get install wrk)"
WRK_NO_TWO_STEP = ("wrk cannot follow Gradio's two-step protocol (POST, then GET of the event stream), "
                   "so the two-step rows and the plain baseline stay on httpx")


def queries(limit: int | None = None) -> list[str]:
    texts = [json.loads(line)["text"] for line in QUERIES.open(encoding="utf-8") if line.strip()]
    return texts[:limit] if limit else texts


def stats(times_ms: list[float]) -> dict:
    if not times_ms:
        return {"n": 0}
    return {"n": len(times_ms), **{f"p{p}_ms": round(float(np.percentile(times_ms, p)), 3) for p in (50, 95, 99)}}


def model_path(searcher):
    """searcher.search with any query-vector cache emptied first, so every search pays for the model."""
    def search(text: str):
        for cache in (getattr(searcher, "_vectors", None), getattr(searcher.embedder, "_vectors", None)):
            if cache is not None:
                cache.clear()
        return searcher.search(text)
    return search


def timed(fn, items, rounds: int = 1) -> list[float]:
    out = []
    for _ in range(rounds):
        for item in items:
            started = time.perf_counter()
            fn(item)
            out.append((time.perf_counter() - started) * 1000)
    return out


# --- in-process workers (each runs in a child process and prints one JSON object) ---------------------

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
    with log.open("ab") as errors:
        for side in ("baseline", "assistant"):
            sides[side] = subprocess.Popen([sys.executable, __file__, "--worker", "side", side, str(limit or 0),
                                            str(passages_file)], cwd=ROOT, env={**os.environ, **env}, text=True,
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
    try:
        infos = {side: json.loads(process.stdout.readline()) for side, process in sides.items()}

        def ask(side: str, figure: str, first: int, last: int) -> list[float]:
            sides[side].stdin.write(f"{figure} {first} {last}\n")
            sides[side].stdin.flush()
            return json.loads(sides[side].stdout.readline())

        count = len(queries(limit))
        for side in sides:
            ask(side, "search", 0, min(10, count))  # warm-up
        times = {side: {"search": [], "embed_only": []} for side in sides}
        order = ["baseline", "assistant"]
        for _ in range(rounds):
            for first in range(0, count, BLOCK):
                for figure in ("search", "embed_only"):
                    for side in order:
                        times[side][figure] += ask(side, figure, first, first + BLOCK)
                order.reverse()
        build = ask("baseline", "build", 0, 0)[0]
    finally:
        for process in sides.values():
            process.stdin.close()
            process.wait(30)
    per_query = np.array(times["assistant"]["search"]) / np.array(times["baseline"]["search"])
    return {"assistant": {**{k: stats(v) for k, v in times["assistant"].items()}, "open_in_turn_s":
                          infos["assistant"]["open_s"]},
            "baseline": {**infos["baseline"], "build_s": round(build, 3),
                         **{k: stats(v) for k, v in times["baseline"].items()}},
            "median_of_per_query_ratios": round(float(np.median(per_query)), 3)}


def run_worker(name: str, args: list[str], env: dict | None = None) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", name, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=900, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise RuntimeError(f"worker {name} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- HTTP: the JSON route and Gradio's two-step protocol ----------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def payload(info: dict | None, text: str) -> dict:
    """All positional inputs of the endpoint: the text first, the others at their defaults."""
    params = ((info or {}).get("named_endpoints", {}).get("/search", {}) or {}).get("parameters", [])
    rest = [p.get("parameter_default") for p in params[1:]]
    return {"data": [text, *rest]}


async def call_json(client, base: str, text: str) -> tuple[bool, float]:
    """One search through the assistant's JSON route: one POST, one JSON answer."""
    started = time.perf_counter()
    try:
        response = await client.post(f"{base}/api/search", json={"situation": text})
        ok = response.status_code == 200 and "results" in response.json()
        return ok, (time.perf_counter() - started) * 1000
    except Exception:  # noqa: BLE001 - as in call(): an error of the run
        return False, (time.perf_counter() - started) * 1000


async def call(client, base: str, body: dict) -> tuple[bool, float]:
    """One search through Gradio's two-step protocol: POST for an event id, then read its event stream."""
    started = time.perf_counter()
    try:
        posted = await client.post(f"{base}/gradio_api/call/search", json=body)
        if posted.status_code != 200:
            return False, (time.perf_counter() - started) * 1000
        event_id = posted.json()["event_id"]
        event = None
        async with client.stream("GET", f"{base}/gradio_api/call/search/{event_id}") as stream:
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                    if event in ("complete", "error"):
                        break
        return event == "complete", (time.perf_counter() - started) * 1000
    except Exception:  # a refused or dropped connection is an error of the run, not of the benchmark
        return False, (time.perf_counter() - started) * 1000


async def load_level(base: str, info: dict | None, texts: list[str], clients: int, requests: int,
                     seconds: float, sources: list[str] | None = None, keep_latencies: bool = False,
                     protocol: str = "two_step") -> dict:
    """``clients`` concurrent clients until ``requests`` are sent or ``seconds`` pass.

    ``protocol``: "two_step" (Gradio's, any Gradio app) or "json" (the assistant's POST /api/search).

    ``sources``: loopback addresses the clients send from, one per client in turn (127.0.0.2, ...), so a
    proxy that is sticky by client address sees many people instead of one.
    """
    import httpx

    latencies, errors, sent = [], 0, 0
    deadline = time.perf_counter() + seconds

    async def one_client(number: int):
        nonlocal errors, sent
        source = sources[number % len(sources)] if sources else None
        transport = httpx.AsyncHTTPTransport(local_address=source) if source else None
        async with httpx.AsyncClient(timeout=30, transport=transport) as client:
            while sent < requests and time.perf_counter() < deadline:
                # A number on the end makes every request new, so no cache in the app answers it.
                text = f"{texts[(number * 7 + sent) % len(texts)]} {sent}"
                sent += 1
                if protocol == "json":
                    ok, ms = await call_json(client, base, text)
                else:
                    ok, ms = await call(client, base, payload(info, text))
                if ok:
                    latencies.append(ms)
                else:
                    errors += 1

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one_client(i) for i in range(clients)))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    figures = {"clients": clients, "requests": sent, "errors": errors, "seconds": round(wall, 2),
               "throughput_rps": round(len(latencies) / wall, 2), "client_cpu_s": round(cpu, 3), **stats(latencies)}
    return {**figures, "_latencies": latencies} if keep_latencies else figures


def first_answer(base: str, text: str, process: subprocess.Popen, limit_s: float = 600) -> dict | None:
    """Wait until the app answers a search; returns /gradio_api/info."""
    import httpx

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with code {process.returncode}")
        try:
            info = httpx.get(f"{base}/gradio_api/info", timeout=5).json()
            ok, _ = asyncio.run(_one(base, payload(info, text)))
            if ok:
                return info
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.05)
    raise RuntimeError("the app did not answer in time")


async def _one(base: str, body: dict):
    import httpx

    async with httpx.AsyncClient(timeout=30) as client:
        return await call(client, base, body)


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cold_start(command, env: dict, log: Path, text: str) -> float:
    """Seconds from starting ``command(port)`` to its first answered search."""
    port = free_port()
    started = time.perf_counter()
    process = start(command(port), {**env, "ASSISTANT_PORT": str(port)}, log)
    try:
        first_answer(f"http://127.0.0.1:{port}", text, process)
        return round(time.perf_counter() - started, 3)
    finally:
        stop(process)


def merge(parts: list[dict]) -> dict:
    """One figure from the halves of a level: all latencies, requests over the summed wall time."""
    latencies = [ms for part in parts for ms in part.pop("_latencies")]
    seconds = sum(part["seconds"] for part in parts)
    merged = {"clients": parts[0]["clients"], "requests": sum(p["requests"] for p in parts),
              "errors": sum(p["errors"] for p in parts), "seconds": round(seconds, 2),
              "throughput_rps": round(len(latencies) / seconds, 2) if seconds else 0.0, **stats(latencies)}
    if all("client_cpu_s" in p for p in parts):
        merged["client_cpu_s"] = round(sum(p["client_cpu_s"] for p in parts), 3)
        merged["client_cpu_ms_per_request"] = ratio(1000 * merged["client_cpu_s"], merged["requests"])
    return merged


def answer_bytes(base: str, info: dict | None, text: str, protocol: str = "two_step") -> int:
    """Size of one answer as sent: the event stream Gradio serialises, or the JSON route's body."""
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        if protocol == "json":
            return len(client.post("/api/search", json={"situation": text}).content)
        event_id = client.post("/gradio_api/call/search", json=payload(info, text)).json()["event_id"]
        return len(client.get(f"/gradio_api/call/search/{event_id}").content)


# --- wrk: the JSON route loaded by a C client -----------------------------------------------------------

WRK_SCRIPT = r"""-- Written by benchmarks/bench.py: POSTs the bundled queries to /api/search in turn.
-- Each text is the inside of a JSON string (JSON-escaped), written as a Lua string literal.
local texts = {
%(texts)s
}
local sent = 0
request = function()
  sent = sent + 1
  -- A number on the end makes every request new, as the httpx client does: no cache answers it.
  local body = '{"situation": "' .. texts[(sent - 1) %% #texts + 1] .. ' ' .. sent .. '"}'
  return wrk.format("POST", "/api/search", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "p50 %%.3f ms p95 %%.3f ms p99 %%.3f ms req/s %%.2f errors %%d requests %%d duration_us %%d " ..
    "status %%d connect %%d read %%d write %%d timeout %%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), e.status + e.connect + e.read + e.write + e.timeout,
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout))
  local parts = {}
  for i = 1, #latency do
    local value, count = latency(i)
    parts[#parts + 1] = value .. ":" .. count
  end
  io.write("latency_us ", table.concat(parts, ","), "\n")
end
"""
WRK_ERRORS = ("status", "connect", "read", "write", "timeout")


def lua_string(text: str) -> str:
    """``text`` as a Lua string literal: printable ASCII as is, every other byte of its UTF-8 (quotes,
    backslashes, control characters, non-ASCII) as a three-digit decimal escape, which any Lua reads."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        out.append(char if 32 <= byte < 127 and char not in '"\\' else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def json_inside(text: str) -> str:
    """The inside of the JSON string for ``text`` (quotes, backslashes and control characters escaped)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def write_wrk_script(texts: list[str], directory: Path) -> Path:
    """The Lua script wrk runs: the texts' JSON bodies posted in turn, the figures written in ``done``."""
    path = Path(directory) / "post.lua"
    lines = ",\n".join(f"  {lua_string(json_inside(text))}" for text in texts)
    path.write_text(WRK_SCRIPT % {"texts": lines}, encoding="utf-8")
    return path


def parse_wrk(output: str) -> dict:
    """The figures the script's ``done`` writes: the line "p50 .. ms p95 .. ms p99 .. ms req/s .. errors .."
    (and, from this script, the request count, duration, each error kind and the latency histogram)."""
    line = next((ln for ln in output.splitlines() if re.match(r"\s*p50 [\d.]+ ms", ln)), None)
    if line is None:
        raise ValueError("no figures from wrk's done()")
    pairs = dict(re.findall(r"([a-z0-9_/]+) (-?[\d.]+(?:e[+-]?\d+)?)", line))
    figures = {"p50_ms": float(pairs["p50"]), "p95_ms": float(pairs["p95"]), "p99_ms": float(pairs["p99"]),
               "throughput_rps": float(pairs["req/s"]), "errors": int(float(pairs["errors"]))}
    if "requests" in pairs and "duration_us" in pairs:
        requests, seconds = int(float(pairs["requests"])), float(pairs["duration_us"]) / 1e6
        figures.update({"requests": requests, "seconds": round(seconds, 2)})
        figures["error_kinds"] = {kind: int(float(pairs.get(kind, 0))) for kind in WRK_ERRORS}
        if seconds:  # answered searches per second, as for httpx: error answers left out
            figures["throughput_rps"] = round((requests - figures["error_kinds"]["status"]) / seconds, 2)
    for ln in output.splitlines():
        if ln.startswith("latency_us "):
            figures["_histogram"] = {int(v): int(c) for v, c in
                                     (pair.split(":") for pair in ln.split(None, 1)[1].split(",") if pair)}
    return figures


def histogram_percentile_ms(histogram: dict[int, int], p: float) -> float | None:
    """The percentile of a wrk latency histogram (microseconds -> count), ranked as wrk ranks it."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = int(p / 100 * total + 0.5 + 0.5), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return round(value / 1000, 3)
    return round(max(histogram) / 1000, 3)


def run_wrk(url: str, script: Path, clients: int, seconds: float) -> dict:
    """One wrk run: one thread, ``clients`` connections, for ``seconds``; its figures and CPU time."""
    command = ["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "30s", "--latency",
               "-s", str(script), url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited with code {done.returncode}: {done.stderr.strip()[-300:]}")
    try:
        figures = parse_wrk(done.stdout)
    except ValueError as error:  # e.g. the script did not load: wrk then sends plain GETs and says so on stderr
        raise ValueError(f"{error}: {done.stderr.strip()[-300:]}") from None
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"clients": clients, **figures, "client_cpu_s": round(cpu, 3)}


def merge_wrk(parts: list[dict]) -> dict:
    """One figure from the halves of a level: the histograms added up, requests over the summed time."""
    histogram: dict[int, int] = {}
    for part in parts:
        for value, count in part.pop("_histogram", {}).items():
            histogram[value] = histogram.get(value, 0) + count
    seconds = sum(p.get("seconds", 0) for p in parts)
    requests = sum(p.get("requests", 0) for p in parts)
    kinds = {kind: sum(p.get("error_kinds", {}).get(kind, 0) for p in parts) for kind in WRK_ERRORS}
    merged = {"clients": parts[0]["clients"], "requests": requests, "errors": sum(p["errors"] for p in parts),
              "error_kinds": kinds, "seconds": round(seconds, 2),
              "throughput_rps": round((requests - kinds["status"]) / seconds, 2) if seconds else 0.0,
              "n": sum(histogram.values())}
    for p in (50, 95, 99):
        merged[f"p{p}_ms"] = histogram_percentile_ms(histogram, p)
    merged["client_cpu_s"] = round(sum(p["client_cpu_s"] for p in parts), 3)
    merged["client_cpu_ms_per_request"] = ratio(1000 * merged["client_cpu_s"], requests)
    return merged


def serve_both_and_load(apps: dict[str, tuple[list[str], dict, int]], log: Path, texts: list[str],
                        protocols: dict[str, list[str]] | None = None, wrk_script: Path | None = None) -> dict:
    """Start the apps, then load each of their protocols in turn, half a level each, twice (ABCABC), so
    all meet the same noise. Returns one entry per app and protocol: "app" for its first protocol,
    "app_protocol" for the others (e.g. "assistant" and "assistant_two_step"), and "_load": the load
    average after each level.

    Protocol "wrk" is the JSON route loaded by wrk with ``wrk_script`` for WRK_SECONDS a level; if wrk
    fails, its entry is {"skipped": reason} and the rest goes on."""
    protocols = {name: (protocols or {}).get(name, ["two_step"]) for name in apps}
    runs = [(name, protocol, name if i == 0 else f"{name}_{protocol}")
            for name in apps for i, protocol in enumerate(protocols[name])]
    processes, infos, skipped, loads = {}, {}, {}, []
    try:
        for name, (command, env, port) in apps.items():
            processes[name] = start(command, env, log)
        for name, protocol, _ in runs:
            base = f"http://127.0.0.1:{apps[name][2]}"
            if name not in infos:
                infos[name] = first_answer(base, texts[0], processes[name])
            if protocol != "wrk":  # wrk loads the JSON route, warmed up by httpx already
                asyncio.run(load_level(base, infos[name], texts, 2, 20, 10, protocol=protocol))  # not reported
        parts: dict[str, dict[str, list]] = {key: {str(c): [] for c in LEVELS} for _, _, key in runs}
        for clients, requests in LEVELS.items():
            for _ in range(2):
                for name, protocol, key in runs:
                    base = f"http://127.0.0.1:{apps[name][2]}"
                    if protocol == "wrk":
                        if key in skipped:
                            continue
                        try:
                            part = run_wrk(f"{base}/api/search", wrk_script, clients, WRK_SECONDS / 2)
                        except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as error:
                            skipped[key] = f"wrk failed: {error}"[:400]
                            continue
                    else:
                        part = asyncio.run(load_level(base, infos[name], texts, clients, requests // 2,
                                                      LEVEL_SECONDS / 2, keep_latencies=True, protocol=protocol))
                    parts[key][str(clients)].append(part)
            loads.append(round(os.getloadavg()[0], 2))
        out: dict = {"_load": loads}
        for name, protocol, key in runs:
            if key in skipped:
                out[key] = {"skipped": skipped[key]}
                continue
            entry = {"client": "wrk" if protocol == "wrk" else "httpx",
                     "protocol": "json" if protocol == "wrk" else protocol,
                     "levels": {c: (merge_wrk if protocol == "wrk" else merge)(v) for c, v in parts[key].items()},
                     "peak_rss_mb": peak_rss_mb(processes[name].pid)}
            if protocol != "wrk":
                entry["answer_bytes"] = answer_bytes(f"http://127.0.0.1:{apps[name][2]}", infos[name], texts[1],
                                                     protocol)
            out[key] = entry
        return out
    finally:
        for process in processes.values():
            stop(process)


def wrk_version(wrk: str) -> str | None:
    try:
        done = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else None


def import_time(modules: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {modules}"], check=True, cwd=ROOT, capture_output=True,
                   env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    return time.perf_counter() - started


# --- the run -------------------------------------------------------------------------------------------

def median(values: list[float]) -> float:
    return round(float(np.median(values)), 3)


def ratio(a, b) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def run(args) -> dict:
    from assistant.config import Settings
    from assistant.corpus.parse import load_corpus

    settings = Settings.from_env()
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    log = scratch / "apps.log"
    passages_file = scratch / "passages.json"
    corpus = load_corpus(settings.corpus_dir)
    passages_file.write_text(json.dumps([{"organisation": p.organisation_id, "text": p.text} for p in corpus.passages]))
    limit = args.queries
    texts = queries(limit)
    report: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "load_before": os.getloadavg()[0]},
                    "queries": len(texts), "rounds": args.rounds, "passages": len(corpus.passages)}
    try:
        # The index the in-process assistant reads: a private copy, so the run never rewrites index/.
        index_dir = scratch / "index"
        shutil.copytree(settings.index_dir, index_dir, ignore=shutil.ignore_patterns(".lock", "onnx"))
        with contextlib.suppress(OSError):  # share the model export: made once, not once per run
            (settings.index_dir / "onnx").mkdir(exist_ok=True)
            (index_dir / "onnx").symlink_to(settings.index_dir.resolve() / "onnx")
        env = {"ASSISTANT_INDEX": str(index_dir)}
        say = print if not args.json_only else (lambda *_: None)
        say("in process: assistant alone ...")
        report["assistant"] = run_worker("assistant", [str(limit or 0), str(args.rounds)], env)
        say("in process: assistant and plain baseline, each in its own process, in turn by blocks of queries ...")
        paired = run_in_turn(limit, args.rounds, passages_file, env, log)
        report["assistant"].update(paired["assistant"])
        report["baseline"] = paired["baseline"]
        report["median_of_per_query_ratios"] = paired["median_of_per_query_ratios"]
        if not args.quick:
            say("in process: assistant on the sentence-transformers path ...")
            st_path = run_in_turn(limit, 1, passages_file, {**env, "ASSISTANT_FAST_PATH": "0"}, log)  # one pass
            report["assistant_st"] = {**st_path["assistant"], "baseline_in_turn": st_path["baseline"]["search"]}
            app = [sys.executable, str(ROOT / "app.py")]
            plain = [sys.executable, str(PLAIN_APP), str(passages_file)]
            app_at = lambda port: app  # noqa: E731 - the app reads ASSISTANT_PORT
            plain_at = lambda port: [*plain, str(port)]  # noqa: E731
            cold: dict = {}
            say("cold start: nothing built yet (index and model export) ...")
            fresh = scratch / "fresh-index"
            cold["app_no_index_no_model_cache_s"] = cold_start(app_at, {"ASSISTANT_INDEX": str(fresh)}, log, texts[0])
            say("cold start: model cache kept, no index ...")
            no_index = scratch / "no-index"
            shutil.copytree(fresh / "onnx", no_index / "onnx")
            cold["app_no_index_s"] = cold_start(app_at, {"ASSISTANT_INDEX": str(no_index)}, log, texts[0])
            say("cold start: prebuilt index (3 times), plain app (3 times), bare imports (3 times) ...")
            prebuilt, plains, imports = [], [], []
            for _ in range(3):
                prebuilt.append(cold_start(app_at, {"ASSISTANT_INDEX": str(fresh)}, log, texts[0]))
                plains.append(cold_start(plain_at, {}, log, texts[0]))
                imports.append(import_time("sentence_transformers, gradio"))
            cold.update({"app_prebuilt_index_s": median(prebuilt), "app_prebuilt_index_all_s": prebuilt,
                         "plain_app_s": median(plains), "plain_app_all_s": plains,
                         "import_sentence_transformers_and_gradio_s": median(imports)})
            report["cold_start"] = cold
            wrk = shutil.which("wrk")
            report["wrk"] = {"available": bool(wrk), "version": wrk_version(wrk) if wrk else None,
                             "note": (f"JSON route also loaded by wrk, {WRK_SECONDS} s a level; {WRK_NO_TWO_STEP}"
                                      if wrk else WRK_MISSING)}
            if not wrk:
                say(f"{WRK_MISSING}: the wrk rows are skipped")
            say("HTTP: assistant (JSON route by httpx" + (" and by wrk" if wrk else "") + ", two-step by httpx) "
                "and plain Gradio app (two-step by httpx) in turn, at 1, 8, 32 clients ...")
            mine, theirs = free_port(), free_port()
            http = serve_both_and_load({
                "assistant": (app, {"ASSISTANT_INDEX": str(fresh), "ASSISTANT_PORT": str(mine),
                                    "ASSISTANT_QUERY_CACHE": "0"}, mine),
                "baseline": (plain_at(theirs), {}, theirs)}, log, texts,
                protocols={"assistant": ["json", "two_step", *(["wrk"] if wrk else [])]},
                wrk_script=write_wrk_script(texts, scratch) if wrk else None)
            report["machine"]["load_after_each_http_level"] = http.pop("_load")
            # http_assistant: the fastest documented way (the JSON route) by httpx; http_assistant_two_step:
            # Gradio's; http_assistant_wrk: the JSON route by wrk; http_baseline: two-step by httpx only.
            report["http_assistant"], report["http_baseline"] = http["assistant"], http["baseline"]
            report["http_baseline"]["note"] = WRK_NO_TWO_STEP
            report["http_assistant_two_step"] = http["assistant_two_step"]
            if wrk:
                report["http_assistant_wrk"] = http["assistant_wrk"]
                if "skipped" in http["assistant_wrk"]:
                    report["wrk"]["note"] = http["assistant_wrk"]["skipped"]
        report["machine"]["load_after"] = os.getloadavg()[0]
        report["ratios"] = ratios(report)
        report["targets"] = targets(report)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def ratios(report: dict) -> dict:
    a, b = report["assistant"], report["baseline"]
    out = {"median_of_per_query_ratios": report["median_of_per_query_ratios"]}
    out.update({"search_p50_vs_baseline": ratio(a["search"]["p50_ms"], b["search"]["p50_ms"]),
           "search_p95_vs_baseline": ratio(a["search"]["p95_ms"], b["search"]["p95_ms"]),
           "repeated_p50_vs_baseline": ratio(a["search_repeated"]["p50_ms"], b["search"]["p50_ms"]),
           "embed_p50_vs_baseline": ratio(a["embed_only"]["p50_ms"], b["embed_only"]["p50_ms"]),
           "build_vs_baseline": ratio(a["build_s"], b["build_s"])})
    cold = report.get("cold_start")
    if cold:
        out["cold_prebuilt_vs_imports"] = ratio(cold["app_prebuilt_index_s"],
                                                cold["import_sentence_transformers_and_gradio_s"])
        out["cold_prebuilt_vs_plain_app"] = ratio(cold["app_prebuilt_index_s"], cold["plain_app_s"])
    if "http_assistant" in report:
        ha, hb = report["http_assistant"]["levels"], report["http_baseline"]["levels"]
        out["http_1_p50_vs_baseline_in_process_p50"] = ratio(ha["1"].get("p50_ms"), b["search"]["p50_ms"])
        for c in ha:
            out[f"http_{c}_p50_vs_baseline"] = ratio(ha[c].get("p50_ms"), hb[c].get("p50_ms"))
            out[f"http_{c}_throughput_vs_baseline"] = ratio(ha[c]["throughput_rps"], hb[c]["throughput_rps"])
        two = report.get("http_assistant_two_step", {}).get("levels")
        if two:
            out["http_two_step_1_p50_vs_baseline_in_process_p50"] = ratio(two["1"].get("p50_ms"),
                                                                          b["search"]["p50_ms"])
            for c in two:
                out[f"http_two_step_{c}_p50_vs_baseline"] = ratio(two[c].get("p50_ms"), hb[c].get("p50_ms"))
                out[f"http_{c}_p50_json_vs_two_step"] = ratio(ha[c].get("p50_ms"), two[c].get("p50_ms"))
        wrk = wrk_levels(report)
        if wrk:
            out["http_wrk_1_p50_vs_baseline_in_process_p50"] = ratio(wrk["1"].get("p50_ms"), b["search"]["p50_ms"])
            for c in wrk:
                for p in ("p50", "p95"):
                    out[f"http_wrk_{c}_{p}_vs_httpx_json"] = ratio(wrk[c].get(f"{p}_ms"), ha[c].get(f"{p}_ms"))
                out[f"http_wrk_{c}_throughput_vs_httpx_json"] = ratio(wrk[c]["throughput_rps"],
                                                                      ha[c]["throughput_rps"])
        out["peak_rss_vs_baseline"] = ratio(report["http_assistant"]["peak_rss_mb"],
                                            report["http_baseline"]["peak_rss_mb"])
    return out


def wrk_levels(report: dict) -> dict | None:
    """The JSON route's figures under wrk, by clients, or None when wrk did not run."""
    return report.get("http_assistant_wrk", {}).get("levels")


HTTP_TARGETS = {"http_sequential_p50_at_most_1.2_of_baseline_in_process_p50": 1.2,
                "http_8_clients_p95_at_most_50_ms": 50.0, "http_8_clients_no_errors": 0}


def http_target_figures(levels: dict, baseline_in_process_p50: float) -> dict:
    return {"http_sequential_p50_at_most_1.2_of_baseline_in_process_p50": ratio(levels["1"]["p50_ms"],
                                                                                baseline_in_process_p50),
            "http_8_clients_p95_at_most_50_ms": levels["8"]["p95_ms"],
            "http_8_clients_no_errors": levels["8"]["errors"]}


def targets(report: dict) -> dict:
    """Issue 6's targets, each with the figure measured in this run and whether it was met.

    The HTTP targets are judged on the JSON route, the fastest documented way: loaded by wrk when it ran
    (the server's own latency, without a Python client's CPU on the same two cores), else by httpx. With
    wrk, the httpx figures are reported beside, under the same names ending in "_httpx"."""
    a, b = report["assistant"], report["baseline"]
    found = {"in_process_p50_at_most_5_ms": a["search"]["p50_ms"],
             "in_process_p50_at_most_half_the_baseline": report["ratios"]["search_p50_vs_baseline"]}
    limits = {"in_process_p50_at_most_5_ms": 5.0, "in_process_p50_at_most_half_the_baseline": 0.5}
    judged_on: dict[str, str] = {}
    cold = report.get("cold_start")
    if cold:
        found["start_to_first_answer_at_most_0.6_of_imports"] = report["ratios"]["cold_prebuilt_vs_imports"]
        limits["start_to_first_answer_at_most_0.6_of_imports"] = 0.6
    if "http_assistant" in report:
        wrk, httpx_levels = wrk_levels(report), report["http_assistant"]["levels"]
        for name, value in http_target_figures(wrk or httpx_levels, b["search"]["p50_ms"]).items():
            found[name], limits[name] = value, HTTP_TARGETS[name]
            judged_on[name] = "JSON route, wrk (C client)" if wrk else "JSON route, httpx (Python client)"
        if wrk:
            for name, value in http_target_figures(httpx_levels, b["search"]["p50_ms"]).items():
                found[f"{name}_httpx"], limits[f"{name}_httpx"] = value, HTTP_TARGETS[name]
                judged_on[f"{name}_httpx"] = ("JSON route, httpx (Python client); reported beside, "
                                              "the wrk figure is the verdict")
    return {name: {"measured": found[name], "limit": limits[name],
                   "met": found[name] is not None and found[name] <= limits[name],
                   **({"judged_on": judged_on[name]} if name in judged_on else {})}
            for name in found}


def table(report: dict) -> str:
    a, b, s = report["assistant"], report["baseline"], report.get("assistant_st")
    rows = [("measure", "assistant", "plain baseline", "ratio"),
            ("path", a["path"], "sentence-transformers", ""),
            ("torch imported to serve", str(a["torch_imported"]), "True", "")]
    for key, label in (("search", "search, in process (in turn)"), ("embed_only", "model alone (in turn)"),
                       ("search_repeated", "search, repeated query")):
        for p in ("p50", "p95", "p99"):
            mine, base = a[key][f"{p}_ms"], b["search" if key == "search_repeated" else key][f"{p}_ms"]
            rows.append((f"{label} {p} ms", f"{mine:.2f}", f"{base:.2f}", f"{mine / base:.2f}"))
    rows.append(("  median of per-query ratios", "", "", f"{report['median_of_per_query_ratios']:.2f}"))
    if s:
        mine, base = s["search"]["p50_ms"], s["baseline_in_turn"]["p50_ms"]
        rows.append(("search on the s-t path p50 ms", f"{mine:.2f}", f"{base:.2f}", f"{mine / base:.2f}"))
    rows.append(("index build s", f"{a['build_s']:.2f}", f"{b['build_s']:.2f}", f"{a['build_s'] / b['build_s']:.2f}"))
    cold = report.get("cold_start")
    if cold:
        imports = cold["import_sentence_transformers_and_gradio_s"]
        rows.append(("start to first answer, index built s", f"{cold['app_prebuilt_index_s']:.2f}",
                     f"{cold['plain_app_s']:.2f}", f"{cold['app_prebuilt_index_s'] / cold['plain_app_s']:.2f}"))
        rows.append(("  vs import s-t + gradio s", f"{cold['app_prebuilt_index_s']:.2f}", f"{imports:.2f}",
                     f"{cold['app_prebuilt_index_s'] / imports:.2f}"))
        rows.append(("start, no index (model cached) s", f"{cold['app_no_index_s']:.2f}", "", ""))
        rows.append(("start, nothing built (export too) s", f"{cold['app_no_index_no_model_cache_s']:.2f}", "", ""))
    if "http_assistant" in report:
        ha, hb = report["http_assistant"], report["http_baseline"]
        ways = [("JSON route", ha)]
        if "http_assistant_two_step" in report:
            ways.append(("two-step", report["http_assistant_two_step"]))
        for way, side in ways:
            rows.append((f"HTTP, httpx (Python client): assistant {way} vs plain two-step", "", "", ""))
            for c, mine in side["levels"].items():
                base = hb["levels"][c]
                for p in ("p50", "p95", "p99"):
                    if f"{p}_ms" in mine and f"{p}_ms" in base:
                        rows.append((f"  {c} clients {p} ms", f"{mine[f'{p}_ms']:.1f}", f"{base[f'{p}_ms']:.1f}",
                                     f"{mine[f'{p}_ms'] / base[f'{p}_ms']:.2f}"))
                rows.append((f"  {c} clients req/s (errors)", f"{mine['throughput_rps']:.1f} ({mine['errors']})",
                             f"{base['throughput_rps']:.1f} ({base['errors']})",
                             f"{ratio(mine['throughput_rps'], base['throughput_rps'])}"))
            rows.append((f"  bytes in one answer ({way})", f"{side['answer_bytes']}", f"{hb['answer_bytes']}",
                         f"{ratio(side['answer_bytes'], hb['answer_bytes'])}"))
        wrk = wrk_levels(report)
        if wrk:
            rows.append(("HTTP, JSON route, wrk (C client)", "assistant", "baseline: n/a *", "wrk / httpx"))
            for c, mine in wrk.items():
                theirs = ha["levels"][c]
                for p in ("p50", "p95", "p99"):
                    if mine.get(f"{p}_ms") is not None:
                        rows.append((f"  {c} clients {p} ms", f"{mine[f'{p}_ms']:.1f}", "",
                                     f"{ratio(mine[f'{p}_ms'], theirs.get(f'{p}_ms'))}"))
                rows.append((f"  {c} clients req/s (errors)", f"{mine['throughput_rps']:.1f} ({mine['errors']})", "",
                             f"{ratio(mine['throughput_rps'], theirs['throughput_rps'])}"))
                rows.append((f"  {c} clients client CPU ms/request", f"{mine.get('client_cpu_ms_per_request')}", "",
                             f"{ratio(mine.get('client_cpu_ms_per_request'), theirs.get('client_cpu_ms_per_request'))}"))
            rows.append(("  * wrk cannot follow the two-step protocol:", "the baseline and", "two-step rows", ""))
            rows.append(("    (POST, then GET of its event stream)", "stay on httpx", "", ""))
        else:
            note = report.get("wrk", {}).get("note", WRK_MISSING)
            rows.append(("HTTP, JSON route, wrk (C client)", "skipped", note, ""))
        rows.append(("app peak RSS MB", f"{ha['peak_rss_mb']}", f"{hb['peak_rss_mb']}",
                     f"{ratio(ha['peak_rss_mb'], hb['peak_rss_mb'])}"))
    for name, target in report.get("targets", {}).items():
        client = target.get("judged_on", "")
        client = "" if name.endswith("_httpx") or not client else " (wrk)" if "wrk" in client else " (httpx)"
        rows.append((f"target {name}{client}", f"{target['measured']}", f"limit {target['limit']}",
                     ("met" if target["met"] else "NOT met") + (" (beside)" if name.endswith("_httpx") else "")))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the help finder beside a plain baseline.")
    parser.add_argument("--quick", action="store_true", help="in process only (no HTTP, no cold starts)")
    parser.add_argument("--queries", type=int, default=None, help="use only the first N bundled queries")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the queries in process")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"), help="folder for the JSON")
    parser.add_argument("--json-only", action="store_true", help="print only the path of the JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.worker:
        if args.worker == "assistant":
            limit, rounds = int(rest[0]) or None, int(rest[1])
            print(json.dumps(worker_assistant(limit, rounds)))
        else:
            worker_side(rest[0], int(rest[1]) or None, rest[2])
        return 0
    report = run(args)
    report["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(report, indent=1))
    if not args.json_only:
        print(table(report))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
