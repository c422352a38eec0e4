"""Check a person's text before it is searched: clean it (``assistant.normalise.clean``), cut it to size, or
say what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.index.embedders import Embedder
from assistant.normalise import clean

EMPTY_MESSAGE = "Please write a few words about what happened or what you need, then search again."


@dataclass(frozen=True)
class CheckedQuery:
    """Text that is ready to search, with what was done to it."""

    text: str
    truncated: bool = False


class EmptyQuery(ValueError):
    """Nothing to search for."""


def check_query(text: object, embedder: Embedder, max_chars: int) -> CheckedQuery:
    """Clean the text and cut it to what the model reads.

    Raises:
        EmptyQuery: the text is missing, blank, or only symbols.
    """
    if not isinstance(text, str):
        raise EmptyQuery(EMPTY_MESSAGE)
    cleaned = clean(text)
    if not any(ch.isalnum() for ch in cleaned):
        raise EmptyQuery(EMPTY_MESSAGE)
    truncated = len(cleaned) > max_chars
    cleaned = cleaned[:max_chars]
    fitted, cut = embedder.fit(cleaned)
    return CheckedQuery(text=fitted, truncated=truncated or cut)
