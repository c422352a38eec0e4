"""The real app in a real browser (Debian's Chromium driven by Playwright): what a person sees and does.

Skipped when Chromium or Playwright is missing, except in CI (``CI=true``), where that is a failure:
the Makefile's ``test`` target installs Chromium. Screenshots go to test-output/screenshots/.

Loading Gradio's page costs about two seconds of CPU. Tests that only search and read share one page
(``same_page``: back on the first view, at desktop width, on screen media, before each; each search waits
for its own answer); tests whose subject is a fresh page, or that change what the page remembers (filters,
the referral list) or leave it, open their own (``page``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = os.environ.get("ASSISTANT_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NEUTRAL = "https://www.google.com/"


def _missing(what: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} is missing in CI; `make test` installs it (apt-get install chromium chromium-driver)")
    pytest.skip(f"{what} is not installed (make test installs it)")



@pytest.fixture(scope="module")
def app_url(served):
    return served[1]


@pytest.fixture(scope="module")
def browser(chromium):
    # A context of its own: a fresh, empty profile, nothing from another test module.
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def open_app(browser, app_url):
    """A new page of the app, loaded and ready."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    # The machine is offline: the neutral site is answered locally, anything else outside the app is refused.
    page.route("https://www.google.com/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<title>Google</title><p>neutral page</p>"))
    page.route(lambda url: not url.startswith(app_url) and not url.startswith(NEUTRAL) and not url.startswith("data:"),
               lambda route: route.abort())
    page.goto("about:blank")
    page.goto(app_url)
    page.wait_for_selector("#find-button", timeout=30_000)
    return page


@pytest.fixture
def page(browser, app_url):
    """A page of its own, freshly loaded."""
    page = open_app(browser, app_url)
    yield page
    page.close()


@pytest.fixture(scope="module")
def _shared_page(browser, app_url):
    page = open_app(browser, app_url)
    yield page
    page.close()


@pytest.fixture
def same_page(_shared_page, app_url):
    """The module's shared page for tests that only search and read: back on the first view, at desktop
    width, on screen media, scrolled to the top. What a test checks of its own answer, it waits for (search)."""
    page = _shared_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(media="screen")
    open_tab(page, "Find help")
    page.locator("#find-button").wait_for(timeout=30_000)
    page.evaluate("window.scrollTo(0, 0)")
    return page


def open_tab(page, name: str):
    """Click a tab: every one is in sight at any width (they wrap on a phone, no "More tabs" menu)."""
    page.get_by_role("tab", name=name).click()


# Before a search on a page that may already show an answer: the cards drawn so far are marked, and the
# results' busy state (Gradio's .pending, set while an event runs) is watched from now on.
_WATCH_RESULTS = """() => {
  const results = document.querySelector('#results');
  results.querySelectorAll('article.org-card').forEach(card => card.dataset.earlier = '1');
  const busy = () => results.matches('.pending') || !!results.querySelector('.pending');
  window.__answer = 'asked';
  const watch = new MutationObserver(() => {
    if (busy()) window.__answer = 'running';
    else if (window.__answer === 'running') { window.__answer = 'done'; watch.disconnect(); }
  });
  watch.observe(results, {attributes: true, childList: true, subtree: true});
}"""
# The answer to this search is on screen: cards drawn since it was asked, or (an answer the same as the one
# before, which Gradio does not draw again) its event has run and ended.
_ANSWERED = ("() => !!document.querySelector('#results article.org-card:not([data-earlier])')"
             " || (window.__answer === 'done' && !!document.querySelector('#results article.org-card'))")


def answered(page, ask) -> None:
    """Run ``ask`` (it types and sends a situation), then wait for that situation's answer, never an earlier one."""
    page.evaluate(_WATCH_RESULTS)
    ask()
    page.wait_for_function(_ANSWERED, timeout=30_000)


def search(page, text: str):
    def ask():
        page.fill("#situation textarea", text)
        page.click("#find-button")
    answered(page, ask)
    return page.locator("#results article.org-card h3").all_inner_texts()


def test_a_situation_gives_ranked_cards_with_evidence(same_page):
    page = same_page
    names = search(page, "My daughter told me an adult touched her. What can I do?")
    assert len(names) >= 3 and names[0].startswith("1. ")
    assert "Child House" in names[0]
    assert page.locator("#results article.org-card").first.locator("ul.evidence li").count() >= 1
    assert page.locator(".urgent-banner").count() == 0
    page.screenshot(path=str(SHOTS / "results-desktop.png"), full_page=True)


