"""wrk, a C load generator, on the JSON route: the Lua script it runs (any text carried intact), its figures
read back, and the halves of a level merged on their latency histograms.

wrk costs the 2-core machine little (about 0.1 ms of CPU a request), so its figures are the server's own
rather than the server's plus a Python client's. It cannot follow Gradio's two-step protocol (a POST, then
a GET of the event stream it names).
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
from pathlib import Path

from benchmarks.common import ratio

WRK_SECONDS = 10  # seconds wrk loads the JSON route at each level (in two halves, like httpx)
WRK_MISSING = "wrk not installed (apt-get install wrk)"
WRK_NO_TWO_STEP = ("wrk cannot follow Gradio's two-step protocol (POST, then GET of the event stream), "
                   "so the two-step rows and the plain baseline stay on httpx")


WRK_SCRIPT = r"""-- Written by benchmarks/wrk.py for bench.py: POSTs the bundled queries to /api/search in turn.
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



def wrk_version(wrk: str) -> str | None:
    try:
        done = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else None

