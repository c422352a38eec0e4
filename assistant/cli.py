"""The ``assistant`` command: build the index, search, list organisations, evaluate."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

from assistant.config import EVALDATA, Settings
from assistant.corpus.parse import CorpusError, corpus_files, fingerprint
from assistant.index.embedders import ModelError
from assistant.index.store import IndexProblem
from assistant.retrieval.ranking import DEFAULT_MODE, MODES
from assistant.web.nesting import too_deep


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Find organisations that help victims of crime.")
    parser.add_argument("--corpus", dest="corpus_dir", help="corpus folder (ASSISTANT_CORPUS)")
    parser.add_argument("--index", dest="index_dir", help="index folder (ASSISTANT_INDEX)")
    parser.add_argument("--model", help="sentence-transformers model name or path (ASSISTANT_MODEL)")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="embed the corpus into the index")
    build.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")

    search = commands.add_parser("search", help="rank organisations for a situation")
    search.add_argument("text", nargs="?", help="the situation, in your own words")
    search.add_argument("--queries", help="JSONL file of {\"id\": ..., \"query\": ...} lines (batch mode)")
    search.add_argument("--top-k", type=int, default=None, help="how many organisations (default: all that match)")
    search.add_argument("--json", action="store_true", help="print JSON instead of text")
    search.add_argument("--mode", choices=MODES, default=None, help=f"ranking mode (default: {DEFAULT_MODE})")

    evaluate = commands.add_parser("evaluate", help="score the ranking on judged queries and write a report")
    judged = sorted(p.parent.name for p in EVALDATA.glob("*/qrels.tsv"))
    dangers = sorted(p.parent.name for p in EVALDATA.glob("*/danger.jsonl"))
    evaluate.add_argument("--set", dest="set_name", help="a bundled set by name (its queries.jsonl and qrels.tsv): "
                          f"bundled (default), {', '.join(judged)}")
    evaluate.add_argument("--danger", help="also score the danger detector on a labelled JSONL file, or on a "
                          f"bundled set by name: danger, {', '.join(dangers)}")
    evaluate.add_argument("--queries", help="BEIR-style queries.jsonl (default: the bundled judged set)")
    evaluate.add_argument("--qrels", help="qrels TSV: query-id corpus-id score (default: the bundled judgments)")
    evaluate.add_argument("--mode", action="append", choices=MODES, dest="modes",
                          help="a mode to compare; repeat it (default: every mode, baselines first)")
    evaluate.add_argument("--split", choices=("all", "dev", "test"), default="all",
                          help="dev = the half weights were chosen on, test = the half held back")
    evaluate.add_argument("--run", action="append", default=[], dest="runs", metavar="RUN.trec",
                          help="an outside run in TREC format to compare too (another model or tool); repeat it")
    evaluate.add_argument("--out", default="reports/latest", help="folder for report.md, runs, plot, summary")

    commands.add_parser("orgs", help="list the organisations in the index")
    return parser


def _batch_item(raw: bytes) -> dict:
    """One line of a batch file as an object with a string "query".

    Raises:
        ValueError: what is wrong with the line, without repeating its text.
    """
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (bad byte at column {error.start + 1})") from None
    deep = too_deep(line)
    if deep:  # measured first: parsing it would raise RecursionError
        raise ValueError(f"not read: the JSON is {deep}")
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(item, dict) or not isinstance(item.get("query"), str):
        raise ValueError('expected an object with a string "query"')
    try:
        # A "\ud800" escape decodes to a lone surrogate, which no UTF-8 output can carry.
        json.dumps(item, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains an invalid \\uD800-\\uDFFF escape (a lone surrogate)") from None
    return item


def _batch(searcher, path: str, top_k: int | None) -> int:
    """Answer each line of a JSONL file; a bad line is reported by number and the rest still run."""
    from assistant.web.render import answer_json

    try:
        handle = open(path, "rb")  # bytes, so a line that is not UTF-8 can be reported, not guessed at
    except OSError as error:
        _say(f"error: cannot read the queries file: {error}")
        return 2
    failures = 0
    with handle:
        for number, raw in enumerate(handle, start=1):  # one line at a time: batch files can be large
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte-order mark, as some editors write
            if not raw.strip():
                continue
            try:
                item = _batch_item(raw)
            except ValueError as error:
                failures += 1
                _say(f"{path}:{number}: skipped: {error}")
                print(json.dumps({"id": None, "line": number, "error": str(error), "results": []}), flush=True)
                continue
            answer = searcher.search(item["query"], top_k=top_k)
            print(json.dumps(answer_json(answer, query_id=item.get("id"), evidence=searcher.settings.evidence),
                             ensure_ascii=False), flush=True)
    return 1 if failures else 0


def _evaluate(searcher, args) -> int:
    """Print the metrics table and write the report (runs, plot, summary) to ``args.out``."""
    from pathlib import Path

    from assistant.evaluation.metrics import (
        danger_comparison,
        danger_markdown,
        load_qrels,
        load_queries,
        load_trec_run,
        run_suite,
    )
    from assistant.evaluation.report import other_language_summary, out_of_scope_summary, write_report

    if args.set_name:
        folder = EVALDATA if args.set_name == "bundled" else EVALDATA / args.set_name
        if not (folder / "queries.jsonl").exists():
            _say(f"error: no judged set named '{args.set_name}' in {EVALDATA}")
            return 2
        args.queries, args.qrels = folder / "queries.jsonl", folder / "qrels.tsv"
    queries = load_queries(args.queries) if args.queries else load_queries()
    qrels = load_qrels(args.qrels) if args.qrels else load_qrels()
    result = run_suite(searcher, modes=args.modes, queries=queries, qrels=qrels, split=args.split)
    for path in args.runs:
        result.add_run(Path(path).stem, load_trec_run(path))
    extra = {}
    in_scope = [q for q in queries if q.category != "out_of_scope"]
    outside = [q for q in queries if q.category == "out_of_scope"]
    if outside:  # a set that carries its own out-of-scope situations
        extra["out_of_scope"] = out_of_scope_summary(searcher, outside, in_scope=in_scope)
    elif not args.queries:  # the bundled suite's companions
        extra["out_of_scope"] = out_of_scope_summary(searcher, load_queries(EVALDATA / "out_of_scope.jsonl"),
                                                     in_scope=queries)
        other_queries = load_queries(EVALDATA / "other_language.jsonl")
        other = run_suite(searcher, modes=[searcher.mode], queries=other_queries,
                          qrels=load_qrels(EVALDATA / "qrels_other_language.tsv"))
        extra["other_language"] = {**other_language_summary(searcher, other_queries), **other.means(searcher.mode)}
    if args.danger or not args.queries:
        name = args.danger or "danger"
        path = Path(name) if Path(name).is_file() else (
            EVALDATA / "danger.jsonl" if name == "danger" else EVALDATA / name / "danger.jsonl")
        if not path.is_file():
            _say(f"error: no danger set at {path}")
            return 2
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        comparison = danger_comparison(searcher, items)
        extra["danger"] = {**comparison["systems"]["combined"], "by_system": comparison["systems"],
                           "by_language": comparison["by_language"], "by_kind": comparison["by_kind"],
                           "crisis_line": comparison["crisis_line"], "misses": comparison["misses"]}
        extra["danger_table"] = danger_markdown(comparison)
    print(result.table_markdown())
    print()
    print(result.breakdown_markdown())
    for key, value in extra.items():
        if key == "danger_table":
            print("danger now (recall / precision):\n" + value)
            continue
        shown = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in value.items()
                 if k not in ("misses", "by_system", "by_language", "by_kind", "crisis_line")}  # in the table
        print(f"{key}: {json.dumps(shown)}")
    path = write_report(result, Path(args.out), manifest=searcher.index.manifest, extra=extra)
    _say(f"Report written to {path} (runs in TREC format, metrics.png and summary.json beside it).")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:  # benchmarks/bench.py with its own flags, in a checkout: assistant bench --quick
        import subprocess
        from pathlib import Path

        script = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"
        return subprocess.call([sys.executable, str(script), *argv[1:]])
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(model=args.model, corpus_dir=args.corpus_dir, index_dir=args.index_dir)
    except ValueError as error:
        _say(f"error: a setting that must be a whole number is not ({error}); "
             "check ASSISTANT_PORT, ASSISTANT_EVIDENCE and ASSISTANT_MAX_CHARS.")
        return 2
    from assistant.retrieval.search import open_searcher

    try:
        if args.command == "build":
            searcher = open_searcher(settings, say=_say, force=args.force, show_progress=True, warm_detector=False)
            if searcher.index.manifest.corpus_fingerprint != fingerprint(corpus_files(settings.corpus_dir)):
                # The corpus did not parse, and the previous index was kept for serving: a build failed.
                _say(f"error: the index in {settings.index_dir} was not rebuilt; fix the corpus file named above.")
                return 1
            if not args.force:
                _say(f"The index in {settings.index_dir} is up to date.")
            return 0
        searcher = open_searcher(settings, say=_say)
        if args.command == "orgs":
            for org in searcher.index.corpus.organisations:
                print(f"{org.id}\t{org.name}\t{org.country}\t{org.source}")
            return 0
        if args.command == "evaluate":
            return _evaluate(searcher, args)
        if args.mode:
            searcher.mode = args.mode
        if args.queries:
            return _batch(searcher, args.queries, args.top_k)
        if args.text is None:
            _say("Give the situation as text, e.g. assistant search \"my daughter was abused\", or --queries FILE.")
            return 2
        from assistant.safety.danger import crisis_line
        from assistant.web.render import answer_json, answer_text

        # Bytes in argv that are not UTF-8 arrive as lone surrogates, which no UTF-8 output can carry.
        text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in args.text)
        answer = searcher.search(text, top_k=args.top_k)
        if args.json:
            print(json.dumps(answer_json(answer, evidence=settings.evidence), ensure_ascii=False, indent=1))
        else:
            print(answer_text(answer, settings.evidence, crisis_line(searcher.index.corpus)), end="")
        return 0 if answer.results or answer.message is None else 1
    except (CorpusError, ModelError, IndexProblem) as error:
        _say(f"error: {error}")
        return 1
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as other command-line tools do, and keep
        # Python from failing again when it flushes stdout on the way out.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1


if __name__ == "__main__":
    sys.exit(main())
