"""Tags read from the corpus's own words in the one taxonomy's keys, and the filters built on them."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from assistant.corpus.facets import GROUPS, SERVICES, Tags, organisation_tags, passes, tags_of, used_tags
from assistant.corpus.parse import load_corpus
from assistant.taxonomy import BY_KEY, NEED_KEYS
from assistant.types import Answer, OrganisationResult
from assistant.web.cards import organisations_html, results_html, tag_list
from assistant.web.strings import LANGUAGES, gradio_translations, need_label

ROOT = Path(__file__).resolve().parent.parent


def test_groups_are_the_who_needs_and_services_the_what_needs_in_taxonomy_order():
    assert GROUPS[:2] == ("child", "woman") and "witness" in GROUPS and "legal" in SERVICES
    assert sorted(GROUPS + SERVICES) == sorted(NEED_KEYS)
    assert all(BY_KEY[k].kind == "who" for k in GROUPS) and all(BY_KEY[k].kind == "what" for k in SERVICES)


def test_passages_get_groups_and_services_in_the_taxonomys_order():
    tags = tags_of(["I need a lawyer and a safe shelter", "My child was trafficked abroad"])
    assert tags == Tags(("child", "trafficking"), ("legal", "shelter", "abroad"))
    assert tags_of([]) == tags_of(["observes the principles of flexibility"]) == Tags((), ())


def test_organisations_are_tagged_from_their_passages():
    tags = organisation_tags(load_corpus(ROOT / "corpus"))
    assert len(tags) == 8
    assert "child" in tags["lt-child-house"].groups
    assert tags["lt-ministry-of-justice"] == Tags((), ("compensation", "legal"))
    assert "crisis" in tags["lt-klaipeda-social-and-psychological-support-centre"].services  # its toll-free line
    assert "legal" in tags["lt-klaipeda-social-and-psychological-support-centre"].services  # "legal ... assistance"
    assert tags["lt-police-department-of-the-ministry-of-the-interior"].groups == ("witness",)
    # "legal and safe possibilities to travel abroad" is awareness, not legal help
    assert "legal" not in tags["lt-international-organisation-for-migration-vilnius-office"].services
    # Its name is not a migrant, nor is "protection of victims' interests" protection from threats
    assert tags["lt-ministry-of-foreign-affairs"] == Tags(("trafficking",), ("shelter", "abroad", "return_home"))
    offered = used_tags(tags)
    assert "compensation" in offered.services and "witness" in offered.groups
    assert used_tags({}) == Tags((), ())


def test_filters_are_any_within_a_facet_and_all_across_facets():
    tags = Tags(("child", "woman"), ("legal",))
    assert passes(tags)
    assert passes(tags, ["child", "migrant"])
    assert not passes(tags, ["migrant"])
    assert passes(tags, ["woman"], ["legal", "shelter"])
    assert not passes(tags, ["woman"], ["shelter"])
    assert passes(tags, None, None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_filter_and_tag_is_named_by_the_taxonomy_in_each_interface_language(language):
    offered = used_tags(organisation_tags(load_corpus(ROOT / "corpus")))
    words = gradio_translations()[language]
    for key in offered.groups + offered.services:
        label = BY_KEY[key].labels[language]  # the taxonomy's own, not English standing in
        assert need_label(key, language) == label[0].upper() + label[1:] == words[f"need_{key}"]
    chips = tag_list(Tags(("child",), ("legal",)), language)
    assert html.escape(need_label("child", language)) in chips and html.escape(need_label("legal", language)) in chips


def test_the_filtered_count_names_the_chosen_filters_with_their_labels():
    corpus = load_corpus(ROOT / "corpus")
    tags = organisation_tags(corpus)
    answer = Answer(query="help", results=tuple(OrganisationResult(o, 1.0, ()) for o in corpus.organisations),
                    language="lv")  # a language the catalogue lacks: the page's is spoken
    children = sum("child" in t.groups for t in tags.values())
    assert 0 < children < 8
    assert f"Atrinkta (Vaikas): rodoma {children} iš 8" in results_html(answer, tags, ["child"], [], interface="lt")
    assert "not-a-key" not in results_html(answer, tags, ["child", "not-a-key"], [])  # only the taxonomy's labels
    assert organisations_html(corpus.organisations, tags, [], ["compensation"]).count("<article") == 1
