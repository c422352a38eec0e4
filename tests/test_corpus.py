from pathlib import Path

import pytest

from assistant.corpus.parse import CorpusError, find_phones, load_corpus, parse_page, slugify

from .conftest import SEED

SERVICE_COUNTS = {
    "lt-ministry-of-justice": 3,
    "lt-police-department-of-the-ministry-of-the-interior": 4,
    "lt-ministry-of-foreign-affairs": 3,
    "lt-caritas-lithuania": 4,
    "lt-missing-persons-families-support-centre": 4,
    "lt-klaipeda-social-and-psychological-support-centre": 5,
    "lt-child-house": 5,
    "lt-international-organisation-for-migration-vilnius-office": 4,
}


@pytest.fixture(scope="module")
def page():
    return parse_page(SEED)


def by_id(page):
    return {o.id: o for o in page.organisations}


def test_seed_has_eight_organisations_with_every_bullet(page):
    assert {o.id: len(o.services) for o in page.organisations} == SERVICE_COUNTS
    assert page.warnings == ()


def test_seed_metadata(page):
    orgs = by_id(page)
    assert orgs["lt-ministry-of-justice"].website == "http://www.tm.lt/"
    assert orgs["lt-child-house"].website == "http://www.children.lt/"
    assert orgs["lt-klaipeda-social-and-psychological-support-centre"].phones == ("8 800 66 366",)
    assert all(o.country == "Lithuania" and o.country_code == "lt" for o in page.organisations)
    assert all(o.last_update == "2025-01-03" for o in page.organisations)
    assert all(o.source == SEED.name for o in page.organisations)
    assert orgs["lt-child-house"].description.startswith("Child House is a non-governmental organisation")


def test_contacts_as_heading_and_website_without_colon(page):
    # The IOM section has "## CONTACTS:" as a heading and "Website <...>" without a colon.
    orgs = by_id(page)
    iom = orgs["lt-international-organisation-for-migration-vilnius-office"]
    assert iom.website == "https://lithuania.iom.int"
    assert "CONTACTS" not in {o.name for o in page.organisations}
    assert len(page.organisations) == 8


def test_navigation_lead_in_and_footer_stay_out_of_passages(page):
    texts = [p.text for p in page.passages]
    joined = "\n".join(texts)
    for leak in ("[Home]", "](#)", "Help and support for victims of crime", "Last update", "European Commission",
                 "CONTACTS", "Website"):
        assert leak not in joined
    # The name repeated as a lead-in line before the bullets is not a passage.
    assert "The Ministry of Justice of the Republic of Lithuania" not in texts
    assert "Caritas Lithuania" not in texts
    assert "The Missing Person's Families Support Centre (MPFSC)" not in texts


def test_passages_are_descriptions_then_services(page):
    child = [p for p in page.passages if p.organisation_id == "lt-child-house"]
    assert [p.kind for p in child] == ["description"] + ["service"] * 5
    assert [p.position for p in child] == list(range(6))
    assert len({p.id for p in page.passages}) == len(page.passages) == 8 + sum(SERVICE_COUNTS.values())


def test_phone_numbers_not_dates():
    assert find_phones("call (8 800 66 366) after 01.07.2005, since 1996, or +370 5 123 4567") == [
        "8 800 66 366", "+370 5 123 4567"]


def test_slug_is_stable():
    assert slugify("Missing Person's Families Support Centre") == "missing-persons-families-support-centre"
    assert slugify("International Organisation for Migration – Vilnius Office") == (
        "international-organisation-for-migration-vilnius-office")


ANOTHER_COUNTRY = """[Home](#) > ... > 4 - Help and support for victims of crime

## 4 - Help and support for victims of crime

[Victim Support Malta](#)

## Victim Support Malta

Victim Support Malta is an NGO which supports victims of crime.

Victim Support Malta

- offers emotional support to victims of crime
- runs a helpline on +356 2122 8333

CONTACTS:

Website: <https://victimsupport.org.mt>

## Silent Office

A body with nothing listed.

■ Last update: 12/05/2024

The national language version of this page is maintained by the respective Member State.
"""


def test_several_documents_keep_source_and_country(corpus_dir: Path):
    (corpus_dir / "mt-help-and-support.txt").write_text(ANOTHER_COUNTRY)
    corpus = load_corpus(corpus_dir)
    malta = corpus.organisation("mt-victim-support-malta")
    assert (malta.country, malta.source, malta.last_update) == ("Malta", "mt-help-and-support.txt", "2024-05-12")
    assert malta.phones == ("+356 2122 8333",)
    assert len(corpus.organisations) == 10
    assert corpus.organisation("lt-child-house").country == "Lithuania"
    # An organisation without services or website is a warning, not an error.
    assert any("Silent Office" in w and "no services" in w for w in corpus.warnings)
    assert any("Silent Office" in w and "no website" in w for w in corpus.warnings)


def test_country_from_text_when_file_name_does_not_say(tmp_path: Path):
    path = tmp_path / "page.txt"
    path.write_text(ANOTHER_COUNTRY.replace("Victim Support Malta", "Victim Support Malta in Malta"))
    assert {o.country for o in parse_page(path).organisations} == {"Malta"}


@pytest.mark.parametrize("text, line, problem", [
    ("intro\n\nCONTACTS:\nWebsite: <http://x.lt>\n", 3, "before any organisation"),
    ("just some text\nwith no sections\n", 1, "no organisation sections"),
    ("## Org\n\nDoes things.\n\n- a service\n\nCONTACTS:\n\nWebsite: none given\n", 9, "no http(s) address"),
])
def test_malformed_page_names_file_and_line(tmp_path: Path, text: str, line: int, problem: str):
    path = tmp_path / "broken.txt"
    path.write_text(text)
    with pytest.raises(CorpusError) as error:
        parse_page(path)
    assert error.value.line == line and problem in str(error.value)
    assert str(error.value).startswith(f"{path}:{line}:")


def test_broken_encoding_names_the_line(tmp_path: Path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"## Org\n\nline two\ncaf\xe9\n")
    with pytest.raises(CorpusError, match=r"latin1.txt:4: the file is not valid UTF-8"):
        parse_page(path)


def test_empty_corpus_folder_is_an_error(tmp_path: Path):
    with pytest.raises(CorpusError, match="no .txt or .md documents"):
        load_corpus(tmp_path)
