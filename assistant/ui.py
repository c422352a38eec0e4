"""The app's views and their handlers: find help, browse, one organisation, referral list; the evaluator apart.

Handlers only call into the package and format what comes back. They never log or keep what a
person typed: the only state kept per visit is which corpus passages justified each organisation.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr

from .cards import organisation_detail_html, organisations_html, referral_html, results_html
from .referral import Referral, referral_markdown, write_referral
from .render import answer_json
from .safety import crisis_line, danger_metrics
from .search import Searcher
from .tags import organisation_tags, used_tags
from .page import EXIT_JS, SHOW_RESULTS_JS
from .texts import EXAMPLES, INTRO, SAFETY_NOTE, SORRY, SORRY_TEXT

log = logging.getLogger(__name__)
EVALUATION_MISSING = "Evaluation is not available in this version."


class Handlers:
    """Everything the interface does, over one loaded searcher. Each method is one event."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        corpus = searcher.index.corpus
        self.organisations = list(corpus.organisations)
        self.by_name = {o.name: o for o in self.organisations}
        self.tags = organisation_tags(corpus)
        self.filters = used_tags(self.tags)
        self.line = crisis_line(corpus)
        self.max_chars = searcher.settings.max_chars

    def _bounded(self, text: object) -> str:
        # The searcher cuts to max_chars and says so; this only bounds the work on huge input.
        return text[: 4 * self.max_chars] if isinstance(text, str) else ""

    def find_help(self, text: str, groups: list[str], services: list[str]) -> tuple[str, dict[str, list[str]]]:
        """Ranked cards (urgent banner first) and, for the referral list, each organisation's evidence."""
        try:
            answer = self.searcher.search(self._bounded(text))
            evidence = self.searcher.settings.evidence
            kept = {r.organisation.id: [h.passage.text for h in r.evidence[:evidence]] for r in answer.results}
            return results_html(answer, self.tags, groups, services, evidence, self.line), kept
        except Exception as error:  # noqa: BLE001 - a person must never see a traceback
            log.error("find help failed: %s", type(error).__name__)  # the type only: messages can quote input
            return SORRY, {}

    def refilter(self, text: str, groups: list[str], services: list[str]) -> tuple[str, dict[str, list[str]]]:
        """Filters changed: search again when there is a situation, else leave the results empty."""
        if not isinstance(text, str) or not text.strip():
            return "", {}
        return self.find_help(text, groups, services)

    def browse(self, groups: list[str], services: list[str]) -> str:
        return organisations_html(self.organisations, self.tags, groups, services)

    def detail(self, name: str | None) -> str:
        organisation = self.by_name.get(name or "")
        if organisation is None:
            return '<p class="notice">Choose an organisation to see everything its page says.</p>'
        passages = [p for p in self.searcher.index.corpus.passages if p.organisation_id == organisation.id]
        return organisation_detail_html(organisation, passages, self.tags.get(organisation.id))

    def referral(self, names: list[str], evidence: dict[str, list[str]] | None) -> tuple[str, Any, str]:
        """The referral list as Markdown to copy, a .md file to download, and a printable page."""
        evidence = evidence or {}
        corpus = self.searcher.index.corpus
        referrals = []
        for organisation in self.organisations:  # corpus order, whatever order they were ticked in
            if organisation.name not in (names or []):
                continue
            passages = evidence.get(organisation.id) or [
                p.text for p in corpus.passages if p.organisation_id == organisation.id and p.kind == "service"]
            referrals.append(Referral(organisation, tuple(passages)))
        markdown = referral_markdown(referrals)
        path = write_referral(markdown, _fresh_folder())
        return markdown, gr.DownloadButton(value=str(path), visible=bool(referrals)), referral_html(referrals)

    def evaluate(self) -> tuple[str, str, str, str]:
        """The evaluation suite's tables, breakdown and misses, and the danger detector's figures."""
        try:
            from .evaluation import EVALDATA, run_suite

            result = run_suite(self.searcher)
            tables = result.table_markdown(), result.breakdown_markdown(), result.misses_markdown()
        except (ImportError, AttributeError):
            return EVALUATION_MISSING, "", "", _danger_markdown()
        except Exception as error:  # noqa: BLE001 - an evaluator sees a message, not a traceback
            log.error("evaluation failed: %s", type(error).__name__)
            return f"The evaluation could not run ({type(error).__name__}).", "", "", _danger_markdown()
        return (*tables, _danger_markdown(EVALDATA / "danger.jsonl"))

    def search(self, situation: str) -> dict[str, Any]:
        """Rank organisations for a situation; the same JSON object as ``assistant search --json``."""
        try:
            answer = self.searcher.search(self._bounded(situation))
        except Exception as error:  # noqa: BLE001
            log.error("search failed: %s", type(error).__name__)
            raise gr.Error(SORRY_TEXT) from None
        return answer_json(answer, evidence=self.searcher.settings.evidence)


def _fresh_folder(keep_seconds: int = 900) -> str:
    """A new folder for one referral file; folders older than keep_seconds are removed on the way.

    Gradio copies the returned file into its own cache (cleared by ``Blocks(delete_cache=...)``), but only
    after the handler returns, so our copy must outlive the call by a little.
    """
    home = Path(tempfile.gettempdir()) / "assistant-referrals"
    home.mkdir(mode=0o700, exist_ok=True)
    for old in home.iterdir():
        if time.time() - old.stat().st_mtime > keep_seconds:
            shutil.rmtree(old, ignore_errors=True)
    return tempfile.mkdtemp(dir=home)


