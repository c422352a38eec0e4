"""Show an Answer: JSON for programs, plain text for a terminal, HTML cards for the app.

Everything from the corpus or the person is escaped before it is put into HTML; links are only
the corpus's own http(s) websites.
"""

from __future__ import annotations

import html
import re
from typing import Any

from assistant.corpus.phones import EMERGENCY_NUMBER, tel_link
from assistant.safety.danger import CRISIS_KINDS, CrisisLine
from assistant.taxonomy import BY_KEY
from assistant.types import Answer, Organisation, OrganisationResult
from assistant.web.strings import CATALOGUE, answer_language, long_date, text

_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(
    "a an and are as at be been but by can do for from had has have he her him his i if in into is it "
    "its me my no not of on or our she so that the their them they this to was we were what when who "
    "with you your will would there been after before about any all also am very just".split()
)


def _stem(word: str) -> str:
    return word.lower()[:5]


def matching_words(query: str, text: str) -> set[str]:
    """Words of the text that share a stem with a meaningful word of the query."""
    stems = {_stem(w) for w in _WORD.findall(query) if len(w) > 2 and w.lower() not in _STOPWORDS}
    return {w for w in _WORD.findall(text) if len(w) > 2 and w.lower() not in _STOPWORDS and _stem(w) in stems}


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) address, else None."""
    if url and re.fullmatch(r"https?://[^\s\"'<>`]+", url):
        return url
    return None


def organisation_json(result: OrganisationResult, evidence: int | None = None) -> dict[str, Any]:
    org = result.organisation
    hits = result.evidence if evidence is None else result.evidence[:evidence]
    return {
        "id": org.id,
        "name": org.name,
        "score": round(result.score, 6),
        "website": org.website,
        "phones": list(org.phones),
        "country": org.country,
        "source": org.source,
        "last_update": org.last_update,
        "passages": [
            {"id": h.passage.id, "kind": h.passage.kind, "text": h.passage.text, "score": round(h.score, 6),
             "carries": list(h.carries)}
            for h in hits
        ],
    }


def answer_json(answer: Answer, query_id: Any = None, evidence: int | None = None) -> dict[str, Any]:
    """The stable JSON contract of the CLI's batch mode and the app's ``search`` endpoint."""
    data: dict[str, Any] = {} if query_id is None else {"id": query_id}
    data.update({
        "query": answer.query,
        "message": answer.message,
        "truncated": answer.truncated,
        "urgent": answer.urgent,
        "urgent_reason": answer.urgent_reason,
        "urgent_kind": answer.urgent_kind,
        "urgent_crisis_line": answer.urgent_crisis_line,
        "understood": list(answer.understood),
        "needs": list(answer.needs),
        "ranked": answer.ranked,
        "no_match": answer.no_match,
        "language": answer.language,
        "results": [organisation_json(r, evidence) for r in answer.results],
    })
    return data


def answer_text(answer: Answer, evidence: int = 3, line: CrisisLine | None = None) -> str:
    """A readable ranked list for a terminal; first, when the situation sounds urgent, what the app's banner
    says (``urgent_lines``)."""
    lines = urgent_lines(answer, line)
    lines += [answer.message, ""] if answer.message else []
    understood = understood_text(answer, answer_language(answer.language, "en"))
    if understood:
        lines += [understood, ""]
    for rank, result in enumerate(answer.results, start=1):
        org = result.organisation
        lines.append(f"{rank}. {org.name}  ({result.score:.3f})")
        contacts = [c for c in (org.website, ", ".join(org.phones)) if c]
        if contacts:
            lines.append("   " + " | ".join(contacts))
        for hit in result.evidence[:evidence]:
            lines.append(f"   - {hit.passage.text}  [{hit.score:.3f}]")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def banner_plan(kind: str | None, crisis: bool) -> tuple[str, str, str, list[str]]:
    """What the urgent banner says, as catalogue keys, for the page (web/cards.urgent_banner) and the terminal
    (``urgent_lines``) alike: its title, the reason, the 112 advice (for a child, words a child can follow),
    and its items in order: "call" (112) and "crisis" (the corpus's crisis line, listed for suicide or
    self-harm, and for any other kind when ``crisis``: ``Danger.crisis``), first for suicide or self-harm."""
    child = kind == "child_danger"
    title = "banner_title_child" if child else "banner_title"
    reason = f"kind_{kind}" if kind and f"kind_{kind}" in CATALOGUE["en"] else "kind_other"
    call = "child_words" if child else "call_emergency_suicide" if kind in CRISIS_KINDS else "call_emergency"
    order = ["crisis", "call"] if kind in CRISIS_KINDS else ["call", "crisis"]
    return title, reason, call, [item for item in order if item == "call" or crisis or kind in CRISIS_KINDS]


def urgent_lines(answer: Answer, line: CrisisLine | None = None) -> list[str]:
    """The banner's words as plain lines, in the answer's language (``banner_plan``), the crisis line ``line``."""
    if not answer.urgent:
        return []
    language = answer_language(answer.language, "en")
    title, reason, call, order = banner_plan(answer.urgent_kind, answer.urgent_crisis_line)
    items = {"call": text(call, language, emergency=EMERGENCY_NUMBER),
             "crisis": line and text("crisis_line", language, organisation=line.organisation, phone=line.phone)}
    return [f"!! {text(title, language, emergency=EMERGENCY_NUMBER)}",
            f"   {text(reason, language)} {text('not_alone', language)}",
            *(f"   - {items[item]}" for item in order if items[item]), ""]


def _highlight(text: str, words: set[str]) -> str:
    """The text escaped, with the given words marked: words are found in the raw text and every
    piece is escaped on its own, so a mark can never land inside an entity such as ``&amp;``."""
    if not words:
        return html.escape(text)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b")
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last:match.start()]))
        out.append(f"<mark>{html.escape(match.group(1))}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def contact_html(org: Organisation, language: str = "en") -> str:
    """Website and phones as links; every phone a ``tel:`` link in E.164 (see ``assistant/corpus/phones.py``)."""
    parts = []
    url = safe_url(org.website)
    if url:
        parts.append(f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
                     f"{html.escape(url)}</a>")
    parts += [tel_link(phone, org.country_code) for phone in org.phones]
    return " · ".join(parts) or html.escape(text("no_contacts", language))


FIRST_SHOWN = 3  # cards shown open; the rest wait behind "More organisations"


def source_html(org: Organisation, language: str = "en") -> str:
    """Where the text comes from, as people know it: "European e-Justice portal, Lithuania, updated 3 January 2025"."""
    country = text(f"country_{org.country}", language) if f"country_{org.country}" in CATALOGUE["en"] else org.country
    named = text("source_portal", language, country=country)
    updated = long_date(org.last_update, language)
    line = text("source_line", language, source=named) + (", " + text("updated", language, date=updated) if updated else "")
    return f'<p class="source" title="{html.escape(org.source)}">{html.escape(line)}</p>'


def notes_html(answer: Answer, language: str) -> str:
    """What to read before the cards, in the answer's language: the text was cut, nothing fits, not ranked."""
    notes = []
    if not answer.results and answer.message:
        notes.append(text("empty", language))
    if not answer.ranked:
        name = text(f"lang_{answer.language}", language) if f"lang_{answer.language}" in CATALOGUE["en"] else answer.language
        notes.append(text("unranked", language, tongue=name, n=len(answer.results)))
    elif answer.no_match:
        notes.append(text("no_match", language))
    if answer.truncated:
        notes.append(text("truncated", language))
    return "".join(f'<p class="notice" role="status">{html.escape(n)}</p>' for n in notes)


