"""Text normalising, in one place, for every part that reads a person's words.

``clean`` makes text safe to read: no control or invisible characters, single spaces (the search's
checked query, the language detector's input). ``fold`` makes words comparable: one case, one apostrophe,
no accents, no stretched letters (the danger rules read folded text and fold their own phrases the same
way). ``edit_distance`` is the one fuzzy match: how many edits apart two words are.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import OSA


def clean(text: str) -> str:
    """Drop control and invisible characters (keeping line breaks as spaces) and squeeze spaces."""
    kept = "".join(
        " " if ch in "\n\r\t" else ch
        for ch in text
        if ch in "\n\r\t" or not unicodedata.category(ch).startswith("C")
    )
    return re.sub(r"\s+", " ", kept).strip()


def fold(text: str) -> str:
    """Lowercase without accents or stretched letters: "Pleeeease DON’T" -> "pleease don't",
    "убьёт" -> "убьет", "chcę" -> "chce".

    NFKC first (full-width and compatibility forms become plain letters), then lowercase, the typographic
    apostrophes and the backtick as "'", accents dropped (NFKD without combining marks), and a letter
    repeated three times or more kept twice.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return re.sub(r"(\w)\1{2,}", r"\1\1", text)  # "pleeeease" -> "pleease", "killll" -> "kill"


def edit_distance(a: str, b: str) -> int:
    """Edits between two words, an adjacent swap counting as one ("suicdie" is 1 from "suicide").

    The optimal string alignment distance (a restricted Damerau-Levenshtein: no substring is edited
    twice), from rapidfuzz's C++ implementation.
    """
    return OSA.distance(a, b)
