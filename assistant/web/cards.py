"""HTML for the app's views: the urgent banner, filtered results, every organisation, one organisation, a referral.

Every piece of corpus text is escaped here (``html.escape``); links are only the corpus's own http(s)
websites and ``tel:`` numbers. Nothing the person typed is echoed back.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date
from typing import Iterable, Sequence

from assistant.corpus.facets import Tags, passes
from assistant.corpus.phones import EMERGENCY_NUMBER, tel_link
from assistant.safety.danger import CrisisLine, detect_danger
from assistant.taxonomy import BY_KEY
from assistant.types import Answer, Organisation, Passage
from assistant.web.referral import Referral
from assistant.web.render import add_button, answer_html, banner_plan, contact_html, source_html
from assistant.web.strings import answer_language, need_label, text


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _tel(phone: str, region: str | None = None) -> str:
    return tel_link(phone, region)


def urgent_banner(kind: str | None, line: CrisisLine | None, language: str = "en", crisis: bool = False) -> str:
    """The calm banner shown above everything else when a situation sounds urgent, in the answer's language.

    112 first; for a child in danger, short sentences a child can follow (and a line for the adult who may be
    reading). The corpus's crisis line is listed for suicide or self-harm, and for any other kind when ``crisis``
    (the detector finds suicide or self-harm likely, ``Danger.crisis``): then after the kind's own 112 advice,
    since a suicidal person whose words read first as a threat, or a child at risk of suicide, needs it too.
    """
    t = lambda key, **v: _e(text(key, language, **v))  # noqa: E731
    emergency = f"<strong>{_tel(EMERGENCY_NUMBER)}</strong>"
    title_key, reason_key, call_key, order = banner_plan(kind, crisis)
    title = _e(text(title_key, language, emergency="\x00")).replace("\x00", _tel(EMERGENCY_NUMBER))
    reason = t(reason_key)
    item = {"call": f"<li>{t(call_key, emergency=chr(0)).replace(chr(0), emergency)}</li>",
            "crisis": _crisis_item(line, language)}
    items = [item[name] for name in order]
    return (
        f'<section class="urgent-banner" role="alert" aria-labelledby="urgent-title" data-kind="{_e(kind or "")}" '
        f'lang="{_e(language)}"><h2 id="urgent-title">{title}</h2>'
        f"<p>{reason} {t('not_alone')}</p><ul>{''.join(items)}</ul><p>{t('when_ready')}</p></section>"
    )


def _crisis_item(line: CrisisLine | None, language: str) -> str:
    """The corpus's crisis line as a list item, with what its page says; nothing when the corpus has none."""
    if line is None:
        return ""
    phone = f"<strong>{_tel(line.phone, line.country_code)}</strong>"
    crisis = _e(text("crisis_line", language, organisation=line.organisation, phone="\x00")).replace("\x00", phone)
    source = _e(text("their_page_says", language, passage=line.passage))
    return f'<li>{crisis} <span class="source">{source}</span></li>'


def tag_list(tags: Tags | None, language: str = "en") -> str:
    if tags is None or not (tags.groups or tags.services):
        return ""
    chips = "".join(f"<li>{_e(need_label(t, language))}</li>" for t in tags.groups + tags.services)
    label = f"{text('groups_label', language)} {text('services_label', language)}"
    return f'<ul class="tags" aria-label="{_e(label)}">{chips}</ul>'


