"""Needs found in people's words, and misspellings mended: pure logic, no model."""

import numpy as np
import pytest

from assistant.retrieval.needs import NEEDS, coverage, is_adult, needs_in_situation, passage_needs, passage_tags
from assistant.retrieval.spelling import Speller, edit_distance


def keys(text):
    return {need.key for need in needs_in_situation(text)}


@pytest.mark.parametrize("text, expected", [
    ("my 9 year old daughter was touched by her coach", {"child"}),
    ("my stepfather hits my mum and me", {"domestic_violence"}),
    ("our son has disappeared, we cannot find him", {"missing"}),
    ("who will pay my hospital bills after the attack", {"compensation"}),
    ("i need a lawyer for the trial", {"legal"}),
    ("he threatens to kill me because I testified", {"witness"}),
    ("i want to kill myself", {"suicide"}),
    ("i cant cope with the nightmares", {"crisis"}),
    ("I am from Ukraine and my employer keeps my wages", {"migrant"}),
    ("I was robbed in Spain and lost everything", {"abroad"}),
    ("my brother is stuck in london without money", {"abroad"}),
    ("nowhere to sleep tonight", {"shelter"}),
])
def test_needs_in_situation(text, expected):
    assert expected <= keys(text)


def test_violence_at_home_against_the_writer_who_is_a_child_is_child_abuse():
    assert keys("im 13 and my stepfather hits me") >= {"child"}
    assert "domestic_violence" not in keys("im 13 and my stepfather hits me")
    assert "domestic_violence" in keys("I'm 5 months pregnant and my husband hits me")


@pytest.mark.parametrize("text, missing", [
    ("my daughter ran away from home", True),
    ("I'm looking for my brother, nobody has heard from him", True),
    ("she has been gone for three days", True),
    ("my husband vanished a year ago", True),
    ("I ran away from him last night", False),  # the writer fled: no one is missing
    ("i just want to disappear", False),
    ("robbed in spain, passport gone", False),  # a thing is gone, not a person
    ("looking for a crisis helpline", False),
    ("no previous contact with services", False),
])
def test_a_missing_person_is_someone_else(text, missing):
    assert ("missing" in keys(text)) is missing


def test_words_set_aside_as_a_need_still_say_someone_is_in_trouble():
    from assistant.retrieval.needs import signals_harm

    assert signals_harm("I ran away from him with my little girl", needs_in_situation("I ran away from him"))
    assert not signals_harm("what is the weather in Vilnius", ())


def test_abuse_is_sexual_abuse_only_when_the_words_say_so():
    assert "sexual_abuse" not in keys("I don't even know if this counts as abuse")
    assert "sexual_abuse" in keys("he touched me and said it was our secret")


def test_a_parent_who_is_hurt_is_an_adult():
    assert is_adult("last week he pushed me down the stairs while the kids watched")
    assert not is_adult("my daughter was abused")
    assert not is_adult("my stepdad hits me")


def test_an_adult_son_is_not_a_child():
    assert "child" not in keys("my son is 34 and he takes my pension")
    assert "child" in keys("my son is 14 and he was beaten at school")


def test_passages_are_tagged_from_corpus_words():
    assert {"child"} <= passage_needs("provides help for children victims of sexual abuse")
    assert {"compensation"} <= passage_needs("processes requests to compensate damage caused by violent crimes")
    assert passage_needs("observes the principles of flexibility") == frozenset()


def _column(key):
    return [need.key for need in NEEDS].index(key)


def test_coverage_is_a_share_with_the_description_counted_twice():
    tags, weights = passage_tags([("description", "aid to children"), ("service", "legal aid"), ("service", "shelter")])
    shares = coverage(tags, weights, np.array([0, 0, 0]), 1)
    assert shares[0, _column("child")] == pytest.approx(2 / 4)
    assert shares[0, _column("shelter")] == pytest.approx(1 / 4)


def test_passages_about_children_speak_for_adults_only_of_children():
    tags, weights = passage_tags([("service", "help to children who suffered sexual abuse"),
                                  ("service", "help to women who suffered sexual abuse")])
    owners = np.array([0, 1])
    for_a_child = coverage(tags, weights, owners, 2, adult=False)
    for_an_adult = coverage(tags, weights, owners, 2, adult=True)
    abuse = _column("sexual_abuse")
    assert for_a_child[0, abuse] == 1 and for_an_adult[0, abuse] == 0 and for_an_adult[1, abuse] == 1
    assert for_an_adult[0, _column("child")] == 1


def test_violence_by_any_family_member_is_violence_at_home():
    assert "domestic_violence" in keys("my father beats my mother every night")
    assert "domestic_violence" in keys("my brother threatened me with a knife")
    assert "domestic_violence" not in keys("my father took me to the cinema")
    assert "domestic_violence" not in keys("a teacher hurts my son")
    assert "domestic_violence" not in keys("my daughter was abused")


@pytest.mark.parametrize("text, adult", [
    ("my husband raped me", True), ("woman, 45, assaulted", True), ("client is 31", True),
    ("i'm 15 and my boyfriend hits me", False), ("uncle touches me", False), ("my boss keeps my pay", True),
])
def test_is_adult(text, adult):
    assert is_adult(text) is adult


def test_edit_distance_counts_swaps_once():
    assert edit_distance("trafficked", "traficked", 2) == 1
    assert edit_distance("form", "from", 2) == 1
    assert edit_distance("abcdef", "uvwxyz", 2) == 3  # gives up past the limit


