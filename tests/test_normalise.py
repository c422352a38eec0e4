"""The one normaliser (assistant/normalise.py): text cleaned for reading, words folded for comparing, and
the one fuzzy match the danger rules mend typos with."""

from __future__ import annotations

import random
import string

from assistant.normalise import clean, edit_distance, fold
from assistant.safety import rules
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


def osa_reference(a: str, b: str) -> int:
    """The distance the danger rules were written with: the project's own function before rapidfuzz (optimal
    string alignment: adjacent swaps cost one, no substring edited twice)."""
    rows = [list(range(len(b) + 1))] + [[i] + [0] * len(b) for i in range(1, len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def typo(word: str, rng: random.Random) -> str:
    """One or two random edits: a swap of neighbours, a letter dropped, doubled, replaced or added."""
    for _ in range(rng.choice((1, 1, 2))):
        i = rng.randrange(max(len(word), 1))
        edit = rng.choice(("swap", "drop", "double", "replace", "add"))
        if edit == "swap" and len(word) > 1:
            i = min(i, len(word) - 2)
            word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif edit == "drop":
            word = word[:i] + word[i + 1:]
        elif edit == "double":
            word = word[:i] + word[i:i + 1] * 2 + word[i + 1:]
        else:
            word = word[:i] + rng.choice(string.ascii_lowercase) + word[i + (edit == "replace"):]
    return word


def test_edit_distance_is_the_optimal_string_alignment_the_rules_were_written_with():
    rng = random.Random(20250103)
    keys = list(rules._VOCABULARY) + list(rules._SHORT_VOCABULARY)
    pairs = [(typo(key, rng), other) for key in keys for other in keys for _ in range(2)]
    pairs += [("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))),
               "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))))
              for alphabet in ("ab", "abc", "abcd", string.ascii_lowercase) for _ in range(2500)]
    assert len(pairs) > 12_000
    assert [edit_distance(a, b) for a, b in pairs] == [osa_reference(a, b) for a, b in pairs]
    assert edit_distance("ca", "abc") == osa_reference("ca", "abc") == 3  # unrestricted Damerau-Levenshtein says 2
    assert edit_distance("suicdie", "suicide") == 1 and edit_distance("myslef", "myself") == 1
