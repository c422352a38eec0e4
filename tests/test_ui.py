"""The app's handlers, as wired into the interface: escaping, filters, referral, errors, privacy."""

from __future__ import annotations

import html
import logging
import re
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.corpus.parse import load_corpus
from assistant.index.store import load_or_build
from assistant.retrieval.search import Searcher
from assistant.safety.danger import crisis_line
from assistant.types import Answer
from assistant.web.cards import results_html, urgent_banner
from assistant.web.strings import CATALOGUE, LANGUAGES, text
from assistant.web.texts import SORRY
from assistant.web.ui import EVALUATION_MISSING, Handlers, build_blocks, build_evaluator

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = [
    '<img src=x onerror=alert(1)>',
    '<script>alert(1)</script>',
    '<a href="javascript:alert(1)">click</a> javascript:alert(1)',
    '[click me](javascript:alert(1)) ![x](javascript:alert(1))',
]
SECRET = "zebracorn"  # a word no corpus, model or library would log by itself


def searcher_over(corpus_dir: Path, index_dir: Path, embedder) -> Searcher:
    index = load_or_build(corpus_dir, index_dir, embedder, say=lambda _: None)
    return Searcher(index, embedder, Settings(corpus_dir=corpus_dir, index_dir=index_dir))


@pytest.fixture
def handlers(corpus_dir, tmp_path, fake_embedder) -> Handlers:
    return Handlers(searcher_over(corpus_dir, tmp_path / "index", fake_embedder))


@pytest.fixture
def hostile_handlers(tmp_path, fake_embedder) -> Handlers:
    """A corpus whose own text carries markup, as a tampered or badly scraped page might."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    page = (ROOT / "corpus" / "lt-help-and-support-for-victims-of-crime.txt").read_text(encoding="utf-8")
    page = page.replace("provides help for children victims of sexual and other types of abuse.",
                        "provides help for children " + " ".join(PAYLOADS))
    page = page.replace("- accompanies children", "- accompanies <script>alert(2)</script> children")
    (folder / "lt-page.txt").write_text(page, encoding="utf-8")
    return Handlers(searcher_over(folder, tmp_path / "index", fake_embedder))


class _LiveMarkup(HTMLParser):
    """Collects what a browser would act on: script-capable tags, event handlers, non-http(s) links."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "object", "embed", "svg", "math", "style", "form", "base", "meta"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src", "action", "formaction") and not re.match(r"(https?:|tel:)", value or ""):
                self.found.append(f"{tag}[{name}={value}]")


def live_markup(html: str) -> list[str]:
    parser = _LiveMarkup()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_typed_by_a_person_is_never_live(handlers, payload):
    html, _ = handlers.find_help(payload + " my child was abused", [], [])
    assert live_markup(html) == []
    assert "org-card" in html


def test_markup_in_corpus_text_is_never_live_in_any_view(hostile_handlers):
    h = hostile_handlers
    views = [h.find_help("children abuse help", [], [])[0], h.browse([], []), h.detail("Child House"),
             h.referral(["Child House"], {})[2]]
    for html in views:
        assert "Child House" in html
        assert live_markup(html) == [], html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html or "&lt;script&gt;" in html


def test_an_urgent_situation_puts_the_banner_first(handlers):
    html, _ = handlers.find_help("hes choking my mum right now", [], [])
    assert html.startswith('<section class="urgent-banner" role="alert"')
    banner = html.split("</section>")[0]
    assert 'href="tel:112"' in banner and "8 800 66 366" not in banner  # the crisis line is for suicide and self-harm
    suicide = handlers.find_help("i want to kill myself tonight", [], [])[0].split("</section>")[0]
    assert 'href="tel:112"' in suicide and 'href="tel:+37080066366"' in suicide
    assert "Klaipeda Social and Psychological Support Centre" in suicide and "ending a life" not in suicide
    calm, _ = handlers.find_help("Who pays my hospital bills after I was assaulted?", [], [])
    assert "urgent-banner" not in calm


