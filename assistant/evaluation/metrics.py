"""Relevance evaluation on judged queries: BEIR-style files in, trec_eval metrics and paired tests out.

Files: ``queries.jsonl`` (``{"_id", "text", "metadata": {"category", "style"}}``) and a qrels TSV
(``query-id corpus-id score``, corpus ids are organisation ids; 2 = the organisation this person
most needs, 1 = also clearly useful, 0 = not).

Metrics come from pytrec_eval (trec_eval's own code):
    nDCG@3, nDCG@5   graded, gain = the judgment (0, 1, 2), discount log2(rank + 1)
    MRR, Success@1,  against the organisations judged 2 ("the one this person most needs")
    Recall@3
A query the system returns nothing for scores zero on every metric.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from assistant.config import EVALDATA
from assistant.types import Answer

METRICS = ("nDCG@3", "nDCG@5", "MRR", "Success@1", "Recall@3")
_GRADED = {"ndcg_cut_3": "nDCG@3", "ndcg_cut_5": "nDCG@5"}
_MOST_NEEDED = {"recip_rank": "MRR", "success_1": "Success@1", "recall_3": "Recall@3"}
# The judged sets' categories and styles as a person names them (``GUIDELINES.md``), for tables people read.
CATEGORY_NAMES = {
    "child_abuse": "child abuse", "compensation": "compensation", "consular_abroad": "help abroad (consular)",
    "crisis_suicide": "crisis and suicide", "domestic_violence": "domestic violence", "legal_aid": "legal aid",
    "migrants": "migrants", "missing_persons": "missing persons", "protection_threats": "protection from threats",
    "shelter_material_help": "shelter and material help",
    "trafficking_sexual_exploitation": "trafficking and sexual exploitation", "out_of_scope": "out of scope"}
STYLE_NAMES = {
    "victim_short": "victim, short", "victim_long": "victim, long", "victim_typo": "victim, with typos",
    "caseworker": "caseworker", "keyword": "keywords", "third_party": "someone writing for another",
    "child_writer": "a child writing"}


@dataclass(frozen=True)
class JudgedQuery:
    id: str
    text: str
    category: str
    style: str
    language: str | None = None


def load_queries(path: Path | str = EVALDATA / "queries.jsonl") -> list[JudgedQuery]:
    """Queries from a BEIR-style JSONL file."""
    queries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            meta = item.get("metadata") or {}
            queries.append(JudgedQuery(str(item["_id"]), item["text"], meta.get("category", "-"),
                                       meta.get("style", "-"), meta.get("language")))
    return queries


def load_qrels(path: Path | str = EVALDATA / "qrels.tsv") -> dict[str, dict[str, int]]:
    """Graded judgments ``{query_id: {organisation_id: grade}}`` from a TSV (a header line is skipped)."""
    qrels: dict[str, dict[str, int]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4:  # TREC qrels: qid iteration docid rel
            parts = [parts[0], parts[2], parts[3]]
        if len(parts) != 3 or not parts[2].lstrip("-").isdigit():
            continue
        qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def split_of(query_id: str) -> str:
    """A fixed half of the queries for tuning ("dev") and the other half held back ("test")."""
    return "dev" if int(hashlib.sha256(query_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def answer_scores(answer: Answer) -> dict[str, float]:
    """Scores in the answer's rank order, made strictly decreasing so that ties break as ranked."""
    scores: dict[str, float] = {}
    previous = float("inf")
    for result in answer.results:
        score = min(result.score, previous - 1e-6)
        scores[result.organisation.id] = score
        previous = score
    return scores