def results_html(answer: Answer, tags: dict[str, Tags], groups: Iterable[str] = (), services: Iterable[str] = (),
                 evidence: int = 3, line: CrisisLine | None = None, interface: str = "en") -> str:
    """The urgent banner (when urgent), then the organisations that pass the filters, best first.

    Everything is said in the situation's language when the catalogue has it, else in ``interface``'s.
    """
    language = answer_language(answer.language, interface)
    groups, services = list(groups or ()), list(services or ())
    kept = tuple(r for r in answer.results if passes(tags.get(r.organisation.id, Tags((), ())), groups, services))
    # An urgent answer that names no kind (built without the danger detector): the rules' reading of the words does.
    read = detect_danger(answer.query) if answer.urgent and not answer.urgent_kind else None
    kind = read.kind if read else answer.urgent_kind
    crisis = answer.urgent_crisis_line or bool(read and read.crisis)
    banner = urgent_banner(kind, line, language, crisis) if answer.urgent else ""
    body = answer_html(replace(answer, results=kept), evidence, language)
    if answer.results and not kept:
        body += f'<p class="notice" role="status">{_e(text("filtered_none", language))}</p>'
    elif len(kept) < len(answer.results):
        chosen = ", ".join(need_label(t, language) for t in groups + services if t in BY_KEY)
        count = text("filtered", language, chosen=chosen, shown=len(kept), total=len(answer.results))
        body = f'<p class="count" role="status">{_e(count)}</p>' + body
    return banner + body


def organisations_html(organisations: Sequence[Organisation], tags: dict[str, Tags],
                       groups: Iterable[str] = (), services: Iterable[str] = (), language: str = "en") -> str:
    """Every organisation that passes the filters, in corpus order, for browsing without a query."""
    groups, services = list(groups or ()), list(services or ())
    cards = [
        f'<article class="org-card" data-organisation="{_e(o.id)}"><h3>{_e(o.name)}</h3>'
        f'<p class="contacts">{contact_html(o, language)}</p><p lang="en">{_e(o.description)}</p>'
        f"{tag_list(tags.get(o.id), language)}{add_button(o, language)}</article>"
        for o in organisations if passes(tags.get(o.id, Tags((), ())), groups, services)
    ]
    if not cards:
        return f'<p class="notice" role="status">{_e(text("browse_none", language))}</p>'
    count = f'<p class="count">{_e(text("browse_count", language, shown=len(cards), total=len(organisations)))}</p>'
    return count + "\n".join(cards)


def organisation_detail_html(organisation: Organisation, passages: Sequence[Passage], tags: Tags | None,
                             language: str = "en") -> str:
    """One organisation in full: every passage, website, phones, the source and its last-updated date."""
    o = organisation
    items = "".join(f"<li>{_e(p.text)}</li>" for p in sorted(passages, key=lambda p: p.position))
    emails = "".join(f"<li>{_e(text('email', language))}: {_e(e)}</li>" for e in o.emails)
    return (
        f'<article class="org-detail" data-organisation="{_e(o.id)}"><h2>{_e(o.name)}</h2>'
        f"{tag_list(tags, language)}"
        f'<h3>{_e(text("reach", language))}</h3><p class="contacts">{contact_html(o, language)}</p>'
        f"{'<ul>' + emails + '</ul>' if emails else ''}"
        f'<h3>{_e(text("page_says", language))}</h3><ul class="passages" lang="en">{items}</ul>'
        f"{source_html(o, language)}{add_button(o, language)}</article>"
    )


def referral_html(referrals: Sequence[Referral], today: date | None = None, language: str = "en") -> str:
    """The referral list as a printable page (the same content as the Markdown)."""
    day = (today or date.today()).isoformat()
    parts = [f'<section class="referral-print" aria-label="{_e(text("tab_referral", language))}">'
             f'<h2>{_e(text("tab_referral", language))}</h2>'
             f"<p>{_e(text('referral_prepared', language, date=day))}</p>"]
    for number, r in enumerate(referrals, start=1):
        why = "".join(f"<li>{_e(t)}</li>" for t in r.passages)
        parts.append(f"<h3>{number}. {_e(r.organisation.name)}</h3><p>{contact_html(r.organisation, language)}</p>"
                     f"<p>{_e(text('referral_why', language))}</p><ul lang=\"en\">{why}</ul>"
                     f"{source_html(r.organisation, language)}")
    return "".join(parts) + "</section>"