LINE = crisis_line(load_corpus(ROOT / "corpus"))  # the corpus's own crisis line, never one made up here
CRISIS_TEL = 'href="tel:+37080066366"'


def tels(banner: str) -> list[str]:
    return re.findall(r'href="tel:([^"]+)"', banner)


def lead(key: str, language: str = "en", **values: str) -> str:
    """A catalogue string as the banner shows it, up to its first number."""
    return html.escape(re.split(r"\{(?:emergency|phone)\}", CATALOGUE[language][key])[0].format(**values))


@pytest.mark.parametrize("kind", ["attack_now", "threat_to_kill", "captive", None])
def test_the_banner_offers_the_crisis_line_for_any_kind_when_suicide_is_likely(kind):
    banner = urgent_banner(kind, LINE, "en", crisis=True)
    assert tels(banner)[0] == "112" and CRISIS_TEL in banner
    assert banner.index("<li>" + lead("call_emergency")) < banner.index(CRISIS_TEL)  # 112 first, then the line
    assert html.escape(text(f"kind_{kind}" if kind else "kind_other", "en")) in banner  # the kind's own sentence
    assert "Klaipeda Social and Psychological Support Centre" in banner and "has taken something" not in banner
    assert CRISIS_TEL not in urgent_banner(kind, LINE, "en")  # not offered: 112 alone, as before


