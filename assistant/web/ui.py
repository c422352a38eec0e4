"""The app's views and their handlers: find help, browse, one organisation, referral list; the evaluator apart.

Handlers only call into the package and format what comes back. They never log or keep what a
person typed: the only state kept per visit is which corpus passages justified each organisation.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.corpus.facets import organisation_tags, used_tags
from assistant.evaluation.metrics import EVALDATA
from assistant.retrieval.search import Searcher
from assistant.safety.danger import crisis_line, danger_metrics
from assistant.web.cards import organisation_detail_html, organisations_html, referral_html, results_html
from assistant.web.page import EXIT_JS, SHOW_RESULTS_JS, WITH_LANGUAGE_JS, example_js, language_switch_html
from assistant.web.referral import Referral, referral_markdown, write_referral
from assistant.web.render import answer_json
from assistant.web.strings import CATALOGUE, gradio_translations, interface_language, text
from assistant.web.texts import SORRY_TEXT, sorry_html

log = logging.getLogger(__name__)
EVALUATION_MISSING = "Evaluation is not available in this version."
EXAMPLE_TEXTS = frozenset(strings[f"example_{n}"] for strings in CATALOGUE.values() for n in range(1, 5))


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
        self._danger: dict | None = None  # the Evaluator's danger figures, once computed

    def _bounded(self, text: object) -> str:
        # The searcher cuts to max_chars and says so; this only bounds the work on huge input.
        return text[: 4 * self.max_chars] if isinstance(text, str) else ""

    def find_help(self, text_: str, groups: list[str], services: list[str],
                  interface: str = "en") -> tuple[str, dict[str, list[str]]]:
        """Ranked cards (urgent banner first) and, for the referral list, each organisation's evidence.

        ``interface`` is the page's language, used when the situation's own language has no words here.
        """
        try:
            answer = self.searcher.search(self._bounded(text_))
            evidence = self.searcher.settings.evidence
            kept = {r.organisation.id: [h.passage.text for h in r.evidence[:evidence]] for r in answer.results}
            return results_html(answer, self.tags, groups, services, evidence, self.line, interface), kept
        except Exception as error:  # noqa: BLE001 - a person must never see a traceback
            log.error("find help failed: %s", type(error).__name__)  # the type only: messages can quote input
            return sorry_html(interface_language(interface)), {}

    def example(self, text_: str, groups: list[str], services: list[str], interface: str = "en"):
        """An example tapped: it goes into the box and is searched at once. Only the catalogue's own
        examples are taken, so this event can never echo other text back."""
        if text_ not in EXAMPLE_TEXTS:
            return "", "", {}
        return (text_, *self.find_help(text_, groups, services, interface))

    def refilter(self, text_: str, groups: list[str], services: list[str],
                 interface: str = "en") -> tuple[str, dict[str, list[str]]]:
        """Filters changed: search again when there is a situation, else leave the results empty."""
        if not isinstance(text_, str) or not text_.strip():
            return "", {}
        return self.find_help(text_, groups, services, interface)

    def browse(self, groups: list[str], services: list[str], interface: str = "en") -> str:
        return organisations_html(self.organisations, self.tags, groups, services, interface_language(interface))

    def detail(self, name: str | None, interface: str = "en") -> str:
        language = interface_language(interface)
        organisation = self.by_name.get(name or "")
        if organisation is None:
            return f'<p class="notice">{text("detail_choose", language)}</p>'
        passages = [p for p in self.searcher.index.corpus.passages if p.organisation_id == organisation.id]
        return organisation_detail_html(organisation, passages, self.tags.get(organisation.id), language)

    def referral(self, names: list[str] | str, evidence: dict[str, list[str]] | None,
                 interface: str = "en") -> tuple[str, Any, str]:
        """The referral list in the order chosen, as Markdown to copy, a .md file and a printable page.

        ``names``: organisation names, or the page's JSON list of them; unknown names are ignored.
        """
        if isinstance(names, str):
            try:
                names = json.loads(names or "[]")
            except ValueError:
                names = []
        if not isinstance(names, list):
            names = []
        language = interface_language(interface)
        evidence = evidence if isinstance(evidence, dict) else {}
        corpus = self.searcher.index.corpus
        referrals = []
        for name in dict.fromkeys(n for n in names if isinstance(n, str)):  # the order chosen, once each
            organisation = self.by_name.get(name)
            if organisation is None:
                continue
            passages = evidence.get(organisation.id) or [
                p.text for p in corpus.passages if p.organisation_id == organisation.id and p.kind == "service"]
            referrals.append(Referral(organisation, tuple(passages)))
        markdown = referral_markdown(referrals, language=language)
        path = write_referral(markdown, _fresh_folder())
        return (markdown, gr.DownloadButton(value=str(path), visible=bool(referrals)),
                referral_html(referrals, language=language))

    def evaluate(self, set_name: str = "bundled-test") -> tuple[str, str, str, str, str, str]:
        """One offered judged set through every ranking mode: the figure with what the set was used for, the
        tables (organisations and categories by name), the danger detector's figures and the files to download."""
        try:
            from assistant.evaluation.evaluator import danger_check, evaluate_set, offered
        except ImportError:
            return "", f"<p>{EVALUATION_MISSING}</p>", "", "", _danger_rules_html(), ""
        try:
            chosen = offered(set_name)
        except KeyError:  # never a held-out set, nor a name the page did not offer
            return "", "<p>That judged set is not offered here.</p>", "", "", "", ""
        try:
            if self._danger is None:  # the same labelled lines every run: checked once
                self._danger = danger_check(self.searcher)
            view = evaluate_set(self.searcher, chosen.name, self._danger)
        except Exception as error:  # noqa: BLE001 - an evaluator sees a message, not a traceback
            log.error("evaluation failed: %s", type(error).__name__)
            return "", f"<p>The evaluation could not run ({type(error).__name__}).</p>", "", "", "", ""
        danger = view.danger or _danger_rules_html()  # no learned layer: the rules alone
        return view.figure, view.table, view.breakdown, view.misses, danger, view.downloads

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
        try:  # another process may be clearing the same folder
            if time.time() - old.stat().st_mtime > keep_seconds:
                shutil.rmtree(old, ignore_errors=True)
        except FileNotFoundError:
            continue
    return tempfile.mkdtemp(dir=home)


