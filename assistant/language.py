"""Tell which language a situation is written in, for the languages people here are likely to use.

The packaged model reads English only: a situation in another language would be ranked at random.
The script and a few very common words are enough to tell English, Lithuanian, Polish, Russian and
Ukrainian apart; anything else counts as English (the model then does what it can).
"""

from __future__ import annotations

import re

NAMES = {"en": "English", "lt": "Lithuanian", "pl": "Polish", "ru": "Russian", "uk": "Ukrainian"}

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_UKRAINIAN_LETTERS = re.compile(r"[іїєґІЇЄҐ]")
_LITHUANIAN_LETTERS = re.compile(r"[ėįųūĖĮŲŪ]")
_POLISH_LETTERS = re.compile(r"[łńśźćŁŃŚŹĆ]")
_COMMON = {
    "lt": {"ir", "kad", "mano", "man", "mane", "yra", "nėra", "ne", "aš", "jis", "ji", "su", "kur", "kaip", "ar",
           "vyras", "vaikas", "vaikai", "pagalba", "pagalbos", "padėkite", "prašau", "bijau", "muša", "metai"},
    "pl": {"i", "nie", "jest", "mnie", "mój", "moja", "się", "że", "jak", "czy", "mam", "pomocy", "pomoc", "mąż",
           "dziecko", "boję", "proszę", "jestem", "który", "która", "w", "z", "na", "do"},
    "en": {"the", "and", "is", "my", "me", "i", "he", "she", "to", "of", "in", "a", "help", "was", "what", "who"},
}


def detect_language(text: str) -> str:
    """A code from ``NAMES``: the language the text is most likely written in."""
    letters = len(_CYRILLIC.findall(text)) + len(_LATIN.findall(text))
    if letters == 0:
        return "en"
    if len(_CYRILLIC.findall(text)) / letters > 0.3:
        return "uk" if _UKRAINIAN_LETTERS.search(text) else "ru"
    words = re.findall(r"[^\W\d_]+", text.lower())
    votes = {code: sum(w in common for w in words) for code, common in _COMMON.items()}
    votes["lt"] += 3 * len(_LITHUANIAN_LETTERS.findall(text))
    votes["pl"] += 3 * len(_POLISH_LETTERS.findall(text))
    best = max(votes, key=lambda code: votes[code])
    return best if votes[best] > votes["en"] else "en"


def model_reads(model: str, language: str) -> bool:
    """Whether a model can be trusted with a language: English always; others when the model's name
    says it is multilingual (paraphrase-multilingual-*, LaBSE, multilingual-e5-*, bge-m3, ...)."""
    if language == "en":
        return True
    return bool(re.search(r"multilingual|labse|xlm|bge-m3|\bm3\b|multi-qa-mpnet-base-dot-v1-multi", model, re.I))