def test_a_child_at_risk_of_suicide_sees_the_crisis_line_after_the_child_words():
    banner = urgent_banner("child_danger", LINE, "en", crisis=True)
    assert tels(banner)[0] == "112" and banner.index(lead("child_words")) < banner.index(CRISIS_TEL)
    assert lead("banner_title_child") in banner
    assert CRISIS_TEL not in urgent_banner("child_danger", LINE, "en", crisis=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_offered_crisis_line_speaks_the_answers_language(language):
    answer = Answer(query="...", language=language, urgent=True, urgent_kind="threat_to_kill", urgent_crisis_line=True)
    page = results_html(answer, {}, line=LINE)
    line = lead("crisis_line", language, organisation=LINE.organisation)
    assert page.startswith('<section class="urgent-banner"') and line in page and CRISIS_TEL in page
    calm = results_html(replace(answer, urgent_crisis_line=False), {}, line=LINE)
    assert "urgent-banner" in calm and CRISIS_TEL not in calm


def test_filters_narrow_the_results(handlers):
    text = "I need help and someone to talk to"
    everything, _ = handlers.find_help(text, [], [])
    children, _ = handlers.find_help(text, ["child"], [])  # the taxonomy's keys, shown with its labels
    assert children.count("org-card") < everything.count("org-card")
    assert "Ministry of Justice" not in children and "Child House" in children
    assert f"Filtered (A child): showing {children.count('org-card')} of {everything.count('org-card')}" in children
    none, _ = handlers.find_help(text, ["witness"], ["shelter"])
    assert "No organisation in the results matches these filters" in none
    assert handlers.refilter("   ", ["child"], []) == ("", {})


def test_browse_shows_every_organisation_and_detail_shows_every_passage(handlers):
    listing = handlers.browse([], [])
    assert listing.count("<article") == 8 and "8 of 8 organisations" in listing
    assert handlers.browse([], ["compensation"]).count("<article") == 1
    assert "Vaikas" in handlers.browse(["child"], [], "lt")  # the tags in the page's language
    detail = handlers.detail("Klaipeda Social and Psychological Support Centre")
    assert detail.count("<li>") >= 6  # the description and all five services
    for part in ("https://www.ksppc.lt", "8 800 66 366", "tel:+37080066366",
                 "European e-Justice portal, Lithuania, updated 3 January 2025"):
        assert part in detail
    assert "Choose an organisation" in handlers.detail(None)


def test_referral_holds_the_chosen_organisations_and_never_the_query(handlers):
    _, evidence = handlers.find_help(f"{SECRET} my husband hits me", [], [])
    markdown, download, printable = handlers.referral(
        ["Ministry of Justice", "Klaipeda Social and Psychological Support Centre"], evidence)
    assert "## 1. Ministry of Justice" in markdown and "## 2. Klaipeda" in markdown and "Child House" not in markdown
    assert evidence["lt-klaipeda-social-and-psychological-support-centre"][0] in markdown
    saved = Path(download.value["path"])
    assert saved.name == "referral-list.md" and saved.read_text(encoding="utf-8") == markdown
    assert SECRET not in markdown and SECRET not in printable
    assert download.visible and "Klaipeda" in printable


def test_bad_input_gets_a_clear_message(handlers):
    for odd in ("", "   ", "!!!", None, 42):
        html, _ = handlers.find_help(odd, [], [])
        assert "Please write a few words" in html
    long_html, _ = handlers.find_help("help " * 50_000, [], [])
    assert "Your text was long" in long_html
    weird, _ = handlers.find_help("\x00\ud800 he hit me \u202e", [], [])
    assert "org-card" in weird


def test_a_failure_shows_a_calm_message_and_logs_no_text(handlers, monkeypatch, caplog):
    def broken(text, top_k=None):
        raise ValueError(f"could not read {text}")

    monkeypatch.setattr(handlers.searcher, "search", broken)
    caplog.set_level(logging.DEBUG)
    assert handlers.find_help(f"{SECRET} help", [], []) == (SORRY, {})
    assert "find help failed: ValueError" in caplog.text and SECRET not in caplog.text


def test_no_query_text_in_any_log(handlers, caplog):
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records propagate to it
    logging.getLogger().setLevel(logging.DEBUG)
    for text in (f"{SECRET} he is hitting me right now", f"my {SECRET} was trafficked", f"{SECRET}"):
        handlers.find_help(text, ["woman"], [])
        handlers.refilter(text, [], ["legal"])
        handlers.search(text)
    logging.getLogger("assistant").debug("capture works")  # so an empty capture cannot pass by accident
    assert "capture works" in caplog.text
    assert SECRET not in caplog.text


def test_the_api_answer_carries_urgent(handlers):
    from assistant.safety.danger import KIND_REASONS

    data = handlers.search("i want to kill myself")  # one sentence per kind, whoever found it (rules or learned)
    assert data["urgent"] is True and data["urgent_kind"] == "suicide"
    assert data["urgent_reason"] == KIND_REASONS["suicide"]
    assert data["results"] and {"query", "message", "truncated", "results"} <= set(data)
    assert handlers.search("legal aid")["urgent"] is False


def test_the_api_answer_says_whether_the_crisis_line_is_offered(handlers):
    assert handlers.search("i want to kill myself")["urgent_crisis_line"] is True
    attacked = handlers.search("he is hitting me right now")
    assert attacked["urgent"] is True and attacked["urgent_crisis_line"] is False
    assert handlers.search("legal aid")["urgent_crisis_line"] is False


def test_evaluator_runs_the_suite_or_says_it_is_not_available(handlers, monkeypatch):
    figure, table, breakdown, _, danger, _ = handlers.evaluate("bundled-test")
    assert "<img" in figure and "held out from the rules, trained on by learned" in figure
    assert "<table" in table and "<table" in breakdown and "recall" in danger
    monkeypatch.setitem(sys.modules, "assistant.evaluation.evaluator", None)  # as if it were not there
    _, table, _, _, danger, _ = handlers.evaluate()
    assert EVALUATION_MISSING in table and "precision" in danger


def test_the_evaluator_never_offers_a_held_out_set(handlers):
    from assistant.evaluation.evaluator import choices
    from assistant.learning.situations import HELD_OUT

    offered = [name for _, name in choices()]
    assert offered == ["bundled-dev", "bundled-test", "blind", "blind2", "blind3", "blind4"]
    for name in (*HELD_OUT, "heldout_en/../blind", "bundled", "", None):
        _, table, *rest = handlers.evaluate(name)
        assert table == "<p>That judged set is not offered here.</p>" and not any(rest)


def _downloads(html: str) -> dict[str, bytes]:
    import base64

    return {name: base64.b64decode(data) for name, data in
            re.findall(r'download="([^"]+)" href="data:[^,]+;base64,([^"]+)"', html)}


def test_the_evaluator_names_organisations_and_categories_and_offers_its_files(handlers):
    from assistant.evaluation.evaluator import offered
    from assistant.evaluation.metrics import split_of

    organisations = handlers.searcher.index.corpus.organisations
    figure, _, breakdown, misses, _, downloads = handlers.evaluate("bundled-dev")
    assert "tuned on" in figure and "<table" in misses
    shown = breakdown + misses
    assert not any(o.id in shown for o in organisations)  # ids such as lt-ministry-of-justice
    assert "consular_abroad" not in shown and "help abroad (consular)" in shown
    assert any(o.name in misses for o in organisations)
    files = _downloads(downloads)
    modes = handlers.searcher.modes_for_evaluation()
    dev = {q.id for q in offered("bundled-dev").load()[0]}
    assert dev and all(split_of(q) == "dev" for q in dev)
    assert set(files) == {"bundled-dev-report.md", "bundled-dev-metrics.png",
                          *(f"bundled-dev-run-{m}.trec" for m in modes)}
    report = files["bundled-dev-report.md"].decode()
    assert "## What this set is" in report and "Bundled set, dev half: tuned on." in report
    assert "![metrics](bundled-dev-metrics.png)" in report and not any(o.id in report.split("## Worst")[1]
                                                                       .split("##")[0] for o in organisations)
    assert files["bundled-dev-metrics.png"].startswith(b"\x89PNG")
    for mode in modes:
        lines = files[f"bundled-dev-run-{mode}.trec"].decode().splitlines()
        assert lines and all(re.fullmatch(rf"\S+ Q0 [\w-]+ \d+ -?\d+\.\d+ {mode}", line) for line in lines)
        assert {line.split()[0] for line in lines} <= dev  # the dev half only: the test half stays apart


def test_the_evaluator_is_an_app_of_its_own_never_in_the_public_one(handlers):
    public = build_blocks(handlers.searcher)
    assert "evaluate" not in {fn.name for fn in public.fns.values()}
    assert "run-evaluation" not in str(public.get_config_file())
    evaluator = build_evaluator(handlers.searcher)
    assert [fn.name for fn in evaluator.fns.values() if fn.fn is not None] == ["evaluate"]


def test_only_search_is_public_and_every_ui_event_is_private(handlers):
    demo = build_blocks(handlers.searcher)
    callable_by_clients = [fn.api_name for fn in demo.fns.values() if fn.api_visibility != "private"]
    assert callable_by_clients == ["search"]
    assert demo.analytics_enabled is False


@pytest.mark.slow
def test_no_query_text_in_logs_with_the_real_model(real_searcher, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    h = Handlers(real_searcher)
    for text in (f"{SECRET} my husband hits me", f"{SECRET} i want to die", "x" * 10 + SECRET):
        h.find_help(text, [], [])
        h.search(text)
    assert SECRET not in caplog.text


def test_a_failing_evaluation_is_a_message(handlers, monkeypatch):
    import assistant.evaluation.metrics as evaluation

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(evaluation, "run_suite", broken)
    _, table, *_ = handlers.evaluate()
    assert table == "<p>The evaluation could not run (RuntimeError).</p>"


def test_the_filters_offer_the_taxonomys_needs_that_some_organisation_has(handlers):
    demo = build_blocks(handlers.searcher)
    boxes = {b.elem_id: b for b in demo.blocks.values() if getattr(b, "elem_id", None) in (
        "groups", "services", "browse-groups", "browse-services")}
    for prefix in ("", "browse-"):
        groups = [value for _, value in boxes[f"{prefix}groups"].choices]
        services = [value for _, value in boxes[f"{prefix}services"].choices]
        assert groups == list(handlers.filters.groups) and services == list(handlers.filters.services)
        assert groups[:2] == ["child", "woman"] and "compensation" in services
