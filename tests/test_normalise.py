"""The one normaliser (assistant/normalise.py): text cleaned for reading, words folded for comparing."""

from __future__ import annotations

from assistant.normalise import clean, fold
from assistant.safety.danger import detect_danger, normalise


def test_control_characters_are_dropped():
    assert clean("my\x00 son\x07 is\u200b missing\r\nplease") == "my son is missing please"


def test_fold_lowercases_and_drops_accents_stretched_letters_and_typographic_apostrophes():
    assert fold("Pleeeease DON’T") == "pleease don't" and fold("killll `em") == "kill 'em"
    assert fold("Убьёт") == "убьет" and fold("Chcę umrzeć") == "chce umrzec" and fold("nusižudyti") == "nusizudyti"
    assert fold("ＫＩＬＬ ｍｅ") == "kill me"  # full-width letters, as some phone keyboards type them
    assert normalise("SHE’S Hitting Me") == "she is hitting me"  # the danger rules read folded words


def test_the_danger_rules_fold_their_own_phrases_as_they_fold_a_persons_words():
    assert detect_danger("он убьёт меня").kind == "threat_to_kill"
    assert detect_danger("ОН УБЬЕТ МЕНЯ").kind == "threat_to_kill"  # no ё typed, capitals: the same phrase
    assert detect_danger("Chce umrzec").kind == "suicide"  # Polish typed without its accents