def _danger_markdown(path=None) -> str:
    path = Path(path) if path else Path(__file__).parent / "evaldata" / "danger.jsonl"
    m = danger_metrics(path)
    return (f"**Danger detector** on {m['tp'] + m['fn'] + m['fp'] + m['tn']} labelled situations: "
            f"recall {m['recall']:.3f}, precision {m['precision']:.3f} "
            f"(missed {m['fn']}, false alarms {m['fp']}).")


def _filters(h: Handlers, prefix: str) -> tuple[gr.CheckboxGroup, gr.CheckboxGroup]:
    with gr.Row():
        groups = gr.CheckboxGroup(list(h.filters.groups), label="Who is the help for?", elem_id=f"{prefix}groups")
        services = gr.CheckboxGroup(list(h.filters.services), label="What kind of help?", elem_id=f"{prefix}services")
    return groups, services


def build_blocks(searcher: Searcher) -> gr.Blocks:
    """The whole interface over one loaded searcher. Styling and scripts go to ``launch`` (see app.py)."""
    h = Handlers(searcher)
    names = [o.name for o in h.organisations]
    private = {"api_visibility": "private"}
    # delete_cache: referral files Gradio keeps for download are removed after 15 minutes.
    with gr.Blocks(title="Help for victims of crime", analytics_enabled=False, delete_cache=(900, 900)) as demo:
        exit_button = gr.Button("Quick exit", elem_id="quick-exit", variant="stop", size="sm")
        exit_button.click(None, js=EXIT_JS)
        gr.Markdown(INTRO, elem_id="intro")
        evidence = gr.State({})
        with gr.Tabs():
            with gr.Tab("Find help", id="find"):
                situation = gr.Textbox(label="What happened, or what do you need?", lines=3, max_lines=12,
                                       max_length=h.max_chars, elem_id="situation",
                                       placeholder="For example: my husband hits me and I am afraid to go home")
                gr.Examples(EXAMPLES, inputs=situation, label="Examples you can try", cache_examples=False,
                            api_visibility="private")
                with gr.Accordion("Filter the results (optional)", open=False, elem_id="filters"):
                    groups, services = _filters(h, "")
                button = gr.Button("Find help", variant="primary", elem_id="find-button")
                results = gr.HTML(elem_id="results", label="Organisations that can help")
            with gr.Tab("All organisations", id="browse"):
                browse_groups, browse_services = _filters(h, "browse-")
                listing = gr.HTML(h.browse([], []), elem_id="browse-list", label="All organisations")
                which = gr.Dropdown(names, value=None, label="See one organisation in full", elem_id="which")
                detail = gr.HTML(elem_id="detail", label="Organisation in full")
            with gr.Tab("Referral list", id="referral"):
                gr.Markdown("Choose organisations to hand over. The list has their contacts and the "
                            "passages from their pages that justify each. It never includes what you typed.")
                chosen = gr.CheckboxGroup(names, label="Organisations to include", elem_id="chosen")
                make = gr.Button("Make referral list", elem_id="make-referral")
                markdown = gr.Textbox(label="Referral list (Markdown, to copy)", lines=10, interactive=False,
                                      buttons=["copy"], elem_id="referral-markdown")
                with gr.Row():
                    download = gr.DownloadButton("Download referral list (.md)", visible=False, elem_id="download")
                    print_button = gr.Button("Print referral list", elem_id="print")
                printable = gr.HTML(elem_id="referral-print", label="Printable referral list")
            with gr.Tab("Safety and privacy", id="safety"):
                gr.Markdown(SAFETY_NOTE, elem_id="safety-note")
        for trigger in (button.click, situation.submit):
            trigger(h.find_help, [situation, groups, services], [results, evidence], **private).then(
                None, js=SHOW_RESULTS_JS)
        for filters in (groups, services):
            filters.change(h.refilter, [situation, groups, services], [results, evidence], **private)
        for filters in (browse_groups, browse_services):
            filters.change(h.browse, [browse_groups, browse_services], listing, **private)
        which.change(h.detail, which, detail, **private)
        make.click(h.referral, [chosen, evidence], [markdown, download, printable], **private)
        print_button.click(None, js="() => { window.print(); }")
        gr.api(h.search, api_name="search")
    return demo


def build_evaluator(searcher: Searcher) -> gr.Blocks:
    """The Evaluator on its own, for ``python app.py --evaluator`` on localhost: never part of the public app.

    One run costs about two CPU-seconds, so a stranger who could start it could keep the machine busy.
    """
    h = Handlers(searcher)
    with gr.Blocks(title="Help finder: evaluator", analytics_enabled=False) as demo:
        gr.Markdown("## Evaluator\nRuns the bundled judged queries through each ranking mode, "
                    "and the danger detector over its labelled situations.")
        run = gr.Button("Run the evaluation", elem_id="run-evaluation")
        table, breakdown, misses, danger = (gr.Markdown(elem_id=f"evaluation-{n}")
                                             for n in ("table", "breakdown", "misses", "danger"))
        run.click(h.evaluate, None, [table, breakdown, misses, danger], api_visibility="private")
    return demo
