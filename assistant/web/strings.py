"""The one catalogue of what the interface says (``locales/<language>.json``), and how to read it.

The page's fixed words go to Gradio's own ``gr.I18n`` (the browser's language, switchable on the page);
the words inside an answer are chosen here, in the language of the situation when the catalogue has it,
else in the interface's. Organisation texts stay as the corpus gives them (English). The needs' labels (the
filters' choices, an organisation's tags, "We understood") live in the one taxonomy (``assistant/taxonomy.json``).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from assistant.taxonomy import BY_KEY, NEEDS

FOLDER = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("en", "lt", "ru", "pl", "uk")  # interface languages, in the order the switch offers them
CATALOGUE: dict[str, dict[str, str]] = {
    language: json.loads((FOLDER / f"{language}.json").read_text(encoding="utf-8")) for language in LANGUAGES}
# Words the page's own script needs (the live character count, the referral buttons).
SCRIPT_KEYS = ("chars_near", "chars_over", "add_referral", "in_referral", "copied", "referral_notes",
               "tab_find", "tab_browse", "tab_referral", "tab_safety", "notes_label", "notes_hint", "copy_list",
               "download_txt", "print")


def interface_language(code: object) -> str:
    """The catalogue language for a browser or page code ("lt-LT" -> "lt"); English when it has none."""
    base = str(code or "").split("-")[0].lower()
    return base if base in CATALOGUE else "en"


def answer_language(situation: str | None, interface: object) -> str:
    """The language an answer speaks: the situation's when the catalogue has it, else the interface's."""
    return situation if situation in CATALOGUE else interface_language(interface)


def text(key: str, language: str = "en", **values: object) -> str:
    """One string of the catalogue in a language (English when that language lacks it), filled in."""
    template = CATALOGUE.get(language, {}).get(key) or CATALOGUE["en"][key]
    return template.format(**values) if values else template


def long_date(iso: str | None, language: str = "en") -> str | None:
    """"2025-01-03" as people write it: "3 January 2025", "2025 m. sausio 3 d.", "3 января 2025 г."."""
    try:
        day = date.fromisoformat(iso or "")
    except ValueError:
        return iso
    month = text("months", language).split()[day.month - 1]
    return text("date_format", language, day=day.day, month=month, year=day.year)


def need_label(key: str, language: str = "en") -> str:
    """A need of the taxonomy as a filter choice or a tag names it: its label with a capital ("A child")."""
    label = BY_KEY[key].label(language)
    return label[:1].upper() + label[1:]


def gradio_translations() -> dict[str, dict[str, str]]:
    """Every language's strings, as ``gr.I18n(**...)`` takes them, with each need's label as ``need_<key>``
    (so the filters' choices follow the language switch)."""
    return {language: {**strings, **{f"need_{n.key}": need_label(n.key, language) for n in NEEDS}}
            for language, strings in CATALOGUE.items()}


def script_strings() -> dict[str, dict[str, str]]:
    """The few strings the page's script shows, per language."""
    return {language: {key: text(key, language) for key in SCRIPT_KEYS} for language in CATALOGUE}
