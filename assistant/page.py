"""Page-wide styling and scripts: the quick exit, readable contrast, phone width, printing."""

from __future__ import annotations

NEUTRAL_SITE = "https://www.google.com/"

# Blank the page first, so nothing stays on screen while the neutral site loads; replace() leaves
# no history entry for this page, so Back does not return to it.
_LEAVE = ("document.title = 'Google'; document.documentElement.innerHTML = '';"
          f"window.location.replace('{NEUTRAL_SITE}');")
EXIT_JS = f"() => {{ {_LEAVE} }}"
# After a search, bring the answer (the urgent banner first, when there is one) into view on a small screen.
SHOW_RESULTS_JS = "() => { const r = document.querySelector('#results'); if (r) r.scrollIntoView({block: 'start'}); }"

# Shift pressed three times in a row (within five seconds), as GOV.UK's "Exit this page" does.
HEAD_SCRIPT = f"""<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<script>
(function () {{
  let presses = 0, first = 0;
  document.addEventListener('keydown', function (event) {{
    if (event.key !== 'Shift') {{ presses = 0; return; }}
    if (event.repeat) return;
    const now = Date.now();
    if (presses === 0 || now - first > 5000) {{ presses = 0; first = now; }}
    presses += 1;
    if (presses >= 3) {{ {_LEAVE} }}
  }}, true);
}})();
</script>"""

CSS = """
/* Readable contrast (WCAG AA, 4.5:1 and more) for the theme's accent colours, light and dark. */
:root, .dark { --button-primary-background-fill: #1d4ed8; --button-primary-background-fill-hover: #1e3a8a;
  --button-primary-text-color: #ffffff; --button-primary-text-color-hover: #ffffff; --color-accent: #1d4ed8;
  --link-text-color: #0b3d91; --link-text-color-hover: #082c6c; --link-text-color-visited: #5b2a86; }
.dark { --link-text-color: #9ec5ff; --link-text-color-visited: #d0b3ff; }
button[role="tab"][aria-selected="true"] { color: #1d4ed8 !important; }
#quick-exit { position: fixed !important; top: 8px; right: 8px; z-index: 10000; width: auto !important;
  min-width: 0; flex: none; font-weight: 700; background: #b3261e; color: #fff; border: 2px solid #fff;
  box-shadow: 0 1px 4px rgba(0,0,0,.4); }
#quick-exit:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
.gradio-container { padding-top: 44px !important; }
#intro, #safety-note { max-width: 60em; }
.urgent-banner { border: 3px solid #8a1c1c; background: #fff4f2; color: #1b1b1b; padding: 12px 16px;
  border-radius: 8px; margin: 8px 0 16px; }
.urgent-banner h2 { color: #8a1c1c; margin: 0 0 8px; font-size: 1.3em; }
.urgent-banner a { color: #0b3d91; font-weight: 700; }
.urgent-banner a, .org-card a, .org-detail a { padding: 0 !important; margin: 0 !important; }
a[href^="tel:"] { white-space: nowrap; }
.urgent-banner .source { color: #3d3d3d; font-size: .9em; }
.org-card, .org-detail { border: 1px solid #767676; border-radius: 8px; padding: 12px; margin: 8px 0; }
.org-card h3, .org-detail h2 { margin-top: 0; }
.org-card a, .org-detail a, .referral-print a { text-decoration: underline; overflow-wrap: anywhere; }
.tags { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px; }
.tags li { border: 1px solid #595959; border-radius: 12px; padding: 0 8px; font-size: .85em; }
mark { background: #ffe08a; color: #000; }
.notice { font-weight: 600; }
"""

# Gradio rewrites selectors inside @media blocks of ``css`` to its own scope, so "body *" would match
# nothing there; the same rules in a <style> of the head stay as written.
MEDIA_CSS = """<style>
@media (max-width: 480px) { .gradio-container { padding-left: 6px !important; padding-right: 6px !important; } }
@media print {
  body * { visibility: hidden !important; }
  #referral-print, #referral-print * { visibility: visible !important; }
  #referral-print { position: absolute; left: 0; top: 0; width: 100%; }
  #quick-exit { display: none !important; }
}
</style>"""

HEAD = HEAD_SCRIPT + MEDIA_CSS