def per_query_metrics(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """``{query_id: {metric: value}}`` for every judged query; missing or empty runs score zero."""
    import pytrec_eval

    judged = {q: {d: g for d, g in docs.items()} for q, docs in qrels.items()}
    # trec_eval skips queries with no retrieved documents: give them one unjudged document.
    filled = {q: (run.get(q) or {"__nothing__": 0.0}) for q in judged}
    graded = pytrec_eval.RelevanceEvaluator(judged, set(_GRADED)).evaluate(filled)
    needed = pytrec_eval.RelevanceEvaluator(judged, {"recip_rank", "success.1", "recall.3"},
                                            relevance_level=2).evaluate(filled)
    out = {}
    for q in judged:
        values = {name: graded[q][key] for key, name in _GRADED.items()}
        values.update({name: needed[q][key] for key, name in _MOST_NEEDED.items()})
        out[q] = values
    return out


def mean_metrics(per_query: dict[str, dict[str, float]], ids: Iterable[str] | None = None) -> dict[str, float]:
    ids = list(per_query if ids is None else ids)
    return {m: float(np.mean([per_query[q][m] for q in ids])) if ids else 0.0 for m in METRICS}


def randomization_test(a: np.ndarray, b: np.ndarray, trials: int = 10_000, seed: int = 0) -> float:
    """Two-sided paired randomization (sign-flip) test of mean(a - b); returns the p-value."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if not diff.any():
        return 1.0
    rng = np.random.default_rng(seed)
    signs = rng.choice((-1.0, 1.0), size=(trials, diff.size))
    observed = abs(diff.mean())
    extreme = np.sum(np.abs((signs * diff).mean(axis=1)) >= observed - 1e-12)
    return float((extreme + 1) / (trials + 1))


def trec_run_text(run: dict[str, dict[str, float]], tag: str) -> str:
    """``qid Q0 org_id rank score tag`` lines, readable by trec_eval and every tool that reads its runs."""
    lines = []
    for qid, scores in run.items():
        for rank, (org, score) in enumerate(sorted(scores.items(), key=lambda kv: -kv[1]), start=1):
            lines.append(f"{qid} Q0 {org} {rank} {score:.6f} {tag}")
    return "\n".join(lines) + "\n"


def write_trec_run(run: dict[str, dict[str, float]], path: Path, tag: str) -> None:
    """The run as a TREC file (see ``trec_run_text``)."""
    path.write_text(trec_run_text(run, tag))


def load_trec_run(path: Path | str) -> dict[str, dict[str, float]]:
    """A run file in TREC format (``qid Q0 doc rank score tag``), e.g. another model's or tool's."""
    run: dict[str, dict[str, float]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 5:
            run.setdefault(parts[0], {})[parts[2]] = float(parts[4])
    return run


@dataclass
class SuiteResult:
    """Every configuration's run over one judged set, ready to tabulate and test."""

    queries: list[JudgedQuery]
    qrels: dict[str, dict[str, int]]
    modes: list[str]
    runs: dict[str, dict[str, dict[str, float]]]
    per_query: dict[str, dict[str, dict[str, float]]]
    split: str = "all"

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.queries if q.id in self.qrels and self.split in ("all", split_of(q.id))]

    @property
    def final(self) -> str:
        return self.modes[-1]

    @property
    def baseline(self) -> str:
        """The plain dense ranking when it was run, else the first mode."""
        return "dense" if "dense" in self.modes else self.modes[0]

    def means(self, mode: str, ids: list[str] | None = None) -> dict[str, float]:
        return mean_metrics(self.per_query[mode], self.ids if ids is None else ids)

    def p_value(self, mode: str, other: str, metric: str) -> float:
        a = np.array([self.per_query[mode][q][metric] for q in self.ids])
        b = np.array([self.per_query[other][q][metric] for q in self.ids])
        return randomization_test(a, b)

    def table_markdown(self) -> str:
        """Each configuration's metrics; * differs from the baseline, † from the step above it (p < 0.05)."""
        lines = [f"| mode ({self.split}, n={len(self.ids)}) | " + " | ".join(METRICS) + " |",
                 "|---" * (len(METRICS) + 1) + "|"]
        start = self.modes.index(self.baseline)
        for i, mode in enumerate(self.modes):
            cells = []
            for metric, value in self.means(mode).items():
                marks = ""
                if mode != self.baseline and self.p_value(mode, self.baseline, metric) < 0.05:
                    marks += "*"
                if i > start + 1 and self.p_value(mode, self.modes[i - 1], metric) < 0.05:
                    marks += "†"
                cells.append(f"{value:.3f}{marks}")
            lines.append(f"| {mode} | " + " | ".join(cells) + " |")
        lines.append(f"\n\\* significantly different from {self.baseline}, † from the step above "
                     "(paired randomization test, 10,000 trials, p < 0.05).")
        return "\n".join(lines)

    def breakdown_markdown(self, names: dict[str, str] | None = None) -> str:
        """nDCG@3 and Success@1 per category and per style, first and last configuration side by side.

        ``names``: how to show a category or style (its key when missing).
        """
        names = names or {}
        first, last = self.baseline, self.final
        out = []
        facets = ["category", "style"] + (["language"] if len({q.language for q in self.queries}) > 1 else [])
        for facet in facets:
            groups: dict[str, list[str]] = {}
            ids = set(self.ids)
            for q in self.queries:
                if q.id in ids:
                    groups.setdefault(getattr(q, facet) or "en", []).append(q.id)
            out.append(f"| {facet} | n | nDCG@3 {first} | nDCG@3 {last} | S@1 {first} | S@1 {last} |")
            out.append("|---|---|---|---|---|---|")
            for name, members in sorted(groups.items(), key=lambda g: self.means(last, g[1])["nDCG@3"]):
                a, b = self.means(first, members), self.means(last, members)
                out.append(f"| {names.get(name, name)} | {len(members)} | {a['nDCG@3']:.3f} | {b['nDCG@3']:.3f} | "
                           f"{a['Success@1']:.3f} | {b['Success@1']:.3f} |")
            out.append("")
        return "\n".join(out)

    def add_run(self, name: str, run: dict[str, dict[str, float]]) -> None:
        """Put an outside run (another model, another tool) beside the modes, before the final one."""
        judged = {q.id: self.qrels[q.id] for q in self.queries if q.id in self.qrels}
        self.runs[name] = run
        self.per_query[name] = per_query_metrics(judged, run)
        self.modes.insert(len(self.modes) - 1, name)

    def misses(self, mode: str | None = None) -> list[tuple[JudgedQuery, list[str], list[str]]]:
        """Queries whose first organisation is not one judged 2: (query, expected, returned top 3)."""
        mode = mode or self.final
        by_id = {q.id: q for q in self.queries}
        found = []
        for qid in sorted(self.ids, key=lambda q: self.per_query[mode][q]["nDCG@3"]):
            if self.per_query[mode][qid]["Success@1"] < 1:
                expected = [d for d, g in self.qrels[qid].items() if g == 2]
                returned = sorted(self.runs[mode].get(qid, {}), key=lambda d: -self.runs[mode][qid][d])[:3]
                found.append((by_id[qid], expected, returned))
        return found

    def misses_markdown(self, limit: int = 20, names: dict[str, str] | None = None) -> str:
        """The worst misses of the final mode. ``names``: how to show an organisation id or a category."""
        names = names or {}
        rows = ["| query | category | expected first | returned (top 3) |", "|---|---|---|---|"]
        for query, expected, returned in self.misses()[:limit]:
            text = query.text.replace("|", "/")
            shown = [", ".join(names.get(o, o) for o in orgs) for orgs in (expected, returned)]
            rows.append(f"| {text} | {names.get(query.category, query.category)} | {shown[0]} | {shown[1]} |")
        return "\n".join(rows) if len(rows) > 2 else "No misses: every query had a most-needed organisation first."


