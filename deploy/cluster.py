"""Two app processes behind Debian's nginx on loopback, a bounded load test, and the ratio against one.

    python deploy/cluster.py                      # 1 process, then 2, behind nginx; 8 and 32 clients
    python deploy/cluster.py --processes 3 --clients 32

Needs nginx (``apt-get install nginx``). Everything listens on 127.0.0.1 only; the load comes from
127.0.0.2..127.0.0.33, so the proxy, sticky by client address, sees 32 people rather than one.
Both runs go through nginx, so the proxy costs the same in each. Writes
benchmarks/results/cluster-<time>.json (timings and counts only).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench  # noqa: E402 - the benchmark's HTTP client and process helpers

SOURCES = [f"127.0.0.{i}" for i in range(2, 34)]


def write_config(prefix: Path, listen: int, ports: list[int]) -> Path:
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=0;" for port in ports)
    text = (HERE / "nginx.conf.template").read_text()
    text = text.replace("{{PREFIX}}", str(prefix)).replace("{{SERVERS}}", servers)
    text = text.replace("{{LISTEN}}", f"127.0.0.1:{listen}")
    path = prefix / "nginx.conf"
    path.write_text(text)
    return path


def run_setup(processes: int, threads: int | None, index_dir: Path, scratch: Path, texts: list[str],
              levels: dict[int, int], seconds: float) -> dict:
    """Start the app processes and nginx, load them through nginx, stop everything; the figures."""
    log = scratch / "apps.log"
    ports = [bench.free_port() for _ in range(processes)]
    env = {"ASSISTANT_INDEX": str(index_dir), "ASSISTANT_QUERY_CACHE": "0", "ASSISTANT_HOST": "127.0.0.1"}
    if threads:
        env["ASSISTANT_MODEL_THREADS"] = str(threads)
    apps, proxy = [], None
    prefix = scratch / f"nginx-{processes}"
    try:
        for port in ports:
            apps.append(bench.start([sys.executable, str(ROOT / "app.py")], {**env, "ASSISTANT_PORT": str(port)}, log))
        for port, app in zip(ports, apps):
            info = bench.first_answer(f"http://127.0.0.1:{port}", texts[0], app)
        listen = bench.free_port()
        config = write_config(prefix, listen, ports)
        proxy = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(config), "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{listen}"
        bench.first_answer(base, texts[0], proxy)
        asyncio.run(bench.load_level(base, info, texts, 4, 40, 10, SOURCES))  # warm-up, not reported
        (prefix / "access.log").write_text("")
        os.kill(proxy.pid, signal.SIGUSR1)  # reopen the log: only the measured requests are counted
        time.sleep(0.2)
        result = {"processes": processes, "model_threads": threads or "one per core", "levels": {}}
        for clients, requests in levels.items():
            result["levels"][str(clients)] = asyncio.run(
                bench.load_level(base, info, texts, clients, requests, seconds, SOURCES))
        served = collections.Counter(line.split()[0] for line in (prefix / "access.log").read_text().splitlines()
                                     if line.strip())
        result["http_requests_per_process"] = sorted(served.values(), reverse=True)  # a search is a POST and a GET
        result["peak_rss_mb"] = [bench.peak_rss_mb(app.pid) for app in apps]
        return result
    finally:
        if proxy is not None:
            bench.stop(proxy)
        for app in apps:
            bench.stop(app)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--clients", default="8,32", help="concurrent clients per level")
    parser.add_argument("--requests", type=int, default=400, help="requests per level at most")
    parser.add_argument("--seconds", type=float, default=30, help="seconds per level at most")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args()
    if shutil.which("nginx") is None:
        print("nginx is not installed: apt-get install nginx", file=sys.stderr)
        return 2
    from assistant.config import Settings

    levels = {int(c): args.requests for c in args.clients.split(",")}
    texts = bench.queries()
    scratch = Path(tempfile.mkdtemp(prefix="cluster-"))
    try:
        index_dir = scratch / "index"
        shutil.copytree(Settings.from_env().index_dir, index_dir, ignore=shutil.ignore_patterns(".lock"))
        cores = os.cpu_count() or 1
        print(f"one process behind nginx, {cores} model threads ...")
        one = run_setup(1, None, index_dir, scratch, texts, levels, args.seconds)
        threads = max(1, cores // args.processes)
        print(f"{args.processes} processes behind nginx, {threads} model thread(s) each ...")
        many = run_setup(args.processes, threads, index_dir, scratch, texts, levels, args.seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report = {"cores": os.cpu_count(), "one": one, "many": many, "throughput_ratio": {
        c: bench.ratio(many["levels"][c]["throughput_rps"], one["levels"][c]["throughput_rps"]) for c in one["levels"]}}
    print(f"{'clients':>8} {'1 proc req/s':>13} {'p50 ms':>8} {'p95 ms':>8}  {args.processes} procs req/s "
          f"{'p50 ms':>8} {'p95 ms':>8}  ratio  errors")
    for c in one["levels"]:
        a, b = one["levels"][c], many["levels"][c]
        print(f"{c:>8} {a['throughput_rps']:>13.1f} {a.get('p50_ms', 0):>8.1f} {a.get('p95_ms', 0):>8.1f}  "
              f"{b['throughput_rps']:>12.1f} {b.get('p50_ms', 0):>8.1f} {b.get('p95_ms', 0):>8.1f}  "
              f"{report['throughput_ratio'][c]:>5}  {a['errors']}/{b['errors']}")
    print(f"HTTP requests per process: {many['http_requests_per_process']}; peak RSS MB: {many['peak_rss_mb']}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"cluster-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
