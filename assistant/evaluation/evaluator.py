"""The Evaluator's pieces (``python app.py --evaluator``): the judged sets it offers and what each was used
for, and one run shown as a figure, tables that read on a phone and files to download. No Gradio here.

It offers the bundled set's two halves and the blind sets. It never offers a held-out set (``heldout_*``):
their one run is in the README, and a tool that ran them again would let them be tuned on.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from assistant.evaluation import metrics as evaluation
from assistant.evaluation.metrics import CATEGORY_NAMES, EVALDATA, STYLE_NAMES, JudgedQuery, split_of, trec_run_text
from assistant.evaluation.report import plot, report_markdown
from assistant.learning.situations import HELD_OUT

TUNED = "tuned on"
RULES_HELD_OUT = "held out from the rules, trained on by learned"
LEARNED_NOTE = ("No set offered here is held out for the default mode, `learned`: the learned layer was trained on "
                "all of them and on every labelled set under `assistant/evaldata/train/`. Its held-out figures are "
                "those of `heldout_en` and `heldout_languages`, run once and given in the README; this tool never "
                "runs them, so they stay unseen.")


@dataclass(frozen=True)
class QuerySet:
    """One judged set the Evaluator offers, and what it was used for before."""

    name: str  # what the choice sends
    title: str
    folder: str  # under evaldata/ ("" for the bundled set)
    split: str  # "all", or the bundled set's half: "dev" or "test"
    status: str  # tuned on, or held out from what
    used_for: str

    def load(self, root: Path = EVALDATA) -> tuple[list[JudgedQuery], dict[str, dict[str, int]]]:
        queries = evaluation.load_queries(root / self.folder / "queries.jsonl")
        if self.split != "all":
            queries = [q for q in queries if split_of(q.id) == self.split]
        return queries, evaluation.load_qrels(root / self.folder / "qrels.tsv")


_BLIND = ("Run blind once (its README gives that run); then its misses were read, rules were written from them, "
          "and the learned layer was trained on it.")
QUERY_SETS = (
    QuerySet("bundled-dev", "Bundled set, dev half", "", "dev", TUNED,
             "The retired rules and the settings were tuned on this half, and the learned layer "
             "was trained on it."),
    QuerySet("bundled-test", "Bundled set, test half", "", "test", RULES_HELD_OUT,
             "Held back while the rules and settings were tuned, but the learned layer was trained on it: "
             "the `learned` row is a figure on training data."),
    QuerySet("blind", "Blind set 1", "blind", "all", TUNED, _BLIND),
    QuerySet("blind2", "Blind set 2", "blind2", "all", TUNED, _BLIND),
    QuerySet("blind3", "Blind set 3", "blind3", "all", TUNED, _BLIND),
    QuerySet("blind4", "Blind set 4", "blind4", "all", RULES_HELD_OUT,
             "Run blind once; no rule was changed from it, but the learned layer was trained on it: the `learned` "
             "row is a figure on training data."),
)
DEFAULT_SET = "bundled-test"
# A held-out set must never become a choice, whatever is added above.
assert not any(s.folder in HELD_OUT or "heldout" in s.folder or "heldout" in s.name for s in QUERY_SETS)


def offered(name: object) -> QuerySet:
    """The offered set of that name; KeyError for anything else (a held-out set above all)."""
    for query_set in QUERY_SETS:
        if query_set.name == name:
            return query_set
    raise KeyError("not an offered judged set")


def choices(root: Path = EVALDATA) -> list[tuple[str, str]]:
    """(label, name) per offered set; each label says how many queries and whether it was tuned on."""
    return [(f"{s.title} ({len(s.load(root)[0])} queries): {s.status}", s.name) for s in QUERY_SETS]


def names_of(searcher) -> dict[str, str]:
    """How ids are shown: organisations by the corpus's names, categories and styles as people say them."""
    return {**CATEGORY_NAMES, **STYLE_NAMES, **{o.id: o.name for o in searcher.index.corpus.organisations}}


@dataclass(frozen=True)
class EvaluationView:
    """One run, as the Evaluator shows it: HTML for each part of the page."""

    figure: str
    table: str
    breakdown: str
    misses: str
    danger: str
    downloads: str


def danger_check(searcher, path: Path = EVALDATA / "danger.jsonl") -> dict | None:
    """The danger detector on the bundled labelled lines: the rules, the learned detector and both
    (None without the learned layer: then the page shows the rules alone)."""
    if getattr(searcher, "learned", None) is None:
        return None
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return evaluation.danger_comparison(searcher, items)


