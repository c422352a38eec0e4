"""Cold start: seconds from starting an app to its first answered search, and the bare imports beside."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT
from benchmarks.http_load import first_answer, free_port, start, stop


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



def import_time(modules: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {modules}"], check=True, cwd=ROOT, capture_output=True,
                   env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    return time.perf_counter() - started

