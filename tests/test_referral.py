"""The referral list: chosen organisations, their contacts, the passages that justify them; inert Markdown."""

from __future__ import annotations

import re
from datetime import date

from assistant.types import Organisation
from assistant.web.cards import referral_html
from assistant.web.referral import Referral, md_text, referral_markdown, write_referral


def organisation(**changes) -> Organisation:
    fields = dict(id="lt-x", name="Help Centre", description="Helps.", services=("gives shelter",),
                  website="https://help.example.lt", phones=("8 800 11 111",), country="Lithuania",
                  country_code="lt", source="lt-page.txt", last_update="2025-01-03")
    return Organisation(**{**fields, **changes})


def test_the_list_has_contacts_evidence_source_and_112():
    text = referral_markdown([Referral(organisation(), ("gives shelter", "has a lawyer"))], date(2026, 1, 2))
    assert text.startswith("# Referral list")
    assert "Prepared on 2026-01-02" in text and "112" in text
    assert "## 1. Help Centre" in text
    assert "- Website: https://help.example.lt" in text and "- Phone: 8 800 11 111" in text
    assert "- gives shelter\n- has a lawyer" in text
    assert "Source: European e-Justice portal, Lithuania, updated 3 January 2025" in text
    assert "8 800 11 111 (+37080011111)" in text  # dialable from a foreign phone


def test_missing_contacts_are_said_not_invented():
    text = referral_markdown([Referral(organisation(website="javascript:alert(1)", phones=()), ("x",))])
    assert "javascript" not in text
    assert "- Website: not given in the source" in text and "- Phone: not given in the source" in text


def test_an_empty_choice_says_so():
    assert "No organisation was chosen." in referral_markdown([])


def test_markdown_and_html_tricks_in_corpus_text_stay_inert():
    trick = "[click](javascript:alert(1)) ![x](http://evil/x.png) <img src=x onerror=alert(1)> <script>"
    assert md_text(trick).count("\\[") == 2 and "\\<img" in md_text(trick)
    text = referral_markdown([Referral(organisation(name="<b>Bold</b>"), (trick,))])
    # every bracket and angle bracket is backslash-escaped, so Markdown shows them as plain characters
    assert not re.search(r"(?<!\\)[\[\]()<>]", text.split("Why this organisation:")[1].split("Source:")[0])
    assert "](javascript" not in text
    page = referral_html([Referral(organisation(name="<b>Bold</b>"), (trick,))])
    assert "<img" not in page and "<script>" not in page and "<b>Bold" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_file_is_written_where_asked(tmp_path):
    path = write_referral("# list\n", tmp_path)
    assert path == tmp_path / "referral-list.md" and path.read_text(encoding="utf-8") == "# list\n"
