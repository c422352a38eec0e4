"""Load over HTTP: the assistant's JSON route and Gradio's two-step protocol driven by httpx clients, apps
started and stopped, and several apps loaded in turn, level by level, so all meet the same noise.

Every request loop is bounded in count and time and sends traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from benchmarks.common import ROOT, ratio, stats
from benchmarks.wrk import WRK_SECONDS, merge_wrk, run_wrk

LEVELS = {1: 60, 8: 160, 32: 320}  # concurrent clients: requests sent at that level
LEVEL_SECONDS = 30.0  # and no level runs longer than this


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

