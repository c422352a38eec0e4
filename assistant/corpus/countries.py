"""EU member states, so a page's country can be told from its file name or its text."""

from __future__ import annotations

import re
from collections import Counter

MEMBER_STATES: dict[str, str] = {
    "at": "Austria", "be": "Belgium", "bg": "Bulgaria", "hr": "Croatia", "cy": "Cyprus",
    "cz": "Czechia", "dk": "Denmark", "ee": "Estonia", "fi": "Finland", "fr": "France",
    "de": "Germany", "gr": "Greece", "hu": "Hungary", "ie": "Ireland", "it": "Italy",
    "lv": "Latvia", "lt": "Lithuania", "lu": "Luxembourg", "mt": "Malta", "nl": "Netherlands",
    "pl": "Poland", "pt": "Portugal", "ro": "Romania", "sk": "Slovakia", "si": "Slovenia",
    "es": "Spain", "se": "Sweden",
}

# Other spellings the portal uses for the same states.
_ALIASES: dict[str, str] = {"czech republic": "cz", "the netherlands": "nl"}


def detect_country(file_name: str, text: str) -> tuple[str, str]:
    """Return ``(code, name)`` for a page.

    A file name that starts with a member state's two-letter code (``lt-...``) decides;
    otherwise the member state the text names most often. ``("", "")`` when neither tells.
    """
    prefix = re.match(r"([a-z]{2})[-_.]", file_name.lower())
    if prefix and prefix.group(1) in MEMBER_STATES:
        code = prefix.group(1)
        return code, MEMBER_STATES[code]
    names = {name.lower(): code for code, name in MEMBER_STATES.items()} | _ALIASES
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
    counts = Counter(names[m.group(1).lower()] for m in pattern.finditer(text))
    if not counts:
        return "", ""
    code = counts.most_common(1)[0][0]
    return code, MEMBER_STATES[code]