def test_an_urgent_situation_shows_the_banner_first(same_page):
    page = same_page
    search(page, "he is kicking the door and says he will kill me tonight")
    banner = page.locator("#results .urgent-banner")
    assert banner.is_visible()
    text = banner.inner_text()
    assert "112" in text and "threatened a life" not in text
    call = banner.locator('a[href="tel:112"]').first.bounding_box()
    assert call["width"] >= 44 and call["height"] >= 44
    first_card = page.locator("#results article.org-card").first
    assert banner.bounding_box()["y"] < first_card.bounding_box()["y"]
    page.screenshot(path=str(SHOTS / "urgent-banner.png"))


def test_filters_change_the_results(page):
    before = search(page, "I need help and someone to talk to")
    page.get_by_text("Filter the results (optional)").click()
    page.locator("#groups label", has_text="Human trafficking").click()
    page.wait_for_function("(n) => document.querySelectorAll('#results article.org-card').length < n",
                           arg=len(before), timeout=30_000)
    after = page.locator("#results article.org-card h3").all_inner_texts()
    assert 0 < len(after) < len(before)
    assert not any("Child House" in name for name in after)
    page.screenshot(path=str(SHOTS / "filters-results.png"), full_page=True)
    open_tab(page, "All organisations")
    page.locator("#browse-services label", has_text="Money for what the crime cost").click()  # the taxonomy's label
    page.wait_for_function("() => document.querySelectorAll('#browse-list article.org-card').length === 1")
    assert "1 of 8 organisations" in page.locator("#browse-list").inner_text()
    assert "Ministry of Justice" in page.locator("#browse-list").inner_text()


def test_browse_and_detail_without_a_query(same_page):
    page = same_page
    open_tab(page, "All organisations")
    assert page.locator("#browse-list article.org-card").count() == 8
    page.locator("#which input").click()
    page.get_by_role("option", name="Klaipeda Social and Psychological Support Centre").click()
    detail = page.locator("#detail .org-detail")
    detail.wait_for(timeout=30_000)
    text = detail.inner_text()
    assert "8 800 66 366" in text and "https://www.ksppc.lt" in text
    assert "tries to prevent suicides" in text and "European e-Justice portal, Lithuania, updated 3 January 2025" in text
    detail.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "detail.png"))


def test_the_referral_export_holds_the_chosen_organisations(page):
    search(page, "my husband hits me and I am afraid to go home")
    for name in ("Klaipeda Social and Psychological Support Centre", "Ministry of Justice"):  # the order chosen
        add = page.locator(f'#results button.add-referral[data-name="{name}"]')
        if not add.is_visible():  # behind "More organisations"
            page.locator("#results details.more-results > summary").click()
        add.click()
    open_tab(page, "Referral list")
    page.wait_for_function("() => document.querySelector('#referral-markdown textarea').value.includes('## 2.')",
                           timeout=30_000)
    markdown = page.locator("#referral-markdown textarea").input_value()
    assert "Klaipeda Social and Psychological Support Centre" in markdown and "Ministry of Justice" in markdown
    assert markdown.index("Klaipeda") < markdown.index("Ministry of Justice")  # in the order chosen, not ranked
    assert "Child House" not in markdown and "my husband hits me" not in markdown
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == "referral-list.md"
    assert Path(download.value.path()).read_text(encoding="utf-8") == markdown
    assert "8 800 66 366" in page.locator("#referral-print").inner_text()
    page.screenshot(path=str(SHOTS / "referral.png"), full_page=True)


def _left_for_good(page, app_url):
    page.wait_for_url(NEUTRAL + "**", timeout=10_000)
    assert page.title() == "Google"
    page.go_back()
    page.wait_for_timeout(500)
    assert not page.url.startswith(app_url), "Back returned to the app"
    assert "Why this was suggested" not in page.content()


def test_quick_exit_button_leaves_and_back_does_not_return(page, app_url):
    search(page, "he took my passport")
    page.click("#quick-exit")
    _left_for_good(page, app_url)


def test_shift_three_times_leaves_and_back_does_not_return(page, app_url):
    search(page, "he took my passport")
    page.focus("#situation textarea")
    for _ in range(3):
        page.keyboard.press("Shift")
    _left_for_good(page, app_url)


def test_phone_width_shows_the_exit_button_on_every_view(same_page):
    page = same_page
    page.set_viewport_size({"width": 375, "height": 740})
    search(page, "i want to die")
    for tab in ("Find help", "All organisations", "Referral list", "Safety and privacy"):
        open_tab(page, tab)
        page.mouse.wheel(0, 600)
        box = page.locator("#quick-exit").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 and 0 <= box["y"] < 60, tab
    page.screenshot(path=str(SHOTS / "phone-375-safety-note.png"))
    open_tab(page, "Find help")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "phone-375-urgent.png"))
    page.evaluate("window.scrollTo(0, 900)")
    page.screenshot(path=str(SHOTS / "phone-375-scrolled.png"))


