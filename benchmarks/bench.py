"""Benchmark the help finder against a plain sentence-transformers + FAISS build, side by side, in one run.

    python benchmarks/bench.py                 # everything: in process, cold start, HTTP at 1/8/32 clients
    python benchmarks/bench.py --quick         # in process only, a handful of queries (the smoke test)
    python benchmarks/scaling.py               # the whole search on 10k-100k synthetic passages (separate)

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

Its parts, one job each: ``common.py`` (timing, figures, results files), ``inprocess.py`` (in-process
latency, in turn), ``http_load.py`` (httpx load), ``wrk.py`` (wrk load), ``cold_start.py`` and
``bench_report.py`` (ratios, targets, the table).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: its assistant and benchmarks

from benchmarks.bench_report import ratios, table, targets  # noqa: E402
from benchmarks.cold_start import cold_start, import_time  # noqa: E402
from benchmarks.common import RESULTS, ROOT, machine, median, queries, write_results  # noqa: E402
from benchmarks.http_load import free_port, serve_both_and_load  # noqa: E402
from benchmarks.inprocess import PLAIN_APP, run_in_turn, run_worker  # noqa: E402
from benchmarks.wrk import (  # noqa: E402, F401 - parse_wrk, merge_wrk, WRK_ERRORS: tests/test_bench.py reads them here
    WRK_ERRORS,
    WRK_MISSING,
    WRK_NO_TWO_STEP,
    WRK_SECONDS,
    merge_wrk,
    parse_wrk,
    write_wrk_script,
    wrk_version,
)


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
    report: dict = {"machine": machine(), "queries": len(texts), "rounds": args.rounds,
                    "passages": len(corpus.passages)}
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



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the help finder beside a plain baseline.")
    parser.add_argument("--quick", action="store_true", help="in process only (no HTTP, no cold starts)")
    parser.add_argument("--queries", type=int, default=None, help="use only the first N bundled queries")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the queries in process")
    parser.add_argument("--out", default=str(RESULTS), help="folder for the JSON")
    parser.add_argument("--json-only", action="store_true", help="print only the path of the JSON")
    args = parser.parse_args(argv)
    report = run(args)
    path = write_results("bench", report, args.out, "-quick" if args.quick else "")
    if not args.json_only:
        print(table(report))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