def understood_text(answer: Answer, language: str) -> str | None:
    """"We understood: ..." with the taxonomy's labels in the answer's language."""
    labels = [BY_KEY[key].label(language) for key in answer.needs if key in BY_KEY]
    if not labels and language == "en":
        labels = list(answer.understood)
    return text("understood", language, needs=", ".join(labels)) if labels else None


def card_html(result: OrganisationResult, query: str, evidence: int, language: str, rank: int | None) -> str:
    """One organisation: name, contacts, description once, the other passages that carried it, source."""
    org = result.organisation
    # The description is shown once, in its own paragraph; the evidence lists only the other passages.
    why = "".join(f"<li>{_highlight(h.passage.text, matching_words(query, h.passage.text))}</li>"
                  for h in result.evidence[:evidence] if h.passage.kind != "description")
    heading = f"{rank}. {html.escape(org.name)}" if rank else html.escape(org.name)
    reasons = (f'<details open><summary>{html.escape(text("why", language))}</summary>'
               f'<ul class="evidence" lang="en">{why}</ul></details>') if why else ""
    return (f'<article class="org-card" data-organisation="{html.escape(org.id)}"><h3>{heading}</h3>'
            f'<p class="contacts">{contact_html(org, language)}</p>'
            f'<p lang="en">{html.escape(org.description)}</p>{reasons}{source_html(org, language)}'
            f"{add_button(org, language)}</article>")


def add_button(org: Organisation, language: str = "en") -> str:
    """The caseworker's "Add to referral list" (the page's script keeps the list in the order chosen)."""
    return (f'<button type="button" class="add-referral" data-name="{html.escape(org.name, quote=True)}" '
            f'aria-pressed="false">{html.escape(text("add_referral", language))}</button>')


def answer_html(answer: Answer, evidence: int = 3, language: str | None = None) -> str:
    """Results as cards, in the answer's language: notes, what we understood, then the organisations.

    Ranked results are numbered; unranked ones (a language no model here reads) are not, and say so.
    The first three are open; further ones wait behind a "More organisations" toggle, so that a
    person on a phone sees the likeliest help first.
    """
    language = language or answer_language(answer.language, "en")
    out = [notes_html(answer, language)]
    understood = understood_text(answer, language)
    if understood:
        out.append(f'<p class="understood">{html.escape(understood)}</p>')
    if answer.results and language != "en":
        out.append(f'<p class="language-note">{html.escape(text("english_note", language))}</p>')
    for rank, result in enumerate(answer.results, start=1):
        if rank == FIRST_SHOWN + 1:
            more = text("more_results", language, n=len(answer.results) - FIRST_SHOWN)
            out.append(f'<details class="more-results"><summary>{html.escape(more)}</summary>')
        out.append(card_html(result, answer.query, evidence, language, rank if answer.ranked else None))
    if len(answer.results) > FIRST_SHOWN:
        out.append("</details>")
    return "\n".join(part for part in out if part)