def run_suite(searcher, modes: list[str] | None = None, queries: list[JudgedQuery] | None = None,
              qrels: dict[str, dict[str, int]] | None = None, split: str = "all") -> SuiteResult:
    """Run the judged queries through each ranking mode (default: plain dense baseline, then the final system)."""
    queries = load_queries() if queries is None else queries
    qrels = load_qrels() if qrels is None else qrels
    modes = modes or list(searcher.modes_for_evaluation())
    runs, per_query = {}, {}
    for mode in modes:
        searcher.warm([q.text for q in queries], mode=mode)
        runs[mode] = {q.id: answer_scores(searcher.search(q.text, mode=mode)) for q in queries}
        per_query[mode] = per_query_metrics({q: qrels[q] for q in (x.id for x in queries) if q in qrels}, runs[mode])
    return SuiteResult(queries, qrels, modes, runs, per_query, split)


def danger_comparison(searcher, items: list[dict]) -> dict:
    """The danger detector on labelled lines (``{"text", "urgent", "kind", "language"}``): the rules alone,
    the learned detector alone and both together (what the search uses), overall, per language and per
    kind, with every miss and false alarm of the combination, and how often the combination offers the
    crisis line (``crisis_line_reach``)."""
    from assistant.retrieval.language import detect_language
    from assistant.safety.danger import assess_danger, detect_danger

    rows = []
    for item in items:
        text = item["text"]
        language = item.get("language") or item.get("lang") or "en"
        space = searcher.space_for(detect_language(text)) or searcher.spaces["primary"]
        _, read = searcher.understand(text, space)
        learned = read["danger"] >= read["danger_threshold"]
        rules = detect_danger(text).urgent
        crisis = assess_danger(text, read["danger"], read["danger_threshold"], read["danger_kind"],
                               read["crisis_share"]).crisis
        rows.append({"id": item.get("_id"), "text": text, "language": language, "kind": item.get("kind"),
                     "urgent": bool(item["urgent"]), "rules": rules, "learned": learned,
                     "combined": rules or learned, "learned_kind": read["danger_kind"] if learned else None,
                     "crisis": crisis})

    def scores(subset: list[dict], system: str) -> dict:
        tp = sum(r[system] and r["urgent"] for r in subset)
        fp = sum(r[system] and not r["urgent"] for r in subset)
        fn = sum(r["urgent"] and not r[system] for r in subset)
        return {"n": len(subset), "recall": tp / (tp + fn) if tp + fn else None,
                "precision": tp / (tp + fp) if tp + fp else None, "tp": tp, "fp": fp, "fn": fn}

    out: dict = {"systems": {}, "by_language": {}, "by_kind": {}}
    for system in ("rules", "learned", "combined"):
        out["systems"][system] = scores(rows, system)
        out["by_language"][system] = {lang: scores([r for r in rows if r["language"] == lang], system)
                                      for lang in sorted({r["language"] for r in rows})}
        out["by_kind"][system] = {kind: scores([r for r in rows if r["kind"] == kind], system)
                                  for kind in sorted({r["kind"] for r in rows if r["kind"]})}
    out["misses"] = [r for r in rows if r["urgent"] != r["combined"]]
    out["crisis_line"] = crisis_line_reach(rows)
    return out