def evaluate_set(searcher, name: str, danger: dict | None = None) -> EvaluationView:
    """Run one offered judged set through every ranking mode; ``danger``: a ``danger_check`` to show beside it."""
    chosen = offered(name)
    queries, qrels = chosen.load()
    result = evaluation.run_suite(searcher, queries=queries, qrels=qrels, split=chosen.split)
    names = names_of(searcher)
    title = f"{chosen.title}, n={len(result.ids)}: {chosen.status}"
    image, upright = io.BytesIO(), io.BytesIO()
    plot(result, image, title=title)
    plot(result, upright, title=title, tall=True)
    about = f"**{chosen.title}: {chosen.status}.** {chosen.used_for} {LEARNED_NOTE}"
    prefix = f"{chosen.name}-"
    extra = {"danger": {**danger["systems"]["combined"], "by_system": danger["systems"]}} if danger else None
    report = report_markdown(result, datetime.now(timezone.utc).isoformat(timespec="seconds"),
                             searcher.index.manifest, extra, about=about, names=names, prefix=prefix)
    files = [(f"{prefix}report.md", "text/markdown", report.encode(), "Report (Markdown)"),
             (f"{prefix}metrics.png", "image/png", image.getvalue(), "Figure (PNG)"),
             *[(f"{prefix}run-{mode}.trec", "text/plain", trec_run_text(result.runs[mode], mode).encode(),
                f"Run of {mode} (TREC)") for mode in result.modes]]
    return EvaluationView(
        figure=figure_html(image.getvalue(), upright.getvalue(), title, about),
        table="<h2>Metrics</h2>" + tables_html(result.table_markdown(), "Metrics by mode"),
        breakdown="<h2>By category and style, weakest first</h2>" + tables_html(
            result.breakdown_markdown(names), "By category and style"),
        misses=f"<h2>Worst misses of {_inline(result.final)}</h2>" + tables_html(
            result.misses_markdown(names=names), "Worst misses", words=True),
        danger=danger_html(danger) if danger else "",
        downloads="<h2>Download</h2>" + downloads_html(files))


def _inline(text: str) -> str:
    """Escaped text with the little Markdown these tables use: **bold**, `code` and an escaped star."""
    out = html.escape(text.replace("\\*", "*"), quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


def tables_html(markdown: str, label: str, words: bool = False) -> str:
    """Markdown tables (and the lines between them) as HTML. Each table scrolls sideways in a region of its
    own, reachable by keyboard, so a narrow screen never squeezes a cell until its words break; ``words``:
    cells of running words get a readable minimum width."""
    out: list[str] = []
    rows: list[list[str]] = []

    def flush() -> None:
        if not rows:
            return
        head, *body = rows
        cell = ' class="words"' if words else ""
        thead = "".join(f'<th scope="col">{_inline(c)}</th>' for c in head)
        tbody = "".join("<tr>" + "".join(f"<td{cell}>{_inline(c)}</td>" for c in row) + "</tr>" for row in body)
        name = html.escape(f"{label}, {head[0]}")  # unique per table: its first column's heading
        out.append(f'<div class="table-scroll" role="region" tabindex="0" aria-label="{name}">'
                   f"<table><thead><tr>{thead}</tr></thead><tbody>{tbody}</tbody></table></div>")
        rows.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-:") for c in cells):
                rows.append(cells)
        else:
            flush()
            if line.strip():
                out.append(f"<p>{_inline(line.strip())}</p>")
    flush()
    return "\n".join(out)


def figure_html(wide: bytes, upright: bytes, title: str, about: str) -> str:
    """The plot in the page (drawn upright for a narrow screen), with what the set was used for in its caption."""
    def address(png: bytes) -> str:
        return "data:image/png;base64," + base64.b64encode(png).decode()

    def size(png: bytes) -> str:  # a PNG's width and height, from its header
        return f'width="{int.from_bytes(png[16:20], "big")}" height="{int.from_bytes(png[20:24], "big")}"'

    alt = (f"Bar chart: nDCG@3, nDCG@5, MRR, Success@1 and Recall@3 of each ranking mode on {title}. "
           "The table below gives the same figures.")
    return (f'<figure><picture><source media="(max-width: 600px)" srcset="{address(upright)}" {size(upright)}>'
            f'<img src="{address(wide)}" alt="{html.escape(alt)}" {size(wide)}></picture>'
            f'<figcaption id="evaluation-about">{_inline(about)}</figcaption></figure>')


def danger_html(comparison: dict) -> str:
    return ("<h2>Danger now</h2>" + f"<p>On <code>danger.jsonl</code> ({comparison['systems']['combined']['n']} "
            "labelled lines), recall / precision: the rules alone, the learned detector alone, and both (what the "
            "page uses). <strong>Tuned on:</strong> the learned detector was trained on these lines, so this is no "
            "held-out figure; the held-out one (<code>heldout_danger</code>, run once) is in the README.</p>"
            + tables_html(evaluation.danger_markdown(comparison), "Danger now"))


def downloads_html(files: list[tuple[str, str, bytes, str]]) -> str:
    """Links that download each file straight from the page: nothing is written on the server."""
    def address(kind: str, data: bytes) -> str:
        charset = ";charset=utf-8" if kind.startswith("text/") else ""
        return f"data:{kind}{charset};base64,{base64.b64encode(data).decode()}"

    links = "".join(f'<a download="{html.escape(name)}" href="{address(kind, data)}">{html.escape(text)}</a>'
                    for name, kind, data, text in files)
    return f'<p class="evaluation-downloads">{links}</p>'
