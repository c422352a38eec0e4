"""Page-wide styling and scripts: the quick exit, readable contrast, phone width, printing."""

from __future__ import annotations

import json

from assistant.web.strings import LANGUAGES, script_strings, text

NEUTRAL_SITE = "https://www.google.com/"

# Blank the page first, so nothing stays on screen while the neutral site loads; replace() leaves
# no history entry for this page, so Back does not return to it.
_LEAVE = ("document.title = 'Google'; document.documentElement.innerHTML = '';"
          f"window.location.replace('{NEUTRAL_SITE}');")
EXIT_JS = f"() => {{ {_LEAVE} }}"
# After a search, bring the answer (the urgent banner first, when there is one) into view on a small screen.
SHOW_RESULTS_JS = "() => { const r = document.querySelector('#results'); if (r) r.scrollIntoView({block: 'start'}); }"

# The interface's language: what the page shows now (Gradio sets <html lang> from its locale).
LANG_JS = "(document.documentElement.lang || 'en').split('-')[0]"
# Events that answer in words pass the interface's language as their last input (read from the page).
WITH_LANGUAGE_JS = f"(...values) => [...values.slice(0, -1), {LANG_JS}]"


def example_js(number: int) -> str:
    """An example button searches with its own words, as the page shows them (in the interface's language)."""
    return (f"(s, g, v, l) => [document.querySelector('#example-{number}').innerText.trim(), g, v, {LANG_JS}]")


# Shift pressed three times in a row (within five seconds), as GOV.UK's "Exit this page" does.
# Enter searches (Shift+Enter: a new line); the live character count; the language switch; the
# caseworker's referral list, kept in the order chosen, and notes that never leave the page.
HEAD_SCRIPT = """<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<script>
window.__helpStrings = __STRINGS__;
(function () {
  let presses = 0, first = 0;
  const words = (key) => { const lang = (document.documentElement.lang || 'en').split('-')[0];
    return (window.__helpStrings[lang] || window.__helpStrings.en)[key] || window.__helpStrings.en[key]; };
  const fill = (template, values) => template.replace(/\\{(\\w+)\\}/g, (_, k) => values[k]);
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Shift') { presses = 0; } else if (!event.repeat) {
      const now = Date.now();
      if (presses === 0 || now - first > 5000) { presses = 0; first = now; }
      presses += 1;
      if (presses >= 3) { __LEAVE__ }
      return;
    }
    const box = event.target.closest && event.target.closest('#situation');
    if (box && event.key === 'Enter' && !event.isComposing) {
      event.stopPropagation();  // Gradio's own handler would search on Shift+Enter and not on Enter
      if (!event.shiftKey) { event.preventDefault(); document.querySelector('#find-button').click(); }
    }
  }, true);
  // Gradio's textbox acts on keypress too (Shift+Enter searches there): keep it from seeing Enter at all.
  document.addEventListener('keypress', function (event) {
    if (event.key === 'Enter' && event.target.closest && event.target.closest('#situation')) {
      event.stopPropagation();
      if (!event.shiftKey) event.preventDefault();
    }
  }, true);
  document.addEventListener('input', function (event) {
    if (!(event.target.closest && event.target.closest('#situation'))) return;
    const out = document.querySelector('#char-count');
    if (!out) return;
    const max = Number(out.dataset.max), n = event.target.value.length;
    const key = n > max ? 'chars_over' : (n >= 0.8 * max ? 'chars_near' : null);
    out.textContent = key ? fill(words(key), {n: n.toLocaleString(), max: max.toLocaleString()}) : '';
    out.classList.toggle('over', n > max);
  }, true);
  // The referral list: names in the order chosen, in memory only; the hidden field tells the server.
  const chosen = [];
  function tellServer() {
    const field = document.querySelector('#referral-order textarea');
    if (!field) return;
    field.value = JSON.stringify(chosen);
    field.dispatchEvent(new Event('input', {bubbles: true}));
  }
  function markButtons() {
    document.querySelectorAll('button.add-referral').forEach(function (b) {
      const on = chosen.includes(b.dataset.name);
      const label = words(on ? 'in_referral' : 'add_referral');  // write only changes: the observer sees writes
      if (b.getAttribute('aria-pressed') !== String(on)) b.setAttribute('aria-pressed', String(on));
      if (b.textContent !== label) b.textContent = label;
    });
  }
  function notesText() { const n = document.querySelector('#referral-notes'); return n ? n.value.trim() : ''; }
  function withNotes() {
    const list = (document.querySelector('#referral-markdown textarea') || {}).value || '';
    const notes = notesText();
    return notes ? list + '\\n## ' + words('referral_notes') + '\\n\\n' + notes + '\\n' : list;
  }
  document.addEventListener('click', function (event) {
    const add = event.target.closest && event.target.closest('button.add-referral');
    if (add) {
      const at = chosen.indexOf(add.dataset.name);
      if (at >= 0) chosen.splice(at, 1); else chosen.push(add.dataset.name);
      markButtons(); tellServer(); return;
    }
    const id = event.target.closest && (event.target.closest('button') || {}).id;
    if (id === 'copy-referral') {
      navigator.clipboard.writeText(withNotes()).then(function () {
        document.querySelector('#referral-status').textContent = words('copied'); });
    } else if (id === 'download-txt') {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([withNotes()], {type: 'text/plain;charset=utf-8'}));
      link.download = 'referral-list.txt'; document.body.appendChild(link); link.click(); link.remove();
    } else if (id === 'print-referral') {
      const box = document.querySelector('#referral-print .referral-print');
      if (box) {
        let printed = box.querySelector('.print-notes');
        if (!printed) { printed = document.createElement('div'); printed.className = 'print-notes'; box.appendChild(printed); }
        printed.textContent = notesText() ? words('referral_notes') + ': ' + notesText() : '';
      }
      window.print();
    }
  });
  // Whatever Gradio redraws (results, or tabs redrawn after a locale change on a slow phone) gets the page's
  // words again; relabel only writes what differs, so its own writes end the loop.
  new MutationObserver(function () { relabel(); })
    .observe(document.documentElement, {childList: true, subtree: true});
  // The language switch: Gradio's own locale (its gr.I18n strings), then the few words Gradio does not redraw.
  function relabel() {
    // Gradio does not redraw tab labels on a locale change: each tab is found by its id, not its place.
    const tabs = {find: 'tab_find', browse: 'tab_browse', referral: 'tab_referral', safety: 'tab_safety'};
    document.querySelectorAll('button[role="tab"][data-tab-id]').forEach(function (b) {
      const key = tabs[b.dataset.tabId], label = key && words(key);
      if (label && b.textContent !== label) b.textContent = label; });
    document.querySelectorAll('[data-words]').forEach(function (e) {
      const label = words(e.dataset.words); if (e.textContent !== label) e.textContent = label; });
    markButtons();
  }
  async function switchTo(lang) {
    const core = performance.getEntriesByType('resource').map(e => e.name).find(n => /\\/assets\\/core-[^/]*\\.js$/.test(n));
    if (core) { (await import(core)).changeLocale(lang); }
    document.documentElement.lang = lang;
    setTimeout(relabel, 50);
  }
  document.addEventListener('change', function (event) {
    if (event.target.id === 'language-select') switchTo(event.target.value);
  });
  const ready = setInterval(function () {
    const select = document.querySelector('#language-select');
    if (!select) return;
    clearInterval(ready);
    const lang = (document.documentElement.lang || 'en').split('-')[0];
    select.value = window.__helpStrings[lang] ? lang : 'en';
    relabel();
  }, 100);
  document.addEventListener('click', function (event) {  // a tab opened: its static words in the page's language
    if (event.target.closest && event.target.closest('button[role="tab"]')) setTimeout(relabel, 50);
  });
})();
</script>"""

