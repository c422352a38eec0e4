"""HTML for the app's views: the urgent banner, filtered results, every organisation, one organisation, a referral.

Every piece of corpus text is escaped here (``html.escape``); links are only the corpus's own http(s)
websites and ``tel:`` numbers. Nothing the person typed is echoed back.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date
from typing import Iterable, Sequence

from .render import answer_html, contact_html
from .referral import Referral
from .safety import EMERGENCY_NUMBER, CrisisLine
from .tags import Tags, passes
from .types import Answer, Organisation, Passage

FILTERED_OUT = ("No organisation in the results matches these filters. "
                "You can clear a filter to see more.")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _tel(phone: str) -> str:
    return f'<a href="tel:{_e(re.sub(r"[^0-9+]", "", phone))}">{_e(phone)}</a>'


def urgent_banner(reason: str | None, line: CrisisLine | None) -> str:
    """The calm banner shown above everything else when a situation sounds urgent."""
    crisis = ""
    if line is not None:
        crisis = (f"<li>You can talk to someone at the consultation line of {_e(line.organisation)}: "
                  f"<strong>{_tel(line.phone)}</strong>. "
                  f'<span class="source">Their page says: “{_e(line.passage)}”.</span></li>')
    return (
        '<section class="urgent-banner" role="alert" aria-labelledby="urgent-title">'
        f'<h2 id="urgent-title">If you are in danger now, call {_tel(EMERGENCY_NUMBER)}</h2>'
        f"<p>{_e(reason or '')} You do not have to deal with this alone.</p>"
        f"<ul><li>Call <strong>{_tel(EMERGENCY_NUMBER)}</strong>, the emergency number: "
        "it is free, from any phone.</li>"
        f"{crisis}</ul>"
        "<p>When you are ready, the organisations below can also help.</p>"
        "</section>"
    )


def tag_list(tags: Tags | None) -> str:
    if tags is None or not (tags.groups or tags.services):
        return ""
    chips = "".join(f"<li>{_e(t)}</li>" for t in tags.groups + tags.services)
    return f'<ul class="tags" aria-label="Who it helps and how">{chips}</ul>'


def results_html(answer: Answer, tags: dict[str, Tags], groups: Iterable[str] = (), services: Iterable[str] = (),
                 evidence: int = 3, line: CrisisLine | None = None) -> str:
    """The urgent banner (when urgent), then the organisations that pass the filters, best first."""
    groups, services = list(groups or ()), list(services or ())
    kept = tuple(r for r in answer.results if passes(tags.get(r.organisation.id, Tags((), ())), groups, services))
    banner = urgent_banner(answer.urgent_reason, line) if answer.urgent else ""
    body = answer_html(replace(answer, results=kept), evidence)
    if answer.results and not kept:
        body += f'<p class="notice" role="status">{_e(FILTERED_OUT)}</p>'
    elif len(kept) < len(answer.results):
        chosen = ", ".join(groups + services)
        body = (f'<p class="count" role="status">Filtered ({_e(chosen)}): showing {len(kept)} of '
                f"{len(answer.results)} organisations. You can clear a filter to see more.</p>" + body)
    return banner + body


def organisations_html(organisations: Sequence[Organisation], tags: dict[str, Tags],
                       groups: Iterable[str] = (), services: Iterable[str] = ()) -> str:
    """Every organisation that passes the filters, in corpus order, for browsing without a query."""
    groups, services = list(groups or ()), list(services or ())
    cards = [
        f'<article class="org-card" data-organisation="{_e(o.id)}"><h3>{_e(o.name)}</h3>'
        f'<p class="contacts">{contact_html(o)}</p><p>{_e(o.description)}</p>{tag_list(tags.get(o.id))}</article>'
        for o in organisations if passes(tags.get(o.id, Tags((), ())), groups, services)
    ]
    if not cards:
        return f'<p class="notice" role="status">{_e("No organisation matches these filters. You can clear a filter.")}</p>'
    count = f'<p class="count">{len(cards)} of {len(organisations)} organisations.</p>'
    return count + "\n".join(cards)


def organisation_detail_html(organisation: Organisation, passages: Sequence[Passage], tags: Tags | None) -> str:
    """One organisation in full: every passage, website, phones, source document and its last-updated date."""
    o = organisation
    items = "".join(f"<li>{_e(p.text)}</li>" for p in sorted(passages, key=lambda p: p.position))
    updated = _e(o.last_update) if o.last_update else "not given"
    emails = "".join(f"<li>Email: {_e(e)}</li>" for e in o.emails)
    return (
        f'<article class="org-detail" data-organisation="{_e(o.id)}"><h2>{_e(o.name)}</h2>'
        f"{tag_list(tags)}"
        f'<h3>How to reach them</h3><p class="contacts">{contact_html(o)}</p>'
        f"{'<ul>' + emails + '</ul>' if emails else ''}"
        f'<h3>What their page says</h3><ul class="passages">{items}</ul>'
        f'<p class="source">Source document: {_e(o.source)} · Country: {_e(o.country)} · '
        f"Last updated: {updated}</p></article>"
    )


def referral_html(referrals: Sequence[Referral], today: date | None = None) -> str:
    """The referral list as a printable page (the same content as the Markdown)."""
    day = (today or date.today()).isoformat()
    parts = [f'<section class="referral-print" aria-label="Referral list"><h2>Referral list</h2>'
             f"<p>Prepared on {_e(day)}. In an emergency, call {_e(EMERGENCY_NUMBER)} (free, from any phone).</p>"]
    for number, r in enumerate(referrals, start=1):
        why = "".join(f"<li>{_e(t)}</li>" for t in r.passages)
        updated = f", last updated {_e(r.organisation.last_update)}" if r.organisation.last_update else ""
        parts.append(f"<h3>{number}. {_e(r.organisation.name)}</h3><p>{contact_html(r.organisation)}</p>"
                     f"<p>Why this organisation:</p><ul>{why}</ul>"
                     f'<p class="source">Source: {_e(r.organisation.source)}{updated}</p>')
    return "".join(parts) + "</section>"
