"""The one taxonomy of needs (``taxonomy.json``): who the victim is and what help they need, with a label
in each interface language and the words the corpus uses for each. The learned layer predicts these keys,
"We understood" shows their labels, and the evidence shown marks the passages that speak of them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

_DATA = json.loads((Path(__file__).resolve().parent / "taxonomy.json").read_text(encoding="utf-8"))


def corpus_pattern(terms: list[str]) -> re.Pattern[str]:
    """Whole words (with plural or possessive endings); a trailing * makes a prefix ("traffick*" matches
    trafficked and trafficking); a space matches any gap of at most one other word."""
    parts = []
    for term in terms:
        prefix = term.endswith("*")
        body = re.escape(term.rstrip("*")).replace(r"\ ", r"\W+(?:\w+\W+)?")
        parts.append(body if prefix else body + r"(?:s|es|'s)?\b")
    return re.compile(r"\b(?:" + "|".join(parts) + r")", re.IGNORECASE)


@dataclass(frozen=True)
class NeedKind:
    key: str
    kind: str  # "who" or "what"
    labels: dict[str, str]
    corpus: re.Pattern[str]  # how the corpus's passages say it

    def label(self, language: str = "en") -> str:
        return self.labels.get(language) or self.labels["en"]


NEEDS: tuple[NeedKind, ...] = tuple(NeedKind(n["key"], n["kind"], dict(n["label"]), corpus_pattern(n["corpus"]))
                                    for n in _DATA["needs"])
NEED_KEYS: tuple[str, ...] = tuple(n.key for n in NEEDS)
BY_KEY = {n.key: n for n in NEEDS}
DANGER_KINDS: tuple[str, ...] = tuple(_DATA["danger_kinds"])


def passage_needs(text: str) -> frozenset[str]:
    """The need keys a passage of the corpus speaks of, in the corpus's own words."""
    return frozenset(need.key for need in NEEDS if need.corpus.search(text))
