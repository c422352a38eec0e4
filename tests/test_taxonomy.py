"""The one taxonomy (assistant/taxonomy.json): every need has its labels and its corpus words, and passages
are marked with the needs they speak of in the corpus's own words."""

from assistant.corpus.parse import load_corpus
from assistant.taxonomy import NEED_KEYS, NEEDS, passage_needs

from .conftest import SEED


def test_passages_are_marked_from_the_corpus_words():
    assert {"child", "sexual_abuse"} <= passage_needs("provides help for children who suffered sexual and other "
                                                      "types of abuse")
    assert {"compensation"} <= passage_needs("processes requests to compensate damage caused by violent crimes")
    assert {"trafficking"} <= passage_needs("assistance to victims of human trafficking")
    assert passage_needs("observes the principles of flexibility") == frozenset()
    assert "missing" not in passage_needs("dismissing a complaint")  # whole words, or a prefix where a * says so
    assert "child" in passage_needs("childhood")  # "child*" is a prefix
    assert "legal" in passage_needs("free legal   aid")  # a space in a term is any gap


def test_the_corpus_words_do_not_read_a_name_or_a_phrase_as_a_need():
    # The Ministry of Foreign Affairs is no migrants' organisation by its name; foreigners are migrants.
    assert "migrant" not in passage_needs("The Ministry of Foreign Affairs is the official mechanism")
    assert "migrant" in passage_needs("assistance to foreigners")
    # Guarding victims' interests is not protecting a person from threats; protecting victims and witnesses is.
    assert "witness" not in passage_needs("a Consular Department responsible for protection of victims' interests")
    assert "witness" in passage_needs("provides protection of victims and their belongings")
    # "legal ... assistance" two words apart is still legal help; "legal and safe possibilities" is not.
    assert "legal" in passage_needs("provides psychological, legal and medical crisis assistance")
    assert "legal" not in passage_needs("aims to raise public awareness about legal and safe possibilities to travel")


def test_every_need_has_labels_in_every_interface_language_and_corpus_words():
    assert len(NEED_KEYS) == len(set(NEED_KEYS)) == 18
    for need in NEEDS:
        assert need.kind in ("who", "what")
        assert set(need.labels) >= {"en", "lt", "ru", "pl", "uk"} and all(need.labels.values()), need.key
        assert need.corpus.pattern, need.key


def test_the_seed_corpus_speaks_of_the_needs_its_organisations_serve():
    corpus = load_corpus(SEED.parent)
    found = {}
    for passage in corpus.passages:
        for key in passage_needs(passage.text):
            found.setdefault(key, set()).add(passage.organisation_id)
    assert found["child"] >= {"lt-child-house"}
    assert found["compensation"] >= {"lt-ministry-of-justice"}
    assert found["missing"] >= {"lt-missing-persons-families-support-centre"}
    assert "lt-international-organisation-for-migration-vilnius-office" in found["migrant"]