def test_keyboard_first_stop_is_quick_exit_and_every_field_is_labelled(page):
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, textarea, select')]
        .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
        .map(e => e.outerHTML.slice(0, 120))""")
    assert unlabelled == []


def test_markup_typed_by_a_person_never_runs(same_page):
    page = same_page
    search(page, '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> help after assault')
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss === undefined")


def test_typing_capitals_does_not_leave_but_keyboard_alone_finds_help(page, app_url):
    page.focus("#situation textarea")
    for word in ("He", "Has", "A", "Knife"):  # Shift held for each capital, as a person types
        page.keyboard.down("Shift")
        page.keyboard.press(word[0])
        page.keyboard.up("Shift")
        page.keyboard.type(word[1:] + " ")
    assert page.url.startswith(app_url)
    page.keyboard.press("Tab")
    for _ in range(20):  # on to the Find help button with the keyboard only
        if page.evaluate("document.activeElement.id") == "find-button":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results .urgent-banner", timeout=30_000)


_CONTRAST = """(selector) => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const element = document.querySelector(selector);
  let back = element, bg = [255, 255, 255];
  while (back) {
    const c = rgb(getComputedStyle(back).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) { bg = c.slice(0, 3); break; }
    back = back.parentElement;
  }
  const [a, b] = [lum(rgb(getComputedStyle(element).color).slice(0, 3)), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_text_and_controls_have_readable_contrast(same_page):
    page = same_page
    search(page, "he is hitting me right now")
    for selector in ("#quick-exit", "#find-button", "#intro p", ".urgent-banner h2", ".urgent-banner p",
                     "#results article.org-card p", "#results article.org-card a", "#situation label span"):
        ratio = page.evaluate(_CONTRAST, selector)
        assert ratio >= 4.5, (selector, ratio)


def test_the_printed_page_is_the_referral_list(same_page):
    page = same_page
    open_tab(page, "All organisations")
    page.locator('#browse-list button.add-referral[data-name="Child House"]').click()
    open_tab(page, "Referral list")
    page.wait_for_selector("#referral-print .referral-print", timeout=30_000)
    page.emulate_media(media="print")
    page.wait_for_timeout(600)  # buttons have a CSS transition; visibility changes only when it ends
    visible = page.evaluate("""() => ['#referral-print h3', '#find-button', '#copy-referral', '#intro']
        .map(s => document.querySelector(s)).map(e => e && getComputedStyle(e).visibility === 'visible')""")
    assert visible == [True, False, False, False]
    assert not page.locator("#quick-exit").is_visible()
    page.emulate_media(media="screen")


HOSTILE = ('<img src=x onerror="window.__xss=1"> <svg onload="window.__xss=2"></svg> '
           '<a href="javascript:window.__xss=3">click</a> [link](javascript:window.__xss=4) <script>window.__xss=5</script>')


@pytest.fixture(scope="module")
def hostile_url(real_searcher, tmp_path_factory):
    """The real app over a corpus whose own text carries markup, as a tampered page might."""
    from app import build_demo, serve
    from assistant.config import Settings
    from assistant.index.store import load_or_build
    from assistant.retrieval.search import Searcher

    folder = tmp_path_factory.mktemp("hostile-corpus")
    page = (ROOT / "corpus" / "lt-help-and-support-for-victims-of-crime.txt").read_text(encoding="utf-8")
    page = page.replace("- accompanies children to other institutions", f"- accompanies children {HOSTILE} to other institutions")
    (folder / "lt-page.txt").write_text(page, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("hostile-index")
    embedder = real_searcher.embedder  # the app's own English model
    index = load_or_build(folder, index_dir, embedder, say=lambda _: None)
    demo = build_demo(Searcher(index, embedder, Settings(corpus_dir=folder, index_dir=index_dir)))
    _, url, _ = serve(demo, "127.0.0.1", free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


def test_markup_in_the_corpus_never_runs_and_links_are_only_the_corpus_websites(browser, hostile_url):
    from assistant.corpus.parse import load_corpus

    websites = {o.website for o in load_corpus(ROOT / "corpus").organisations if o.website}
    page = browser.new_page()
    page.goto(hostile_url)
    page.wait_for_selector("#find-button", timeout=30_000)
    search(page, "someone to go with my child to other institutions " + HOSTILE)
    assert "accompanies children <img" in page.locator("#results").inner_text()  # shown as text
    open_tab(page, "All organisations")
    page.locator("#which input").click()
    page.get_by_role("option", name="Child House").click()
    page.locator("#detail .org-detail").wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss === undefined")
    links = page.evaluate("[...document.querySelectorAll('#results a, #browse-list a, #detail a')].map(a => a.getAttribute('href'))")
    assert links and all(link.startswith("tel:") or link in websites for link in links), links
    assert page.locator("#results img, #results svg, #results script, #detail img, #detail script").count() == 0
    page.close()


@pytest.fixture(scope="module")
def evaluator_url(real_searcher):
    """The opt-in Evaluator app (``python app.py --evaluator``): apart from the page victims use."""
    from app import serve
    from assistant.web.ui import build_evaluator

    demo = build_evaluator(real_searcher)
    _, url, _ = serve(demo, "127.0.0.1", free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


def test_the_public_page_has_no_evaluator(same_page):
    page = same_page
    tabs = page.get_by_role("tab").all_inner_texts()
    assert "Find help" in tabs and not any("Evaluator" in tab for tab in tabs)
    assert page.locator("#run-evaluation").count() == 0


# Words a table cell broke across two lines (a narrow column squeezed until it breaks inside words).
_BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""


def test_the_evaluator_on_a_phone_and_a_desktop(browser, evaluator_url):
    """The Evaluator app: a choice of judged set (never a held-out one), the plot in the page with what the set
    was used for beside it, names instead of ids, tables that keep their words whole at 375 px, the runs and the
    report to download, and axe-core's check at both widths."""
    from axe_playwright_python.sync_playwright import Axe

    from assistant.corpus.parse import load_corpus

    organisations = load_corpus(ROOT / "corpus").organisations
    page = browser.new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(evaluator_url)
    choices = page.locator("#query-set label")
    choices.first.wait_for(timeout=30_000)
    labels = choices.all_inner_texts()
    assert len(labels) == 6 and [label.split(" (")[0] for label in labels] == [
        "Bundled set, dev half", "Bundled set, test half", "Blind set 1", "Blind set 2", "Blind set 3", "Blind set 4"]
    assert all(label.endswith(("tuned on", "held out from the rules, trained on by learned")) for label in labels)
    values = page.locator("#query-set input").evaluate_all("inputs => inputs.map(i => i.value)")
    assert not any("heldout" in value for value in values), values
    page.screenshot(path=str(SHOTS / "evaluator-375-choice.png"))
    page.locator("#query-set label", has_text="Bundled set, dev half").click()
    page.click("#run-evaluation")
    page.wait_for_selector("#evaluation-downloads a", timeout=180_000)

    image = page.locator("#evaluation-figure img")
    assert image.is_visible()
    size = image.evaluate("i => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width]")
    assert size[1] > size[0] and size[2] <= 375  # the upright drawing, within the phone's width
    caption = page.locator("#evaluation-about")
    assert caption.inner_text().startswith("Bundled set, dev half: tuned on.")
    assert "No set offered here is held out for the default mode" in caption.inner_text()
    image_bottom = image.bounding_box()["y"] + image.bounding_box()["height"]
    assert 0 <= caption.bounding_box()["y"] - image_bottom < 40  # right beside the figure it qualifies
    misses = page.locator("#evaluation-misses").inner_text()
    # The learned layer was trained on this set (its nearest neighbours include these very lines), so it may
    # miss none; where it misses, organisations are named as people know them, never by id.
    assert not any(o.id in misses for o in organisations)
    assert "No misses" in misses or any(o.name in misses for o in organisations)
    assert not any(key in page.locator("#evaluation-breakdown").inner_text()
                   for key in ("consular_abroad", "crisis_suicide", "victim_typo"))
    assert page.evaluate(_BROKEN_WORDS, ".table-scroll th, .table-scroll td") == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375  # wide tables scroll in their own region
    page.screenshot(path=str(SHOTS / "evaluator-375.png"), full_page=True)

    with page.expect_download() as report:
        page.locator("#evaluation-downloads a", has_text="Report (Markdown)").click()
    assert report.value.suggested_filename == "bundled-dev-report.md"
    text = Path(report.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Relevance evaluation report") and "Bundled set, dev half: tuned on." in text
    with page.expect_download() as run:
        page.locator("#evaluation-downloads a", has_text="Run of learned (TREC)").click()
    lines = Path(run.value.path()).read_text(encoding="utf-8").splitlines()
    assert run.value.suggested_filename == "bundled-dev-run-learned.trec"
    assert len(lines) >= 90 and all(len(line.split()) == 6 and line.endswith(" learned") for line in lines)

    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        serious = [(v["id"], len(v["nodes"])) for v in Axe().run(page).response["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], (width, serious)
    page.wait_for_function("() => { const i = document.querySelector('#evaluation-figure img');"
                           " return i.complete && i.naturalWidth > i.naturalHeight; }")  # the wide drawing now
    page.screenshot(path=str(SHOTS / "evaluator-1366.png"), full_page=True)
    page.close()
