"""Who an organisation helps and what kind of help it gives, in the one taxonomy's keys (``assistant.taxonomy``).

An organisation's groups are the "who" needs and its services the "what" needs that its passages speak of
in the corpus's own words (``taxonomy.passage_needs``), in the taxonomy's order: the same keys the learned
layer predicts and "We understood" shows. Pure functions: no model, no index, no state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from assistant.corpus.parse import Corpus
from assistant.taxonomy import NEEDS, passage_needs

GROUPS: tuple[str, ...] = tuple(n.key for n in NEEDS if n.kind == "who")  # e.g. "child", "trafficking"
SERVICES: tuple[str, ...] = tuple(n.key for n in NEEDS if n.kind == "what")  # e.g. "legal", "shelter"


@dataclass(frozen=True)
class Tags:
    """What an organisation is tagged with: need keys, in the taxonomy's order."""

    groups: tuple[str, ...]
    services: tuple[str, ...]


def tags_of(passages: Iterable[str]) -> Tags:
    """The tags of an organisation: every "who" and "what" need any of its passages speaks of."""
    found: set[str] = set()
    for text in passages:
        found |= passage_needs(text)
    return Tags(tuple(k for k in GROUPS if k in found), tuple(k for k in SERVICES if k in found))


def organisation_tags(corpus: Corpus) -> dict[str, Tags]:
    """Tags for every organisation of a corpus, by organisation id."""
    texts: dict[str, list[str]] = {o.id: [] for o in corpus.organisations}
    for passage in corpus.passages:
        texts[passage.organisation_id].append(passage.text)
    return {org_id: tags_of(passages) for org_id, passages in texts.items()}


def used_tags(tags: dict[str, Tags]) -> Tags:
    """The groups and services that at least one organisation has: the filters worth offering."""
    return Tags(tuple(g for g in GROUPS if any(g in t.groups for t in tags.values())),
                tuple(s for s in SERVICES if any(s in t.services for t in tags.values())))


def passes(tags: Tags, groups: Iterable[str] = (), services: Iterable[str] = ()) -> bool:
    """Whether an organisation passes the filters: any chosen group, and any chosen service.

    An empty choice filters nothing.
    """
    groups, services = set(groups or ()), set(services or ())
    return (not groups or bool(groups & set(tags.groups))) and (not services or bool(services & set(tags.services)))