CSS = """
/* Readable contrast (WCAG AA, 4.5:1 and more) for the theme's accent colours, light and dark. */
:root, .dark { --button-primary-background-fill: #1d4ed8; --button-primary-background-fill-hover: #1e3a8a;
  --button-primary-text-color: #ffffff; --button-primary-text-color-hover: #ffffff; --color-accent: #1d4ed8;
  --link-text-color: #0b3d91; --link-text-color-hover: #082c6c; --link-text-color-visited: #5b2a86; }
.dark { --link-text-color: #9ec5ff; --link-text-color-visited: #d0b3ff; }
button[role="tab"][aria-selected="true"] { color: #1d4ed8 !important; }
/* A bar of its own for Quick exit and the language: it never covers the page's content. */
#topbar { position: fixed !important; top: 0; left: 0; right: 0; z-index: 10000; margin: 0 !important;
  display: flex; flex-direction: row-reverse; flex-wrap: nowrap; justify-content: space-between; align-items: center;
  gap: 8px; padding: 6px 10px; min-height: 56px; background: var(--body-background-fill, #fff);
  border-bottom: 1px solid #767676; box-sizing: border-box; }
#topbar > * { flex: none !important; min-width: 0 !important; width: auto !important; }
#quick-exit { font-weight: 700; background: #b3261e; color: #fff; border: 2px solid #fff; min-height: 44px;
  min-width: 44px; padding: 0 16px; box-shadow: 0 1px 4px rgba(0,0,0,.4); }
#quick-exit:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
#language-select { min-height: 44px; font-size: 1rem; padding: 0 8px; border: 1px solid #595959; border-radius: 6px;
  background: #fff; color: #1b1b1b; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
.gradio-container { padding-top: 68px !important; }
/* Scrolled to after a search: the urgent banner's first line must land below the bar, not under it. */
#results { scroll-margin-top: 72px; }
#ui-language, #referral-order { display: none !important; }
#char-count { min-height: 1.2em; margin: 0; }
#char-count.over { color: #8a1c1c; font-weight: 700; }
#enter-hint p { margin: 0; font-size: .95em; }
.example { text-align: left !important; justify-content: flex-start !important; min-height: 44px; white-space: normal !important; }
/* Every phone number is a tap target of at least 44x44 px that keeps the line's rhythm: the padding reaches
   into the lines above and below and the negative margins give that space back, so the number sits where
   plain text would (an inline-block's margin box is what its line makes room for). */
a[href^="tel:"] { display: inline-block !important; min-width: 44px; box-sizing: border-box; text-align: center;
  white-space: nowrap; padding: 12px 10px !important; margin: -12px -10px !important;  /* where lh is unknown */
  padding: max(12px, calc(22.5px - 0.5lh)) 10px !important; margin: min(-12px, calc(0.5lh - 22.5px)) -10px !important; }
.add-referral, #referral-tools button { min-height: 44px; padding: 0 14px; border: 2px solid #1d4ed8; border-radius: 6px;
  background: #fff; color: #1d4ed8; font-weight: 600; cursor: pointer; }
.add-referral[aria-pressed="true"] { background: #1d4ed8; color: #fff; }
#referral-notes { width: 100%; min-height: 6em; font: inherit; border: 1px solid #595959; border-radius: 6px; padding: 8px; }
.language-note { font-style: italic; }
#intro, #safety-note { max-width: 60em; }
.urgent-banner { border: 3px solid #8a1c1c; background: #fff4f2; color: #1b1b1b; padding: 12px 16px;
  border-radius: 8px; margin: 8px 0 16px; }
.urgent-banner h2 { color: #8a1c1c; margin: 0 0 8px; font-size: 1.3em; }
.urgent-banner a { color: #0b3d91; font-weight: 700; }
.urgent-banner .source { color: #3d3d3d; font-size: .9em; }
.org-card, .org-detail { border: 1px solid #767676; border-radius: 8px; padding: 12px; margin: 8px 0; }
.org-card h3, .org-detail h2 { margin-top: 0; }
.org-card a, .org-detail a, .referral-print a { text-decoration: underline; overflow-wrap: anywhere; }
.tags { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px; }
.tags li { border: 1px solid #595959; border-radius: 12px; padding: 0 8px; font-size: .85em; }
mark { background: #ffe08a; color: #000; }
.notice { font-weight: 600; }
#views button[role="tab"] { min-height: 44px; }
/* The Evaluator: every table scrolls sideways in its own region, and no word is broken inside a cell. */
.table-scroll { overflow-x: auto; max-width: 100%; margin: 8px 0 16px; }
.table-scroll:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
.table-scroll table { border-collapse: collapse; width: auto; min-width: 0; margin: 0; }
.table-scroll th, .table-scroll td { border: 1px solid #767676; padding: 4px 8px; text-align: left;
  vertical-align: top; overflow-wrap: normal; word-break: normal; hyphens: none; }
.table-scroll td.words { min-width: 11em; max-width: 28em; }
#evaluation-figure figure { margin: 0; }
#evaluation-figure img { max-width: 100%; height: auto; border: 1px solid #767676; }
#evaluation-figure figcaption, #evaluation-about { max-width: 60em; }
.evaluation-downloads a { display: inline-block; min-height: 44px; line-height: 44px; margin-right: 16px; }
"""

