"""Tags read from the corpus's own words, and the filters built on them."""

from __future__ import annotations

from pathlib import Path

from assistant.corpus.facets import Tags, organisation_tags, passes, service_types, used_tags, victim_groups
from assistant.corpus.parse import load_corpus

ROOT = Path(__file__).resolve().parent.parent


def test_a_situation_gets_groups_and_services():
    assert victim_groups("My child was trafficked abroad") == {"Children", "Human trafficking",
                                                                "Migrants and people abroad"}
    assert service_types("I need a lawyer and a safe shelter") == {"Legal help", "Safe shelter"}
    assert victim_groups("") == set() and service_types("") == set()


def test_organisations_are_tagged_from_their_passages():
    tags = organisation_tags(load_corpus(ROOT / "corpus"))
    assert len(tags) == 8
    assert "Children" in tags["lt-child-house"].groups
    assert tags["lt-ministry-of-justice"].services == ("Legal help", "Compensation")
    assert "Helpline" in tags["lt-klaipeda-social-and-psychological-support-centre"].services
    assert "Protection" in tags["lt-police-department-of-the-ministry-of-the-interior"].services
    # "legal and safe possibilities to travel abroad" is awareness, not legal help
    assert "Legal help" not in tags["lt-international-organisation-for-migration-vilnius-office"].services
    offered = used_tags(tags)
    assert "Compensation" in offered.services and "Witnesses" in offered.groups


def test_filters_are_any_within_a_facet_and_all_across_facets():
    tags = Tags(("Children", "Women"), ("Legal help",))
    assert passes(tags)
    assert passes(tags, ["Children", "Migrants and people abroad"])
    assert not passes(tags, ["Migrants and people abroad"])
    assert passes(tags, ["Women"], ["Legal help", "Safe shelter"])
    assert not passes(tags, ["Women"], ["Safe shelter"])
    assert passes(tags, None, None)
