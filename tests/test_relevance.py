"""The served searcher (the learned layer over the real models and the real indexes): cases a person would
notice, situations written for these tests in words that are in no training file, and regression floors.

The floors are on data the learned layer was TRAINED on (the bundled set and blind..blind4 are training
data now): they guard against a regression, they do not measure quality. The quality figures come from
the held-out sets (assistant/evaldata/heldout_*), run once for the README, never in tests.
"""

import pytest

from assistant.evaluation.metrics import EVALDATA, load_qrels, load_queries, run_suite
from assistant.learning.situations import text_key, training_situations
from assistant.retrieval.search import Searcher

pytestmark = pytest.mark.slow

CHILD_HOUSE = "lt-child-house"
MISSING = "lt-missing-persons-families-support-centre"
JUSTICE = "lt-ministry-of-justice"
IOM = "lt-international-organisation-for-migration-vilnius-office"
KLAIPEDA = "lt-klaipeda-social-and-psychological-support-centre"
POLICE = "lt-police-department-of-the-ministry-of-the-interior"
FOREIGN = "lt-ministry-of-foreign-affairs"
CARITAS = "lt-caritas-lithuania"

# Written for these tests, checked below to be in no training file: paraphrases the heads never read.
UNSEEN = [
    ("my girl is 9 and she said the swimming coach made her keep secrets about touching", CHILD_HOUSE),
    ("our boy left for a building job in norway in may and nobody has heard from him since", MISSING),
    ("i was stabbed outside a bar two years ago and lost my job, is there state money for that", JUSTICE),
    ("the farm boss keeps our passports and we are from uzbekistan, we get no pay", IOM),
    ("my partner throws things at me when he drinks and i am scared for me and the baby", KLAIPEDA),
    ("the men i gave evidence against keep calling my mother and saying they know my address", POLICE),
    ("stuck in madrid, my wallet and papers were stolen and the hostel wants me out, i am lithuanian",
     FOREIGN),
    ("i was made to sell sex in a flat in kaunas and now i want a safe room and a normal job", CARITAS),
    ("mano sūnus jau savaitę negrįžta namo ir neatsiliepia telefonu", MISSING),
    ("сожитель бьёт меня при детях, я боюсь идти домой", KLAIPEDA),
    ("mojej córce ktoś wysyła zdjęcia i każe jej się spotkać, ma 13 lat", CHILD_HOUSE),
    ("роботодавець забрав мій паспорт, я з україни, не платить гроші", IOM),
]

PLAIN_CASES = [
    ("my daughter was abused", CHILD_HOUSE),
    ("our teenage son has not come home for a week", MISSING),
    ("who pays my hospital bills after I was assaulted", JUSTICE),
    ("my husband beats me and the children see it", KLAIPEDA),
    ("someone threatens to kill me because I testified in court", POLICE),
    ("vyras mane muša", KLAIPEDA),
]


def test_the_unseen_situations_are_in_no_training_file():
    trained = {text_key(s.text) for s in training_situations()}
    assert not [text for text, _ in UNSEEN if text_key(text) in trained]


@pytest.mark.parametrize("situation, first", PLAIN_CASES)
def test_the_right_organisation_comes_first(real_searcher, situation, first):
    answer = real_searcher.search(situation)
    assert answer.results[0].organisation.id == first, [r.organisation.id for r in answer.results[:3]]
    assert answer.results[0].score > answer.results[-1].score


def test_unseen_paraphrases_floor(real_searcher):
    """A floor, not a target: on the paraphrases no head has read, the right organisation is first for all
    but one and never below second (a learned reader is right about 0.8-0.9 of the time on new words; the
    held-out sets measure that, this guards against a collapse)."""
    ranks = {}
    for situation, first in UNSEEN:
        order = [r.organisation.id for r in real_searcher.search(situation).results]
        ranks[situation] = order.index(first) + 1
    assert sum(rank == 1 for rank in ranks.values()) >= len(UNSEEN) - 1, ranks
    assert max(ranks.values()) <= 2, ranks


def test_other_languages_are_read_and_answered_in_them(real_searcher):
    # Read by the multilingual model alone (cross-validated better than both models side by side there).
    assert [real_searcher.space_for(code).name for code in ("en", "lt", "ru", "pl", "uk")] == \
        ["primary"] + ["multilingual"] * 4
    for text, language in (("Vyras mane muša, bijau grįžti namo", "lt"), ("Муж бьёт меня каждый день", "ru"),
                           ("Mąż mnie bije i zabrał mi telefon", "pl"), ("Чоловік мене б'є, я боюся", "uk")):
        answer = real_searcher.search(text)
        assert answer.language == language and answer.ranked and not answer.no_match
        assert answer.results[0].organisation.id == KLAIPEDA


def test_a_language_no_model_here_reads_gets_every_organisation_unranked(real_searcher):
    # The English-only model without the multilingual one (nor the learned layer): nothing here reads Lithuanian.
    english_only = Searcher(real_searcher.index, real_searcher.embedder, real_searcher.settings)
    answer = english_only.search("Vyras mane muša, bijau grįžti namo")
    assert answer.language == "lt" and answer.no_match and not answer.ranked and "Lithuanian" in answer.message
    assert [r.organisation.id for r in answer.results] == [o.id for o in english_only.index.corpus.organisations]


def test_understood_needs_are_shown_in_plain_words(real_searcher):
    answer = real_searcher.search("my 8 year old was touched by a neighbour")
    assert "a child" in answer.understood and "child" in answer.needs


def test_nothing_fits_is_said_plainly(real_searcher):
    answer = real_searcher.search("what is the weather in vilnius tomorrow")
    assert answer.no_match and "could not find an organisation" in answer.message
    assert len(answer.results) == 8  # the general options are still offered
    for text in ("my husband hits me", "nowhere to sleep tonight. left with the kids and one bag",
                 "my 16yo hasnt answered her phone since thursday and her friends say nothing"):
        assert not real_searcher.search(text).no_match, text


def test_danger_now_is_noticed_and_named(real_searcher):
    for text, kind in (("he is kicking the door in right now", "attack_now"),
                       ("i took all my pills an hour ago and i feel sleepy", "suicide"),
                       ("mum's boyfriend is drunk again and hitting my little sister right now, im 11", "child_danger")):
        answer = real_searcher.search(text)
        assert answer.urgent and answer.urgent_kind == kind, (text, answer.urgent_kind)
    assert not real_searcher.search("how do I apply for compensation for an assault in 2019").urgent


# Regression floors on TRAINING data (seen by the learned layer; see the module docstring), measured
# 2026-12-02 with the heads in index/learned (6,674 labelled situations).
SEEN_FLOOR = {"bundled": {"nDCG@3": 0.970, "Success@1": 0.917}}
MARGIN = 0.03


@pytest.mark.parametrize("name", sorted(SEEN_FLOOR))
def test_floor_on_training_data(real_searcher, name):
    folder = EVALDATA if name == "bundled" else EVALDATA / name
    result = run_suite(real_searcher, modes=["dense", "learned"], queries=load_queries(folder / "queries.jsonl"),
                       qrels=load_qrels(folder / "qrels.tsv"))
    means = result.means("learned")
    for metric, floor in SEEN_FLOOR[name].items():
        assert means[metric] >= floor - MARGIN, f"{name} {metric} fell to {means[metric]:.3f} (floor {floor})"
    assert means["nDCG@3"] > result.means("dense")["nDCG@3"]