# Gradio rewrites selectors inside @media blocks of ``css`` to its own scope, so "body *" would match
# nothing there; the same rules in a <style> of the head stay as written.
MEDIA_CSS = """<style>
@media (max-width: 480px) { .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
  /* On a phone the box and its button must fit on the first screen, under the short introduction. */
  #intro h2 { font-size: 1.15em !important; margin: 0 0 4px !important; }
  #intro p { margin: 4px 0 !important; line-height: 1.35; }
  #situation textarea { min-height: 4.5em; }
  /* Every view one tap away: the tabs wrap into two columns instead of hiding behind a "More tabs" menu. */
  #views [role="tablist"] { display: grid !important; grid-template-columns: 1fr 1fr; column-gap: 4px; }
  #views button[role="tab"] { white-space: normal !important; line-height: 1.2; padding: 2px 6px !important; }
  /* Gradio's 32 px each side leaves a phone 299 of its 375 px: keep the width for the words. */
  .gradio-container .main.fillable { padding-left: 4px !important; padding-right: 4px !important; } }
/* An empty count takes no room (nor the column's gap) but stays in place: a screen reader hears it fill. */
#char-count-box:has(#char-count:empty) { position: absolute !important; width: 1px; height: 1px; overflow: hidden; }
@media print {
  body * { visibility: hidden !important; }
  #referral-print, #referral-print * { visibility: visible !important; }
  #referral-print { position: absolute; left: 0; top: 0; width: 100%; }
  #quick-exit { display: none !important; }
}
</style>"""



def language_switch_html() -> str:
    """The language switch: each language named in itself, so anyone can find their own."""
    options = "".join(f'<option value="{code}" lang="{code}">{text("language_name", code)}</option>'
                      for code in LANGUAGES)
    label = " · ".join(dict.fromkeys(text("language_label", code) for code in LANGUAGES))
    return (f'<label class="visually-hidden" for="language-select">{label}</label>'
            f'<select id="language-select" aria-label="{label}">{options}</select>')


HEAD = (HEAD_SCRIPT.replace("__STRINGS__", json.dumps(script_strings(), ensure_ascii=False))
        .replace("__LEAVE__", _LEAVE) + MEDIA_CSS)
