"""The danger detector: phrasings written from the definition (not taken from the labelled set)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.corpus.parse import load_corpus
from assistant.safety.danger import (
    CRISIS_SHARE,
    KIND_REASONS,
    Danger,
    assess_danger,
    crisis_line,
    danger_metrics,
    detect_danger,
    normalise,
)

ROOT = Path(__file__).resolve().parent.parent
DANGER_SET = ROOT / "assistant" / "evaldata" / "danger.jsonl"

URGENT = [
    "my boyfriend is beating me right now",
    "hes strangling my sister what do i do",
    "There is a man banging on my front door and shouting he will get in",
    "my ex is outside the house with a knife",
    "I am hiding in the wardrobe, he is looking for me",
    "He said that he will kill me when he gets home tonight",
    "my husband threatened to kill me and the kids tonight",
    "I'll be dead by morning if I stay here",
    "they locked me in the basement and took my phone",
    "the owner keeps our passports and never lets us leave the farm",
    "my sister is held against her will by her pimp",
    "I want to kill myslef",
    "i realy want to die",
    "i dont want to be alive anymore",
    "everyone would be better off without me",
    "I have been having suicdal thoughts every night",
    "i took a whole bottle of pills",
    "Im going to end it all tonight",
    "i keep cutting myself when it gets bad",
    "my 14 year old daughter is cutting herself and says she wants to die",
    "I have the urge to hurt myself again",
    "I tried to kill myself last year and I want to do it again",
    "im bein hit pls come",
    "he texted he is coming to get rid of me",
    "she says shell stab me tonight",
    "he loaded his rifle and is looking at me",
    "cant get out of the flat, they took my phone and passport",
    "i wrote a farewell note",
    "sitting on the roof edge now",
    "what is the point in going on",
    "i think about ending things tonight",
    "carved my thighs again",
    "he has my kids in the car and says he will drive into the river",
    "there is someone in my flat right now",
    "i cant breathe he is on top of me",
    "nobody would miss me if i was gone",
    "i have a blade in my hand",
    "he just punched me and is still here shouting",
    "I am going to jump tonight",
    "i really dont see a way to continue living",
    "i want to disappear and never come back, i have the pills",
    "someone is following me home right now and I am scared",
    "he pushed me down the stairs and is coming back up",
    "i keep hitting my head against the wall until it bleeds",
    "life is pointless and I have decided to leave this world",
    "my partner said this is my last night alive",
    "i am cutting again and cannot stop",
    "I am sitting on the window ledge of the 9th floor",
    "a man grabbed me and pulled me into his car, I am in the car now",
    "they keep me in a room and I only go out to work at night",
    "I have tablets saved up and tonight I will take them",
    "wish i could just go to sleep forever",
    "help i am bleeding he stabbed me",
]
NOT_URGENT = [
    "this traffic is killing me",
    "my phone died and I lost the numbers of the lawyers",
    "I am dying to know how compensation works",
    "My mum will kill me if I come home late again",
    "I'm writing an essay about suicide prevention in Lithuania",
    "What are the statistics on domestic violence?",
    "How does a suicide helpline work?",
    "I was beaten by my father when I was a child",
    "I was trafficked to Germany in 2015 and want compensation now",
    "I tried to kill myself five years ago and I'm doing well now",
    "I am not suicidal, I just need a lawyer",
    "I locked myself out of my flat",
    "Who pays my hospital bills after I was assaulted?",
    "I cut myself while cooking",
    "I don't want to live with him anymore, where can I find a shelter?",
    "my teacher will murder me lol",
    "I'm thinking about ending it with my boyfriend",
    "I burned my hand while cooking",
    "we stood on the bridge and took photos last summer",
    "my brother will beat me at chess",
    "a man was in my house last week",
    "my neighbour threatens to sue me",
    "I am safe now but I need counselling",
    "the movie about a kidnapping made me think of my case",
    "I just hit my head on the shelf",
    "we are going to jump on the trampoline",
    "I used to self harm as a teenager but I am fine now",
    "I survived a suicide attempt ten years ago and now volunteer",
    "he hits the ball really hard",
    "I am cutting vegetables",
    "he followed me last year",
    "my boss pushed me to work harder",
    "I have decided to go to the police",
    "I hit my head on the door by accident",
    "everything is over between us",
    "I was kidnapped as a child and still have nightmares, who can I talk to",
    "keep me in mind for the job",
    "I put her in the car seat",
    "my nose is bleeding",
    "he stabbed me in 2012",
    "",
]


OTHER_LANGUAGES = ["Aš noriu mirti", "Jis sako, kad nužudys mane šiąnakt", "Я не хочу жить", "он убьёт меня сегодня",
                   "Хочу померти", "Він вбʼє мене", "Chcę umrzeć", "On mnie zabije", "Он ломает дверь"]
OTHER_LANGUAGES_CALM = ["Moja siostra zniknęła", "Мой сын пропал", "Mano vaikas dingo", "Потрібна юридична допомога"]


@pytest.mark.parametrize("text", OTHER_LANGUAGES)
def test_the_strongest_phrases_in_lithuanian_russian_ukrainian_polish(text):
    assert detect_danger(text).urgent, text


@pytest.mark.parametrize("text", OTHER_LANGUAGES_CALM)
def test_calm_text_in_other_languages_is_not_urgent(text):
    assert not detect_danger(text).urgent, text


@pytest.mark.parametrize("text", URGENT)
def test_urgent_situations_are_noticed(text):
    danger = detect_danger(text)
    assert danger.urgent, text
    assert danger.reason and "sounds like" in danger.reason


@pytest.mark.parametrize("text", NOT_URGENT)
def test_idioms_topics_and_past_harm_are_not_urgent(text):
    assert detect_danger(text) == Danger(False)


def test_odd_input_is_never_urgent_and_never_fails():
    for odd in (None, 42, ["kill myself"], "\x00\u202e", "🙂" * 1000, "a" * 100_000):
        assert detect_danger(odd).urgent is False


def test_normalise_opens_contractions_and_mends_typos():
    assert normalise("He's kiliing me, I can't") == "he is kiliing me , i can not"
    assert normalise("I wnat to kill myslef") == "i want to kill myself"


def test_crisis_line_comes_from_the_corpus():
    line = crisis_line(load_corpus(ROOT / "corpus"))
    assert line is not None
    assert line.organisation == "Klaipeda Social and Psychological Support Centre"
    assert line.phone == "8 800 66 366"
    assert line.phone in line.passage


def test_crisis_line_is_none_when_no_organisation_speaks_of_suicide(tmp_path):
    page = (ROOT / "corpus" / "lt-help-and-support-for-victims-of-crime.txt").read_text(encoding="utf-8")
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "page.txt").write_text(page.replace("suicides", "loneliness"), encoding="utf-8")
    assert crisis_line(load_corpus(folder)) is None


def test_metrics_count_every_kind_of_call(tmp_path):
    path = tmp_path / "set.jsonl"
    items = [("he is hitting me right now", True), ("i want to die", True), ("my phone died", True),
             ("essay on suicide", False), ("kill myself", False)]
    path.write_text("\n".join(json.dumps({"_id": str(i), "text": t, "urgent": u}) for i, (t, u) in enumerate(items)))
    metrics = danger_metrics(path)
    assert (metrics["tp"], metrics["fn"], metrics["fp"], metrics["tn"]) == (2, 1, 1, 1)
    assert metrics["recall"] == pytest.approx(2 / 3) and metrics["precision"] == pytest.approx(2 / 3)
    assert [m["text"] for m in metrics["misses"]] == ["my phone died", "kill myself"]


def test_detector_floor_on_the_labelled_set():
    """Missing a person in danger is the worse error: recall is held higher than precision."""
    metrics = danger_metrics(DANGER_SET)
    assert metrics["tp"] + metrics["fn"] >= 30
    assert metrics["recall"] >= 0.97, metrics["misses"]
    assert metrics["precision"] >= 0.90, metrics["misses"]


CALM = "I need someone to talk to"  # no rule fires: what the learned detector reads decides


def test_the_crisis_line_is_offered_when_the_learned_detector_finds_suicide_likely_behind_another_kind():
    """A suicidal person whose words the kind head reads first as a threat to kill still gets the crisis line;
    the kinds, and so the banner's sentence and "We understood", stay the head's own."""
    danger = assess_danger(CALM, 0.9, 0.5, "threat_to_kill", crisis_share=CRISIS_SHARE)
    assert danger.urgent and danger.crisis
    assert danger.kinds == ("threat_to_kill",) and danger.kind == "threat_to_kill"
    assert danger.reason == KIND_REASONS["threat_to_kill"]
    assert not {"suicide", "self_harm"} & set(danger.kinds)  # weaker evidence names no suicide
    child = assess_danger(CALM, 0.9, 0.5, "child_danger", crisis_share=0.6)
    assert child.kind == "child_danger" and child.crisis  # a child at risk of suicide


def test_the_crisis_line_is_not_offered_below_the_share_nor_when_the_learned_detector_is_calm():
    below = assess_danger(CALM, 0.9, 0.5, "attack_now", crisis_share=CRISIS_SHARE - 0.01)
    assert below.urgent and below.kinds == ("attack_now",) and not below.crisis
    calm = assess_danger(CALM, 0.3, 0.5, "suicide", crisis_share=0.95)  # under the danger cut-off
    assert calm == Danger(False) and not calm.crisis


def test_suicide_or_self_harm_among_the_kinds_always_offers_the_crisis_line():
    assert detect_danger("i want to kill myself").crisis and detect_danger("i cut my arms again tonight").crisis
    assert not detect_danger("he is hitting me right now").crisis
    by_rules = assess_danger("i want to kill myself", 0.1, 0.5, "attack_now", crisis_share=0.0)  # rules alone
    assert by_rules.kinds == ("suicide",) and by_rules.crisis
    both = assess_danger("he is hitting me right now", 0.9, 0.5, "self_harm", crisis_share=0.0)
    assert both.kind == "attack_now" and both.kinds == ("attack_now", "self_harm") and both.crisis
