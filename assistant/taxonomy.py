"""The one taxonomy of needs (``taxonomy.json``): who the victim is and what help they need, with a label
in each interface language. The learned layer predicts these keys, "We understood" shows their labels,
and the filters offer them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

_DATA = json.loads((Path(__file__).resolve().parent / "taxonomy.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class NeedKind:
    key: str
    kind: str  # "who" or "what"
    labels: dict[str, str]

    def label(self, language: str = "en") -> str:
        return self.labels.get(language) or self.labels["en"]


NEEDS: tuple[NeedKind, ...] = tuple(NeedKind(n["key"], n["kind"], dict(n["label"])) for n in _DATA["needs"])
NEED_KEYS: tuple[str, ...] = tuple(n.key for n in NEEDS)
BY_KEY = {n.key: n for n in NEEDS}
DANGER_KINDS: tuple[str, ...] = tuple(_DATA["danger_kinds"])