def test_speller_mends_unknown_words_and_keeps_known_ones():
    speller = Speller(["trafficked", "lawyer", "compensation", "husband"], ["help", "need", "my", "beats", "shoes"])
    assert speller.correct("need a lawer, i was traficked") == "need a lawyer, i was trafficked"
    assert speller.correct("husbnd beats me") == "husband beats me"
    # Inflections of known words and phone-typed contractions are not misspellings.
    assert speller.correct("dont help helping helped shoes") == "dont help helping helped shoes"
    # Capitalised words after the first are names: left alone.
    assert speller.correct("help in Kaunas") == "help in Kaunas"


def test_speller_mends_words_that_only_look_like_inflections():
    speller = Speller({"lawyer", "missing", "smuggling", "teacher"}, {"law", "miss", "tech", "snuggled"})
    assert speller.correct("i need a lawer") == "i need a lawyer"  # not law + er
    assert speller.correct("my son is misssing") == "my son is missing"
    assert speller.correct("they smuggled us") == "they smuggled us"  # a form of the corpus's smuggling


@pytest.mark.parametrize("text, at_home", [
    ("he hits me when he drinks", True),
    ("I left him last week and have nowhere to go", True),
    ("he attacked me on the street", False),  # somewhere outside the home
    ("my boss hit me", False),  # someone outside the home
    ("im 15 and he hits me", False),  # a child: child abuse, not a partner
])
def test_he_who_hurts_the_writer_at_home_is_taken_as_a_partner(text, at_home):
    assert ("domestic_violence" in keys(text)) is at_home


@pytest.mark.parametrize("text, need, found", [
    ("who pays my hospital bills after the attack", "compensation", True),
    ("can i claim compensation for my injuries", "compensation", True),
    ("my mom is on night shift at the hospital", "compensation", False),  # a hospital, no cost
    ("she sent me photos of the sea", "sexual_abuse", False),
    ("he made me send nude photos", "sexual_abuse", True),
    ("my landlord's son punched me", "domestic_violence", False),  # someone else's relative
    ("uncle hurting my little brother", "domestic_violence", False),  # a child is the one hurt
    ("uncle hurting my little brother", "child", True),
    ("the guy who sets up the clients hit me", "domestic_violence", False),  # not a partner
])
def test_needs_are_found_only_where_the_words_mean_them(text, need, found):
    assert (need in keys(text)) is found


def test_someone_back_home_needs_no_help_abroad():
    assert "abroad" not in keys("sold to a brothel in Spain, came back to Lithuania last month")
    assert "abroad" in keys("stuck in germany, want to go back to lithuania")


@pytest.mark.parametrize("text, age_of_a_child", [
    ("im 14 and scared", True),
    ("my 9 year old was touched", True),
    ("we have been married 12 years", False),  # a time span, not an age
    ("I am 5 months pregnant", False),
    ("it is 12 days since she left", False),
])
def test_ages_are_ages_not_time_spans(text, age_of_a_child):
    assert ("child" in keys(text)) is age_of_a_child


def test_he_who_controls_the_writer_is_taken_as_a_partner():
    assert "domestic_violence" in keys("he controls every euro and reads my messages")


@pytest.mark.parametrize("text, need, found", [
    ("my bf chokes me when hes drunk", "domestic_violence", True),  # informal words for a partner
    ("she left her phone at home", "domestic_violence", False),  # at home is no violence at home
    ("He keeps my card locked away, hits me when he drinks", "domestic_violence", True),
    ("I sleep all day and cry", "shelter", False),  # sleep is no need of a bed
    ("nowhere to sleep tonight", "shelter", True),
    ("everyone would be fine without me", "suicide", True),
    ("my dad went to work in england and we heard nothing from him since", "missing", True),
    ("I came from Uzbekistan to drive trucks here and want to go home", "abroad", False),  # a migrant here
    ("I came from Uzbekistan to drive trucks here and want to go home", "migrant", True),
])
def test_more_needs_found_only_where_the_words_mean_them(text, need, found):
    assert (need in keys(text)) is found


@pytest.mark.parametrize("text, need, found", [
    ("ex keeps waiting outside my work and texting, he found out where i live", "domestic_violence", False),
    ("ex keeps waiting outside my work and texting, he found out where i live", "witness", True),
    ("my ex hits me when he brings the kids back", "domestic_violence", True),  # he still hurts her
    ("my sister's boyfriend hits her kids with a belt", "domestic_violence", False),  # the children are hurt
    ("my sister's boyfriend hits her kids with a belt", "child", True),
    ("daughter gone 3 days", "missing", True),
    ("the kids have gone really quiet lately", "missing", False),
    ("she came home with bruises", "missing", False),
    ("state money for assault victims", "compensation", True),
])
def test_needs_found_in_who_does_what_to_whom(text, need, found):
    assert (need in keys(text)) is found


def test_texting_shorthand_is_written_out():
    from assistant.retrieval.spelling import expand_shorthand

    assert expand_shorthand("need 2 get out w my 2 kids n nowhere 2 go") == \
        "need to get out with my 2 kids and nowhere to go"
    assert expand_shorthand("bf hits me w/ a belt") == "boyfriend hits me with a belt"


def test_a_man_who_takes_the_passport_is_no_partner_for_that():
    assert "domestic_violence" not in keys("he took my passport and makes me work")
