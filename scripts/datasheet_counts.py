"""Counts for the training datasheet: situations per source, language, style, category, need, organisation
graded 2 and danger kind, from the training files themselves (assistant.learning.situations).

    python scripts/datasheet_counts.py > counts.md
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.learning.situations import training_situations  # noqa: E402
from assistant.taxonomy import NEED_KEYS  # noqa: E402


def table(title: str, counts: Counter, order=None) -> str:
    keys = order or sorted(counts, key=lambda k: (-counts[k], str(k)))
    rows = [f"| {title} | situations |", "|---|---|"] + [f"| {k} | {counts[k]} |" for k in keys if counts[k]]
    return "\n".join(rows) + "\n"


def main() -> int:
    situations = training_situations()
    print(f"{len(situations)} labelled situations.\n")
    print(table("source", Counter(s.source for s in situations)))
    print(table("language", Counter(s.language for s in situations)))
    judged = [s for s in situations if s.grades is not None]
    print(table("style (judged situations)", Counter(s.style for s in judged)))
    print(table("category (judged situations)", Counter(s.category for s in judged)))
    with_needs = [s for s in situations if s.needs is not None]
    print(f"{len(with_needs)} situations labelled with needs.\n")
    print(table("need", Counter(n for s in with_needs for n in s.needs), list(NEED_KEYS)))
    print(table("organisation graded 2", Counter(o for s in judged for o, g in s.grades.items() if g == 2)))
    flagged = [s for s in situations if s.urgent is not None]
    print(f"{len(flagged)} situations labelled for danger, {sum(bool(s.urgent) for s in flagged)} urgent.\n")
    print(table("danger kind (urgent) or negative kind", Counter(
        (s.danger_kind or "not urgent") for s in flagged)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
