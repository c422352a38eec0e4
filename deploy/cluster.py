"""Two app processes behind Debian's nginx on loopback, a bounded load test, and the ratio against one.

    python deploy/cluster.py                      # 1 process and 2, each behind nginx, loaded in turn
    python deploy/cluster.py --processes 3 --clients 32

Needs nginx (``apt-get install nginx``). Everything listens on 127.0.0.1 only; the load comes from
127.0.0.2..127.0.0.33, so the proxy, sticky by client address, sees 32 people rather than one.
Both sets go through nginx, so the proxy costs the same in each, and they are loaded in turn (half a
level each, twice), so both meet the same noise from the shared machine. Writes
benchmarks/results/cluster-<time>.json (timings and counts only).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import re
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


def write_config(prefix: Path, listen: int, ports: list[int], rate_limits: bool = True) -> Path:
    """nginx.conf from the template; ``rate_limits=False`` for a load test, whose every client address
    sends far more than one person's 120 searches a minute."""
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=0;" for port in ports)
    text = (HERE / "nginx.conf.template").read_text()
    if not rate_limits:
        text = re.sub(r"^ *limit_req zone=.*\n", "", text, flags=re.M)
    text = text.replace("{{PREFIX}}", str(prefix)).replace("{{SERVERS}}", servers)
    text = text.replace("{{LISTEN}}", f"127.0.0.1:{listen}")
    path = prefix / "nginx.conf"
    path.write_text(text)
    return path


class Setup:
    """N app processes behind one nginx, all on loopback."""

    def __init__(self, processes: int, threads: int | None, index_dir: Path, scratch: Path):
        self.processes, self.threads = processes, threads
        self.ports = [bench.free_port() for _ in range(processes)]
        # A load test: each client address sends far more than one person's 120 searches a minute.
        self.env = {"ASSISTANT_INDEX": str(index_dir), "ASSISTANT_QUERY_CACHE": "0", "ASSISTANT_HOST": "127.0.0.1",
                    "ASSISTANT_CLIENT_PER_MINUTE": "0"}
        if threads:
            self.env["ASSISTANT_MODEL_THREADS"] = str(threads)
        self.log, self.prefix = scratch / "apps.log", scratch / f"nginx-{processes}"
        self.apps: list[subprocess.Popen] = []
        self.proxy: subprocess.Popen | None = None
        self.parts: dict[str, list[dict]] = collections.defaultdict(list)

    def start(self, texts: list[str]) -> None:
        for port in self.ports:
            self.apps.append(bench.start([sys.executable, str(ROOT / "app.py")],
                                         {**self.env, "ASSISTANT_PORT": str(port)}, self.log))
        for port, app in zip(self.ports, self.apps):
            self.info = bench.first_answer(f"http://127.0.0.1:{port}", texts[0], app)
        listen = bench.free_port()
        config = write_config(self.prefix, listen, self.ports, rate_limits=False)
        self.proxy = subprocess.Popen(["nginx", "-p", str(self.prefix), "-c", str(config), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        self.base = f"http://127.0.0.1:{listen}"
        bench.first_answer(self.base, texts[0], self.proxy)
        asyncio.run(bench.load_level(self.base, self.info, texts, 4, 40, 10, SOURCES))  # warm-up, not reported
        (self.prefix / "access.log").write_text("")
        os.kill(self.proxy.pid, signal.SIGUSR1)  # reopen the log: only the measured requests are counted

    def load(self, texts: list[str], clients: int, requests: int, seconds: float) -> None:
        self.parts[str(clients)].append(asyncio.run(
            bench.load_level(self.base, self.info, texts, clients, requests, seconds, SOURCES, keep_latencies=True)))

    def figures(self) -> dict:
        served = collections.Counter(line.split()[0] for line in (self.prefix / "access.log").read_text().splitlines()
                                     if line.strip())
        return {"processes": self.processes, "model_threads": self.threads or "one per core",
                "levels": {c: bench.merge(parts) for c, parts in self.parts.items()},
                "http_requests_per_process": sorted(served.values(), reverse=True),  # a search is a POST and a GET
                "peak_rss_mb": [bench.peak_rss_mb(app.pid) for app in self.apps]}

    def stop(self) -> None:
        if self.proxy is not None:
            bench.stop(self.proxy)
        for app in self.apps:
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
        threads = max(1, cores // args.processes)
        one = Setup(1, None, index_dir, scratch)
        many = Setup(args.processes, threads, index_dir, scratch)
        try:
            print(f"starting 1 process ({cores} model threads) and {args.processes} processes ({threads} each), "
                  "each set behind its own nginx ...")
            one.start(texts)
            many.start(texts)
            print("loading them in turn, half a level each, twice ...")
            for clients, requests in levels.items():
                for _ in range(2):
                    for setup in (one, many):
                        setup.load(texts, clients, requests // 2, args.seconds / 2)
            one_figures, many_figures = one.figures(), many.figures()
        finally:
            one.stop()
            many.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    one, many = one_figures, many_figures
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
