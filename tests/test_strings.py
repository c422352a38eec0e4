"""The catalogue of what the interface says: every language has every key of English, with the same
placeholders and markup, is offered on the switch, and speaks an answer when the situation is in it."""

from __future__ import annotations

import html
import json
import re
import string

import pytest

from assistant.taxonomy import DANGER_KINDS
from assistant.types import Answer
from assistant.web.cards import results_html, urgent_banner
from assistant.web.page import language_switch_html
from assistant.web.strings import FOLDER, LANGUAGES, answer_language, long_date, text

ENGLISH = json.loads((FOLDER / "en.json").read_text(encoding="utf-8"))
FILES = sorted(path.stem for path in FOLDER.glob("*.json"))


def placeholders(template: str) -> set[str]:
    """The names to fill in. How often each is said may differ: a language may name it once where English repeats it."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def markup(template: str) -> tuple:
    """What a translation must keep as it is: headings, bold, link targets, line breaks, 112."""
    lines = template.split("\n")
    return (len(lines), [line.split(" ")[0] for line in lines if line.startswith("#")], template.count("**"),
            re.findall(r"\]\(([^)]*)\)", template), template.count("112"), re.findall(r"</?\w+", template))


def catalogue(language: str) -> dict[str, str]:
    return json.loads((FOLDER / f"{language}.json").read_text(encoding="utf-8"))


def test_every_locale_file_is_offered_and_every_offered_language_has_a_file():
    assert sorted(LANGUAGES) == FILES and LANGUAGES[0] == "en"
    assert {"pl", "uk"} <= set(LANGUAGES)  # issue 12: people who write in Polish or Ukrainian


@pytest.mark.parametrize("language", FILES)
def test_a_locale_has_exactly_the_english_keys_placeholders_and_markup(language):
    strings = catalogue(language)
    assert sorted(strings) == sorted(ENGLISH)
    for key, english in ENGLISH.items():
        assert strings[key].strip(), key
        assert placeholders(strings[key]) == placeholders(english), key
        assert markup(strings[key]) == markup(english), key
    assert len(text("months", language).split()) == 12
    assert long_date("2025-01-03", language).count("2025") == 1


@pytest.mark.parametrize("language", FILES)
def test_the_switch_names_each_language_in_itself(language):
    switch = language_switch_html()
    assert f'<option value="{language}" lang="{language}">{catalogue(language)["language_name"]}</option>' in switch
    assert catalogue(language)["language_label"] in switch


@pytest.mark.parametrize("language,understood", [("pl", "Zrozumieliśmy: pomoc prawna"),
                                                  ("uk", "Ми зрозуміли: юридична допомога")])
@pytest.mark.parametrize("interface", ["en", "lt"])
def test_an_answer_speaks_the_situations_language_whatever_the_page_speaks(language, understood, interface):
    assert answer_language(language, interface) == language
    answer = Answer(query="...", language=language, needs=("legal",), urgent=True, urgent_kind="attack_now")
    page = results_html(answer, {}, interface=interface)
    assert understood in page
    assert f'lang="{language}"' in page and html.escape(text("kind_attack_now", language)) in page


@pytest.mark.parametrize("language", ["pl", "uk"])
@pytest.mark.parametrize("kind", [*DANGER_KINDS, None])
def test_the_banner_speaks_to_each_kind_of_danger_in_polish_and_ukrainian(language, kind):
    banner = urgent_banner(kind, None, language)
    reason = text(f"kind_{kind}" if kind else "kind_other", language)
    assert reason != text(f"kind_{kind}" if kind else "kind_other", "en")
    assert html.escape(reason) in banner and html.escape(text("not_alone", language)) in banner
    assert 'href="tel:112"' in banner