def _danger_rules_html(path=None) -> str:
    path = Path(path) if path else EVALDATA / "danger.jsonl"
    m = danger_metrics(path)
    lines = m["tp"] + m["fn"] + m["fp"] + m["tn"]
    return (f"<p><strong>The danger rules alone</strong> on {lines} labelled situations: "
            f"recall {m['recall']:.3f}, precision {m['precision']:.3f} "
            f"(missed {m['fn']}, false alarms {m['fp']}).</p>")


def _filters(h: Handlers, prefix: str, i18n: gr.I18n) -> tuple[gr.CheckboxGroup, gr.CheckboxGroup]:
    gr.Markdown(i18n("filters_how"), elem_classes="filters-how")
    with gr.Row():
        # Each choice is a need key of the taxonomy, shown with its label (``strings.gradio_translations``).
        groups = gr.CheckboxGroup([(i18n(f"need_{g}"), g) for g in h.filters.groups], label=i18n("groups_label"),
                                  elem_id=f"{prefix}groups")
        services = gr.CheckboxGroup([(i18n(f"need_{s}"), s) for s in h.filters.services],
                                    label=i18n("services_label"), elem_id=f"{prefix}services")
    return groups, services


REFERRAL_TOOLS = """<div id="referral-tools">
<label for="referral-notes" data-words="notes_label">{notes_label}</label>
<textarea id="referral-notes" aria-describedby="referral-notes-hint"></textarea>
<p id="referral-notes-hint" data-words="notes_hint">{notes_hint}</p>
<p><button type="button" id="copy-referral" data-words="copy_list">{copy_list}</button>
<button type="button" id="download-txt" data-words="download_txt">{download_txt}</button>
<button type="button" id="print-referral" data-words="print">{print}</button> <span id="referral-status" role="status"></span></p>
</div>"""


