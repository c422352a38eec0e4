"""Mend misspelled words before a situation is searched ("traficked" -> "trafficked").

A word is left alone when the vocabulary knows it. The vocabulary is the corpus's own words, the
situation words of ``needs``, and the whole words the model's tokenizer knows (about 20,000
common English words), so that only words nobody spells that way are changed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

_TOKEN = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|[^A-Za-z]+")
# Phone-typed contractions are words people mean, not misspellings.
_CONTRACTIONS = {"dont", "wont", "cant", "im", "ive", "didnt", "doesnt", "isnt", "wasnt", "arent", "couldnt",
                 "shouldnt", "wouldnt", "hes", "shes", "theyre", "youre", "thats", "whats", "ill", "id", "gonna",
                 "wanna", "gotta", "kinda", "ok", "okay"}  # texting shorthand (pls, u, tonite) is written out first
_SUFFIXES = ("ing", "ed", "es", "s", "er", "ers", "ly", "ation", "ions", "ion")


# Texting shorthand, written out before anything else reads the words ("hes smashing stuff no money
# nowhere 2 go", "bf hits me n the kids").
_SHORTHAND = {"w": "with", "n": "and", "u": "you", "ur": "your", "r": "are", "wat": "what", "wot": "what",
              "shud": "should", "cud": "could", "wud": "would", "bc": "because", "cuz": "because", "coz": "because",
              "bcoz": "because", "becuz": "because", "bf": "boyfriend", "gf": "girlfriend", "hubby": "husband",
              "tonite": "tonight", "2nite": "tonight", "nite": "night", "pls": "please", "plz": "please",
              "ppl": "people", "thru": "through", "abt": "about", "bout": "about", "sum1": "someone",
              "some1": "someone", "ne1": "anyone", "any1": "anyone", "no1": "no one", "b4": "before", "gr8": "great"}
_SHORT_WORD = re.compile(r"(?<![\w'/-])(" + "|".join(map(re.escape, sorted(_SHORTHAND, key=len, reverse=True)))
                         + r")(?![\w'/-])|\bw/", re.IGNORECASE)
# "2" for "to", only where "to" belongs: "nowhere 2 go", "went 2 work", "who do i go 2"; not "my 2 kids".
_TWO_FOR_TO = re.compile(r"(?<=[a-z] )2(?= (?:go|get|do|be|talk|find|leave|stay|sleep|work|pay|call|contact|ask|"
                         r"help|the|my|me|him|her|us|them|a|an|lithuania|police)\b)|"
                         r"\b(nowhere|go|went|want|need|have|got|how|where|able|going|back|come|talk|speak|who) 2\b",
                         re.IGNORECASE)


def expand_shorthand(text: str) -> str:
    """Texting shorthand written out: "w/ my 2 kids n no money" -> "with my 2 kids and no money"."""
    text = _TWO_FOR_TO.sub(lambda m: f"{m.group(1)} to" if m.group(1) else "to", text)
    return _SHORT_WORD.sub(lambda m: "with" if m.group(0).lower() == "w/" else _SHORTHAND[m.group(1).lower()], text)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent swaps count one), giving up past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _stems(word: str) -> list[str]:
    return [word[: -len(suffix)] for suffix in _SUFFIXES if word.endswith(suffix) and len(word) - len(suffix) >= 4]


class Speller:
    """Corrects words against a vocabulary; words from ``preferred`` win ties."""

    def __init__(self, preferred: Iterable[str], common: Iterable[str] = ()):
        self.preferred = {w.lower() for w in preferred if w.isalpha()}
        self.known = self.preferred | {w.lower() for w in common if w.isalpha()} | _CONTRACTIONS
        self._by_first: dict[str, list[str]] = {}
        for word in sorted(self.known, key=lambda w: (w not in self.preferred, w)):
            if len(word) >= 3:
                self._by_first.setdefault(word[0], []).append(word)
        # Stems of the corpus's words, so other forms of them are known too (smuggling -> smuggled).
        self._preferred_stems = {stem for word in self.preferred for stem in _stems(word)}
        self.correct_word = lru_cache(maxsize=4096)(self._correct_word)

    def _corpus_form(self, word: str) -> bool:
        return any(stem in self._preferred_stems for stem in _stems(word))

    def is_known(self, word: str) -> bool:
        """Known as it is, or as an inflection of a known word (shoves, mugged, testifying)."""
        if word in self.known or self._corpus_form(word):
            return True
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                stem = word[: -len(suffix)]
                doubled = stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else stem
                if {stem, stem + "e", stem[:-1] + "y", doubled} & self.known:
                    return True
        return False

    def _correct_word(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < 4 or "'" in lower or lower in self.known or self._corpus_form(lower):
            return word
        if self.is_known(lower):
            # Known only as a possible inflection ("lawer" = law + er, "misssing" = miss + ing): mended
            # only to a word of the corpus or of the needs one letter away (lawyer, missing).
            return next((c for c in self._by_first.get(lower[0], ()) if c in self.preferred
                         and edit_distance(lower, c, 1) == 1), word)
        limit = 1 if len(lower) <= 5 else 2
        best, best_distance = word, limit + 1
        for candidate in self._by_first.get(lower[0], ()):
            distance = edit_distance(lower, candidate, limit)
            if distance < best_distance:  # candidates come preferred-first, so ties keep those
                best, best_distance = candidate, distance
                if distance == 1:
                    break
        return best

    def correct(self, text: str) -> str:
        """The text with texting shorthand written out and unknown words replaced by their nearest known
        word, everything else kept."""
        text = expand_shorthand(text)
        tokens = _TOKEN.findall(text)
        # A capitalised word after the first is likely a name (Kaunas, Moldova): left as written.
        return "".join(
            self.correct_word(t) if t[0].isalpha() and (t.islower() or i == 0) else t
            for i, t in enumerate(tokens)
        )


def tokenizer_words(tokenizer) -> list[str]:
    """Whole words (not '##' pieces) in a WordPiece tokenizer's vocabulary."""
    vocab = getattr(tokenizer, "vocab", None) or {}
    return [w for w in vocab if w.isalpha() and w.isascii()]
