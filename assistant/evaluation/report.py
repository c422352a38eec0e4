"""The evaluation report an evaluator sends on: Markdown, a plot, TREC runs and a JSON summary."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from assistant.evaluation.metrics import METRICS, SuiteResult, write_trec_run


def out_of_scope_summary(searcher, queries: list, in_scope: list | None = None) -> dict[str, Any]:
    """How often the searcher says plainly that nothing fits: on situations nothing in the corpus
    fits (should be often), and on the judged in-scope ones (should be rare)."""
    flagged = sum(searcher.search(q.text).no_match for q in queries)
    summary = {"queries": len(queries), "said_nothing_fits": flagged,
               "share_said_nothing_fits": flagged / len(queries) if queries else 0.0}
    if in_scope:
        wrong = sum(searcher.search(q.text).no_match for q in in_scope)
        summary.update({"in_scope_queries": len(in_scope), "in_scope_said_nothing_fits": wrong,
                        "in_scope_share_said_nothing_fits": wrong / len(in_scope)})
    return summary


def other_language_summary(searcher, queries: list) -> dict[str, Any]:
    """Whether each situation's language was told right, and what the person was shown."""
    from assistant.retrieval.language import model_reads

    answers = [searcher.search(q.text) for q in queries]
    expected = [getattr(q, "language", None) for q in queries]
    told = sum(a.language == e for a, e in zip(answers, expected) if e)
    return {"queries": len(queries), "language_told_right": told,
            "model_reads_them": all(model_reads(searcher.embedder.name, e) for e in expected if e),
            "shown_every_organisation_unranked": sum(a.no_match and len(a.results) == len(
                searcher.index.corpus.organisations) for a in answers)}


def plot(result: SuiteResult, path: Path | BinaryIO, title: str | None = None, tall: bool = False) -> None:
    """A grouped bar chart of each metric and mode, as a PNG file (or into a binary stream).

    ``tall``: bars across, metrics down, for a phone held upright (the wide one is unreadable at 375 px).
    """
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.4, 7.0) if tall else (9, 4.2), dpi=110)
    width = 0.8 / len(result.modes)
    for i, mode in enumerate(result.modes):
        means = result.means(mode)
        places = [m + i * width for m in range(len(METRICS))]
        (ax.barh if tall else ax.bar)(places, [means[m] for m in METRICS], width, label=mode)
    ticks = [m + width * (len(result.modes) - 1) / 2 for m in range(len(METRICS))]
    if tall:
        ax.set_yticks(ticks, METRICS)
        ax.invert_yaxis()  # the first metric and the first mode on top, as the table reads
        ax.set_xlim(0, 1)
        ax.set_xlabel("mean over judged queries")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=3, fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    else:
        ax.set_xticks(ticks, METRICS)
        ax.set_ylim(0, 1)
        ax.set_ylabel("mean over judged queries")
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    title = title or f"Ranking quality by mode ({result.split} queries, n={len(result.ids)})"
    ax.set_title(textwrap.fill(title, 44 if tall else 100), fontsize=10 if tall else None)
    fig.tight_layout()
    fig.savefig(path, format="png", bbox_inches="tight" if tall else None)
    plt.close(fig)


def write_report(result: SuiteResult, out_dir: Path, manifest: Any = None,
                 extra: dict[str, Any] | None = None) -> Path:
    """Write report.md, metrics.png, one TREC run per mode and summary.json into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for mode in result.modes:
        write_trec_run(result.runs[mode], out_dir / f"run-{mode}.trec", tag=mode)
    plot(result, out_dir / "metrics.png")
    summary = {
        "split": result.split, "queries": len(result.ids), "modes": result.modes,
        "metrics": {mode: result.means(mode) for mode in result.modes},
        "manifest": asdict(manifest) if manifest is not None else None,
        "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **(extra or {}),
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    path = out_dir / "report.md"
    path.write_text(report_markdown(result, summary["written_at"], manifest, extra))
    return path


def report_markdown(result: SuiteResult, written_at: str, manifest: Any = None, extra: dict[str, Any] | None = None,
                    about: str | None = None, names: dict[str, str] | None = None, prefix: str = "") -> str:
    """The report as Markdown. ``about``: what the judged set is and what it was used for; ``names``: how
    organisations, categories and styles are shown; ``prefix``: of the plot's and the runs' file names."""
    lines = [
        "# Relevance evaluation report", "",
        f"Written {written_at}. Queries: {len(result.ids)} ({result.split} split). "
        "nDCG uses the judgments as gains (0, 1, 2) with a log2(rank + 1) discount; MRR, Success@1 and "
        "Recall@3 count the organisations judged 2 (the one this person most needs). Metrics by "
        "pytrec_eval (trec_eval's code).", "",
        *(["## What this set is", "", about, ""] if about else []),
        "## Metrics", "", result.table_markdown(), "",
        f"![metrics]({prefix}metrics.png)", "",
        "## By category and style (weakest first)", "", result.breakdown_markdown(names),
        f"## Worst misses of `{result.final}`", "", result.misses_markdown(names=names), "",
    ]
    for title, key in (("Out-of-scope situations", "out_of_scope"), ("Other languages", "other_language"),
                       ("Danger detector", "danger")):
        if extra and key in extra:
            value = {k: v for k, v in extra[key].items() if k != "misses"}
            lines += [f"## {title}", "", "```json", json.dumps(value, indent=1, default=str), "```", ""]
    if manifest is not None:
        lines += ["## Index manifest", "", "```json", json.dumps(asdict(manifest), indent=1), "```", ""]
    lines += ["Runs in TREC format: " + ", ".join(f"`{prefix}run-{m}.trec`" for m in result.modes) + "."]
    return "\n".join(lines) + "\n"
