"""The benchmark runs and writes the figures it promises (the in-process part, a handful of queries), and
its wrk helpers write a Lua script that carries any text intact and read wrk's figures back (no wrk
needed: the script's content and a sample of its output are checked, wrk itself is never run here)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys

import pytest

from .conftest import ROOT

QUERIES = ROOT / "assistant" / "evaldata" / "queries.jsonl"
TRICKY = ['say "stop" to him', "back\\slash and \\u00e9 as typed", "naïve café, Šiauliai, Žemaitija",
          "日本語 and emoji 🙂", "two\nlines\tand a tab", "\\", '"', "ends with a backslash \\",
          "]] ]=] --[[ not a comment", "%d %s %% are not formats", "\u2028 line separator", "\x7f delete"]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_under_test", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lua_strings(script: str) -> list[bytes]:
    """The double-quoted string literals of the texts table, decoded as Lua decodes them."""
    table = script.split("local texts = {", 1)[1].split("\n}\n", 1)[0]
    out = []
    for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', table):
        assert re.fullmatch(r'(?:[ !#-\[\]-~]|\\\d{3})*', literal), literal  # printable ASCII or \ddd
        out.append(re.sub(rb"\\(\d{3})", lambda m: bytes([int(m[1])]), literal.encode("ascii")))
    return out


def test_lua_script_carries_every_text_intact(tmp_path):
    bench = load_bench()
    texts = TRICKY + [json.loads(line)["text"] for line in QUERIES.read_text(encoding="utf-8").splitlines()[:20]]
    path = bench.write_wrk_script(texts, tmp_path)
    script = path.read_text(encoding="utf-8")
    assert script.isascii(), "every byte outside printable ASCII is a decimal escape"
    decoded = lua_strings(script)
    assert len(decoded) == len(texts)
    for text, inside in zip(texts, decoded):
        # The request body is '{"situation": "' .. inside .. ' ' .. n .. '"}': valid JSON, the text intact.
        body = b'{"situation": "' + inside + b' 7"}'
        assert json.loads(body.decode("utf-8")) == {"situation": f"{text} 7"}
    assert 'wrk.format("POST", "/api/search"' in script and "done = function" in script


def test_parse_reads_the_done_line():
    bench = load_bench()
    hand_made = "p50 5.9 ms p95 10.8 ms p99 14.2 ms req/s 222.3 errors 0\n"
    assert bench.parse_wrk("Running 10s test @ http://127.0.0.1:7860/api/search\n" + hand_made) == {
        "p50_ms": 5.9, "p95_ms": 10.8, "p99_ms": 14.2, "throughput_rps": 222.3, "errors": 0}
    ours = ("  Latency Distribution\n     50%    5.90ms\n"
            "p50 35.000 ms p95 52.125 ms p99 60.000 ms req/s 222.00 errors 3 requests 2220 duration_us 10000000 "
            "status 2 connect 0 read 1 write 0 timeout 0\nlatency_us 30000:1000,35000:200,52125:1000,60000:20\n")
    figures = bench.parse_wrk(ours)
    assert figures["errors"] == 3 and figures["requests"] == 2220 and figures["seconds"] == 10.0
    assert figures["error_kinds"] == {"status": 2, "connect": 0, "read": 1, "write": 0, "timeout": 0}
    assert figures["throughput_rps"] == 221.8  # answered searches a second: the 2 error answers left out
    assert figures["_histogram"] == {30000: 1000, 35000: 200, 52125: 1000, 60000: 20}
    with pytest.raises(ValueError):
        bench.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_halves_merge_on_their_histograms():
    bench = load_bench()
    half = {"clients": 8, "errors": 0, "requests": 100, "seconds": 5.0, "client_cpu_s": 0.05,
            "error_kinds": dict.fromkeys(bench.WRK_ERRORS, 0)}
    merged = bench.merge_wrk([{**half, "_histogram": {1000 * ms: 1 for ms in range(1, 101)}},
                              {**half, "_histogram": {1000 * ms: 1 for ms in range(101, 201)}}])
    assert merged["n"] == 200 and merged["requests"] == 200 and merged["throughput_rps"] == 20.0
    # Ranked as wrk ranks: the first value whose running count reaches round(p% of n + 0.5).
    assert (merged["p50_ms"], merged["p95_ms"], merged["p99_ms"]) == (101.0, 191.0, 199.0)
    assert merged["client_cpu_ms_per_request"] == 0.5 and "_histogram" not in merged


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
