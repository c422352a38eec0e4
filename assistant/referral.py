"""A referral list to hand over: the chosen organisations, how to reach them, and why each was chosen.

Markdown that reads well as plain text. It never holds the person's own words, only the corpus's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Sequence

from .render import safe_url
from .safety import EMERGENCY_NUMBER
from .types import Organisation


@dataclass(frozen=True)
class Referral:
    """One organisation on the list, with the passages that justify it (best first)."""

    organisation: Organisation
    passages: tuple[str, ...]


def md_text(text: str) -> str:
    """Corpus text made inert for Markdown: no links, images, HTML or emphasis survive."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    return re.sub(r"([\\`*_{}\[\]()<>#|!~])", r"\\\1", text).replace("\n", " ")


def referral_markdown(referrals: Sequence[Referral], today: date | None = None) -> str:
    """The referral list as Markdown: one section per organisation, contacts first, then the evidence."""
    day = (today or date.today()).isoformat()
    lines = [
        "# Referral list: organisations that can help",
        "",
        f"Prepared on {day}. In an emergency, call {EMERGENCY_NUMBER} (free, from any phone).",
        "",
    ]
    if not referrals:
        lines.append("No organisation was chosen.")
    for number, referral in enumerate(referrals, start=1):
        org = referral.organisation
        lines += [f"## {number}. {md_text(org.name)}", ""]
        url = safe_url(org.website)
        lines.append(f"- Website: {url}" if url else "- Website: not given in the source")
        lines.append(f"- Phone: {', '.join(md_text(p) for p in org.phones)}" if org.phones
                     else "- Phone: not given in the source")
        for email in org.emails:
            lines.append(f"- Email: {md_text(email)}")
        lines += ["", "Why this organisation:", ""]
        lines += [f"- {md_text(text)}" for text in referral.passages]
        updated = f", last updated {org.last_update}" if org.last_update else ""
        lines += ["", f"Source: {md_text(org.source)}{updated}", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_referral(markdown: str, folder: Path | str) -> Path:
    """Save the list as ``referral-list.md`` in a folder (a fresh temporary one, for a download)."""
    path = Path(folder) / "referral-list.md"
    path.write_text(markdown, encoding="utf-8")
    return path