def crisis_line_reach(rows: list[dict]) -> dict:
    """Of the urgent lines labelled suicide or self-harm, how many the combined detector offers the crisis line
    (a miss leaves a suicidal person without it); of the other urgent lines with a kind, how many it offers it
    beside 112 (the cheap error). ``rows``: ``danger_comparison``'s, each with ``urgent``, ``kind``, ``crisis``."""
    from assistant.safety.danger import CRISIS_KINDS

    def offered(subset: list[dict]) -> dict:
        n, count = len(subset), sum(r["crisis"] for r in subset)
        return {"n": n, "offered": count, "share": count / n if n else None}

    urgent = [r for r in rows if r["urgent"] and r["kind"]]
    return {"suicide_or_self_harm": offered([r for r in urgent if r["kind"] in CRISIS_KINDS]),
            "other_urgent": offered([r for r in urgent if r["kind"] not in CRISIS_KINDS])}


def danger_markdown(comparison: dict) -> str:
    """The comparison as a table: recall and precision of each system, overall and per language."""
    def cell(s: dict) -> str:
        r, p = s["recall"], s["precision"]
        return f"{'-' if r is None else f'{r:.2f}'} / {'-' if p is None else f'{p:.2f}'}"

    languages = list(comparison["by_language"]["combined"])
    lines = ["| system | all | " + " | ".join(languages) + " |", "|---" * (len(languages) + 2) + "|"]
    for system in ("rules", "learned", "combined"):
        lines.append(f"| {system} | {cell(comparison['systems'][system])} | "
                     + " | ".join(cell(comparison["by_language"][system][lang]) for lang in languages) + " |")
    kinds = list(comparison["by_kind"]["combined"])
    lines += ["", "| kind | n | " + " | ".join(f"{s} (recall or, for negatives, false alarms)" for s in
                                             ("rules", "learned", "combined")) + " |", "|---|---|---|---|---|"]
    for kind in kinds:
        cells = []
        for system in ("rules", "learned", "combined"):
            s = comparison["by_kind"][system][kind]
            cells.append(f"{s['recall']:.2f}" if s["recall"] is not None else f"{s['fp']} false alarms")
        lines.append(f"| {kind} | {comparison['by_kind']['combined'][kind]['n']} | " + " | ".join(cells) + " |")
    if "crisis_line" in comparison:
        lines += ["", crisis_line_sentence(comparison["crisis_line"])]
    return "\n".join(lines)


def crisis_line_sentence(reach: dict) -> str:
    """``crisis_line_reach`` in one line of the report."""
    def share(s: dict) -> str:
        return "-" if s["share"] is None else f"{s['share']:.3f} ({s['offered']} of {s['n']})"

    return (f"Crisis line offered (combined): {share(reach['suicide_or_self_harm'])} of the urgent lines labelled "
            f"suicide or self-harm; {share(reach['other_urgent'])} of the other urgent lines.")
