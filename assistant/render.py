"""Show an Answer: JSON for programs, plain text for a terminal, HTML cards for the app.

Everything from the corpus or the person is escaped before it is put into HTML; links are only
the corpus's own http(s) websites.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .types import Answer, Organisation, OrganisationResult

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
        "understood": list(answer.understood),
        "no_match": answer.no_match,
        "language": answer.language,
        "results": [organisation_json(r, evidence) for r in answer.results],
    })
    return data


def answer_text(answer: Answer, evidence: int = 3) -> str:
    """A readable ranked list for a terminal."""
    lines = [answer.message, ""] if answer.message else []
    if answer.understood:
        lines += [UNDERSTOOD.format(", ".join(answer.understood)), ""]
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


def contact_html(org: Organisation) -> str:
    parts = []
    url = safe_url(org.website)
    if url:
        parts.append(f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
                     f"{html.escape(url)}</a>")
    for phone in org.phones:
        digits = re.sub(r"[^\d+]", "", phone)
        parts.append(f'<a href="tel:{digits}">{html.escape(phone)}</a>')
    return " · ".join(parts) or "No contact details are given in the source."


UNDERSTOOD = "We understood: {}. If that is not right, you can add a few words and search again."
FIRST_SHOWN = 3  # cards shown open; the rest wait behind "More organisations"


def answer_html(answer: Answer, evidence: int = 3) -> str:
    """Results as cards: organisation, why it was suggested, what it offers, how to reach it.

    The first three are open; further ones wait behind a "More organisations" toggle, so that a
    person on a phone sees the likeliest help first.
    """
    out = []
    if answer.message:
        out.append(f'<p class="notice" role="status">{html.escape(answer.message)}</p>')
    if answer.understood:
        out.append(f'<p class="understood">{html.escape(UNDERSTOOD.format(", ".join(answer.understood)))}</p>')
    for rank, result in enumerate(answer.results, start=1):
        if rank == FIRST_SHOWN + 1:
            out.append(f'<details class="more-results"><summary>More organisations '
                       f"({len(answer.results) - FIRST_SHOWN})</summary>")
        org = result.organisation
        why = "".join(
            f"<li>{_highlight(h.passage.text, matching_words(answer.query, h.passage.text))}</li>"
            for h in result.evidence[:evidence]
        )
        out.append(
            f'<article class="org-card" data-organisation="{html.escape(org.id)}">'
            f"<h3>{rank}. {html.escape(org.name)}</h3>"
            f'<p class="contacts">{contact_html(org)}</p>'
            f"<p>{html.escape(org.description)}</p>"
            f'<details open><summary>Why this was suggested</summary><ul class="evidence">{why}</ul></details>'
            f'<p class="source">Source: {html.escape(org.source)}'
            f"{', last updated ' + html.escape(org.last_update) if org.last_update else ''}</p>"
            "</article>"
        )
    if len(answer.results) > FIRST_SHOWN:
        out.append("</details>")
    return "\n".join(out)