def build_blocks(searcher: Searcher) -> gr.Blocks:
    """The whole interface over one loaded searcher. Styling and scripts go to ``launch`` (see app.py).

    Every fixed word comes from the catalogue through ``gr.I18n`` (``I18N``, passed to ``launch``); the
    words of an answer are chosen by the handlers, which get the page's language as their last input.
    """
    h = Handlers(searcher)
    i18n = I18N
    names = [o.name for o in h.organisations]
    private = {"api_visibility": "private"}
    # delete_cache: referral files Gradio keeps for download are removed after 15 minutes.
    with gr.Blocks(title=text("page_title"), analytics_enabled=False, delete_cache=(900, 900)) as demo:
        with gr.Row(elem_id="topbar"):
            exit_button = gr.Button(i18n("quick_exit"), elem_id="quick-exit", variant="stop", size="sm")
            gr.HTML(language_switch_html(), elem_id="language-switch", padding=False)
        exit_button.click(None, js=EXIT_JS)
        gr.Markdown(i18n("intro"), elem_id="intro")
        evidence = gr.State({})
        # Slots the page's script fills: the interface language and the referral list's order (hidden by CSS).
        interface = gr.Textbox("en", elem_id="ui-language", label="ui-language", container=False)
        order = gr.Textbox("[]", elem_id="referral-order", label="referral-order", container=False)
        with gr.Tabs(overflow_behavior="wrap", elem_id="views"):
            with gr.Tab(i18n("tab_find"), id="find"):
                situation = gr.Textbox(label=i18n("situation_label"), lines=3, max_lines=12, elem_id="situation",
                                       placeholder=i18n("situation_placeholder"))
                gr.Markdown(i18n("enter_hint"), elem_id="enter-hint")
                gr.HTML(f'<p id="char-count" aria-live="polite" data-max="{h.max_chars}"></p>', padding=False,
                        elem_id="char-count-box")
                button = gr.Button(i18n("find_button"), variant="primary", elem_id="find-button")
                gr.Markdown(i18n("examples_label"), elem_id="examples-label")
                examples = [gr.Button(i18n(f"example_{n}"), elem_id=f"example-{n}", elem_classes="example",
                                      size="sm") for n in range(1, 5)]
                with gr.Accordion(i18n("filters_label"), open=False, elem_id="filters"):
                    groups, services = _filters(h, "", i18n)
                results = gr.HTML(elem_id="results", label=i18n("results_label"))
            with gr.Tab(i18n("tab_browse"), id="browse"):
                browse_groups, browse_services = _filters(h, "browse-", i18n)
                listing = gr.HTML(h.browse([], []), elem_id="browse-list", label=i18n("browse_label"))
                which = gr.Dropdown(names, value=None, label=i18n("which_label"), elem_id="which")
                detail = gr.HTML(elem_id="detail", label=i18n("detail_label"))
            with gr.Tab(i18n("tab_referral"), id="referral"):
                gr.Markdown(i18n("referral_intro"))
                printable = gr.HTML(elem_id="referral-print", label=i18n("tab_referral"))
                gr.HTML(REFERRAL_TOOLS.format(**{k: text(k) for k in (
                    "notes_label", "notes_hint", "copy_list", "download_txt", "print")}), padding=False)
                markdown = gr.Textbox(label=i18n("referral_md_label"), lines=10, interactive=False,
                                      buttons=["copy"], elem_id="referral-markdown")
                download = gr.DownloadButton(i18n("download_md"), visible=False, elem_id="download")
            with gr.Tab(i18n("tab_safety"), id="safety"):
                gr.Markdown(i18n("safety_note"), elem_id="safety-note")
        search_inputs = [situation, groups, services, interface]
        for trigger in (button.click, situation.submit):
            trigger(h.find_help, search_inputs, [results, evidence], js=WITH_LANGUAGE_JS, **private).then(
                None, js=SHOW_RESULTS_JS)
        for number, example in enumerate(examples, start=1):
            example.click(h.example, search_inputs, [situation, results, evidence], js=example_js(number),
                          **private).then(None, js=SHOW_RESULTS_JS)
        for filters in (groups, services):
            filters.change(h.refilter, search_inputs, [results, evidence], js=WITH_LANGUAGE_JS, **private)
        for filters in (browse_groups, browse_services):
            filters.change(h.browse, [browse_groups, browse_services, interface], listing, js=WITH_LANGUAGE_JS,
                           **private)
        which.change(h.detail, [which, interface], detail, js=WITH_LANGUAGE_JS, **private)
        order.change(h.referral, [order, evidence, interface], [markdown, download, printable],
                     js=WITH_LANGUAGE_JS, **private)
        gr.api(h.search, api_name="search")
    return demo


I18N = gr.I18n(**gradio_translations())


def build_evaluator(searcher: Searcher) -> gr.Blocks:
    """The Evaluator on its own, for ``python app.py --evaluator`` on localhost: never part of the public app.

    One run costs a few CPU-seconds, so a stranger who could start it could keep the machine busy.
    """
    from assistant.evaluation.evaluator import DEFAULT_SET, choices

    h = Handlers(searcher)
    with gr.Blocks(title="Help finder: evaluator", analytics_enabled=False) as demo:
        gr.Markdown("# Evaluator\nRuns one judged set through each ranking mode, and the danger detector over "
                    "its labelled situations. Each set says whether it was tuned on; the held-out sets are not "
                    "offered (their one run is in the README).", elem_id="evaluator-intro")
        which = gr.Radio(choices(), value=DEFAULT_SET, label="Judged set", elem_id="query-set")
        run = gr.Button("Run the evaluation", elem_id="run-evaluation", variant="primary")
        shown = [gr.HTML(elem_id=f"evaluation-{n}", padding=False)
                 for n in ("figure", "table", "breakdown", "misses", "danger", "downloads")]
        run.click(h.evaluate, [which], shown, api_visibility="private")
    return demo
