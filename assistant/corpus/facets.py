"""Who an organisation helps and what kind of help it gives, read from its own words.

Simple keyword rules over text, so the same functions tag an organisation (from its passages)
and a situation (from a person's words). Pure functions: no model, no index, no state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from assistant.corpus.parse import Corpus

VICTIM_GROUPS: dict[str, re.Pattern[str]] = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in {
    "Children": r"\bchild(?:ren)?\b|\bminors?\b|\bkids?\b|\bteen",
    "Women": r"\bwom[ae]n\b|\bmothers?\b|\bgirls?\b",
    "Domestic violence": r"domestic violence|violence at home|\bhusband|\bpartner hits",
    "Human trafficking": r"traffick",
    "Sexual abuse and exploitation": r"\bsexual|prostitution|brothel|sexually exploited|\brape",
    "Migrants and people abroad": r"\bmigra|\babroad\b|home country|consular|foreigner",
    "Families of missing people": r"\bmissing\b",
    "Witnesses": r"\bwitness",
    "All victims of crime": r"victims? of (?:violent )?crimes?|victims' interests|victims and witnesses",
}.items()}

SERVICE_TYPES: dict[str, re.Pattern[str]] = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in {
    "Legal help": r"\blegal (?:and (?:medical|social|psychological)|aid|advice|assistance|information|help)\b|\blawyers?\b",
    "Compensation": r"compensat|fund for victims",
    "Safe shelter": r"\bshelter",
    "Psychological support": r"psycholog|psychotherap|counselling|counseling",
    "Crisis help": r"\bcrisis|suicid",
    "Helpline": r"helpline|hotline|consultation line|toll[ -]free",
    "Protection": r"physical protection|means of protection|protection service|protection of victims and",
    "Social support": r"\bsocial (?:work|support|skills|worker|,|and)",
    "Material help": r"material help",
    "Return home": r"\breturn\b|\breturn to",
    "Medical help": r"\bmedical\b",
    "New identity and hidden data": r"\bidentity\b|personal data",
}.items()}


@dataclass(frozen=True)
class Tags:
    """What an organisation is tagged with, in the order of the tag lists."""

    groups: tuple[str, ...]
    services: tuple[str, ...]


def _matching(rules: dict[str, re.Pattern[str]], text: str) -> set[str]:
    return {name for name, pattern in rules.items() if pattern.search(text)}


def victim_groups(text: str) -> set[str]:
    """The victim groups a text speaks of, e.g. {"Children", "Human trafficking"}."""
    return _matching(VICTIM_GROUPS, text)


def service_types(text: str) -> set[str]:
    """The kinds of help a text speaks of, e.g. {"Legal help", "Safe shelter"}."""
    return _matching(SERVICE_TYPES, text)


def tags_of(passages: Iterable[str]) -> Tags:
    """The tags of an organisation: every group and service any of its passages speaks of."""
    groups: set[str] = set()
    services: set[str] = set()
    for text in passages:
        groups |= victim_groups(text)
        services |= service_types(text)
    return Tags(tuple(g for g in VICTIM_GROUPS if g in groups), tuple(s for s in SERVICE_TYPES if s in services))


def organisation_tags(corpus: Corpus) -> dict[str, Tags]:
    """Tags for every organisation of a corpus, by organisation id."""
    texts: dict[str, list[str]] = {o.id: [] for o in corpus.organisations}
    for passage in corpus.passages:
        texts[passage.organisation_id].append(passage.text)
    return {org_id: tags_of(passages) for org_id, passages in texts.items()}


def used_tags(tags: dict[str, Tags]) -> Tags:
    """The groups and services that at least one organisation has: the filters worth offering."""
    return tags_of([]) if not tags else Tags(
        tuple(g for g in VICTIM_GROUPS if any(g in t.groups for t in tags.values())),
        tuple(s for s in SERVICE_TYPES if any(s in t.services for t in tags.values())),
    )


def passes(tags: Tags, groups: Iterable[str] = (), services: Iterable[str] = ()) -> bool:
    """Whether an organisation passes the filters: any chosen group, and any chosen service.

    An empty choice filters nothing.
    """
    groups, services = set(groups or ()), set(services or ())
    return (not groups or bool(groups & set(tags.groups))) and (not services or bool(services & set(tags.services)))
