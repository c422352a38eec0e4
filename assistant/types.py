"""Typed records that travel the one road from a person's words to ranked organisations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PassageKind = Literal["description", "service"]


@dataclass(frozen=True)
class Organisation:
    """One organisation as its source page describes it."""

    id: str
    name: str
    description: str
    services: tuple[str, ...]
    website: str | None
    phones: tuple[str, ...]
    country: str
    country_code: str
    source: str
    last_update: str | None
    emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class Passage:
    """A piece of an organisation's text that can be matched against a situation."""

    id: str
    organisation_id: str
    text: str
    kind: PassageKind
    position: int


@dataclass(frozen=True)
class PassageHit:
    """A passage with how well it matches the situation, and the needs found in the situation it
    speaks of (plain labels), which is why it may have carried the decision."""

    passage: Passage
    score: float
    carries: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrganisationResult:
    """An organisation ranked for a situation, with the passages that carried the decision."""

    organisation: Organisation
    score: float
    evidence: tuple[PassageHit, ...]


@dataclass(frozen=True)
class Answer:
    """Everything the search says about one situation.

    ``message`` is set when there is something the person should read first (for
    example, that their text was empty or was shortened).
    """

    query: str
    results: tuple[OrganisationResult, ...] = ()
    message: str | None = None
    truncated: bool = False
    no_match: bool = False  # nothing in the corpus clearly fits: results are offered, not recommended
    ranked: bool = True  # False: no model here reads the language; every organisation, in source order
    language: str = "en"  # the language the situation seems to be written in
    understood: tuple[str, ...] = field(default=())  # plain labels: "a child", "violence at home"
    urgent: bool = False  # danger to life right now, or thoughts of suicide or self-harm (assistant.safety.danger)
    urgent_reason: str | None = None
    urgent_kind: str | None = None  # the kind of danger (assistant.taxonomy.DANGER_KINDS), for the banner's advice
    urgent_crisis_line: bool = False  # the banner offers the corpus's crisis line (assistant.safety.danger.Danger.crisis)
    needs: tuple[str, ...] = field(default=())  # the taxonomy's keys of what was understood (assistant.taxonomy)
