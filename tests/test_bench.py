"""The benchmark runs and writes the figures it promises (the in-process part, a handful of queries)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

QUERIES = ROOT / "assistant" / "evaldata" / "queries.jsonl"


@pytest.mark.slow
def test_quick_benchmark_writes_its_json(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--quick", "--queries", "5",
                           "--rounds", "1", "--out", str(tmp_path), "--json-only"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    [path] = tmp_path.glob("bench-*-quick.json")
    report = json.loads(path.read_text())
    for side in ("assistant", "baseline"):
        for figure in ("search", "embed_only"):
            assert report[side][figure]["n"] == 5
            figures = report[side][figure]
            assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
        assert report[side]["build_s"] > 0
    assert report["assistant"]["search_repeated"]["n"] == 5
    assert {"search_p50_vs_baseline", "embed_p50_vs_baseline", "build_vs_baseline"} <= set(report["ratios"])
    assert report["queries"] == 5 and report["passages"] > 0
    assert report["targets"]["in_process_p50_at_most_half_the_baseline"]["limit"] == 0.5
    text = path.read_text()
    for line in QUERIES.read_text().splitlines()[:5]:
        assert json.loads(line)["text"] not in text, "no query text in the results"
