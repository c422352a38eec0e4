"""A referral list to hand over: the chosen organisations, how to reach them, and why each was chosen.

Markdown that reads well as plain text. It never holds the person's own words, only the corpus's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Sequence

from assistant.corpus.phones import dialable
from assistant.types import Organisation
from assistant.web.render import safe_url
from assistant.web.strings import CATALOGUE, long_date, text


@dataclass(frozen=True)
class Referral:
    """One organisation on the list, with the passages that justify it (best first)."""

    organisation: Organisation
    passages: tuple[str, ...]


def md_text(text: str) -> str:
    """Corpus text made inert for Markdown: no links, images, HTML or emphasis survive."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    return re.sub(r"([\\`*_{}\[\]()<>#|!~])", r"\\\1", text).replace("\n", " ")


def referral_markdown(referrals: Sequence[Referral], today: date | None = None, language: str = "en") -> str:
    """The referral list as Markdown: one section per organisation, contacts first, then the evidence."""
    day = (today or date.today()).isoformat()
    t = lambda key, **values: text(key, language, **values)  # noqa: E731
    lines = [f"# {t('referral_title')}", "", t("referral_prepared", date=day), ""]
    if not referrals:
        lines.append(t("referral_none"))
    for number, referral in enumerate(referrals, start=1):
        org = referral.organisation
        lines += [f"## {number}. {md_text(org.name)}", ""]
        url = safe_url(org.website)
        lines.append(f"- {t('referral_website')}: {url or t('referral_not_in_source')}")
        phones = ", ".join(f"{md_text(p)} ({dialable(p, org.country_code)})" if dialable(p, org.country_code) != p
                           else md_text(p) for p in org.phones)
        lines.append(f"- {t('referral_phone')}: {phones or t('referral_not_in_source')}")
        for email in org.emails:
            lines.append(f"- {t('email')}: {md_text(email)}")
        lines += ["", t("referral_why"), ""]
        lines += [f"- {md_text(passage)}" for passage in referral.passages]
        country = text(f"country_{org.country}", language) if f"country_{org.country}" in CATALOGUE["en"] else org.country
        source = t("source_line", source=t("source_portal", country=country))
        updated = long_date(org.last_update, language)
        lines += ["", md_text(source + (", " + t("updated", date=updated) if updated else "")), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_referral(markdown: str, folder: Path | str) -> Path:
    """Save the list as ``referral-list.md`` in a folder (a fresh temporary one, for a download)."""
    path = Path(folder) / "referral-list.md"
    path.write_text(markdown, encoding="utf-8")
    return path
