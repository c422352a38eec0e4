"""Benchmarks, one job a module; each script is run as ``python benchmarks/<name>.py`` and writes its figures
to ``benchmarks/results/<kind>-<time>.json`` (through ``common.write_results``).

    bench.py         the assistant beside a plain sentence-transformers + FAISS build: in process, cold start,
                     HTTP (its parts: inprocess.py, cold_start.py, http_load.py, wrk.py, bench_report.py)
    scaling.py       the whole search on synthetic corpora of 10k-100k passages (synthetic.py builds them)
    index_types.py   FAISS alone: exact, HNSW and IVF indexes on 10k-1M synthetic vectors
    paths.py         each road through the search (dense, rules, learned) in English and other languages
    learning.py, learning_curve.py   the learned layer's settings by cross-validation, and its learning curve
    common.py        shared: the bundled situations, timing, percentiles, ratios, tables, results files
"""
