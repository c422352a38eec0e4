"""Notice when a person may be in danger right now, and the lines to call if so.

Rules over cleaned, lowercased text. A signal counts when it says that someone's life or safety is
at risk now or within hours (an attack, a threat to kill, being held, thoughts of suicide or
self-harm). Guards drop signals that are negated ("I am not suicidal"), figurative ("this job is
killing me"), about the topic rather than a person ("an essay on suicide"), or over and done
("he attacked me last year"). When in doubt the detector says urgent: a calm banner shown to
someone who is safe costs far less than a missed person in danger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.corpus.parse import Corpus, find_phones
from assistant.normalise import fold
from assistant.safety import rules

EMERGENCY_NUMBER = "112"  # the EU emergency number, free from any phone; the one number not from the corpus
MAX_CHARS = 20_000  # longer text is read only this far; the searcher itself reads far less


@dataclass(frozen=True)
class Danger:
    """Whether a situation signals danger right now, and why, in plain words."""

    urgent: bool
    reason: str | None = None
    kinds: tuple[str, ...] = ()  # every kind of danger found, most pressing first (KIND_PRIORITY)
    # Whether the banner offers the corpus's crisis line: suicide or self-harm is among the kinds, or the learned
    # detector finds it likely (CRISIS_SHARE) while naming another kind first.
    crisis: bool = False

    @property
    def kind(self) -> str | None:
        """The kind the banner speaks to (one of the taxonomy's DANGER_KINDS)."""
        for kind in KIND_PRIORITY:
            if kind in self.kinds:
                return kind
        return None


@dataclass(frozen=True)
class CrisisLine:
    """The corpus's own crisis and consultation line."""

    organisation_id: str
    organisation: str
    phone: str
    website: str | None
    passage: str
    country_code: str | None = None  # the organisation's country, in which its phone number is dialled


def normalise(text: str) -> str:
    """The words the rules read: folded (``assistant.normalise.fold``: lowercase, no accents, no stretched
    letters), punctuation as separate tokens, typos of the key words mended, contractions opened."""
    text = re.sub(r"[^\w'.!?;,\n]+", " ", fold(text[:MAX_CHARS]))
    words = [rules.mend(word) for word in re.findall(r"[\w']+|[.!?;,\n]", text)]
    text = " ".join(words)
    for pattern, replacement in rules.SHORT_FORMS:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def clauses(text: str) -> list[str]:
    """Split normalised text where time or stance can change ("..., but now ...")."""
    return [c.strip() for c in rules.CLAUSE_BREAK.split(text) if c and c.strip()]


def _negated(clause: str, start: int) -> bool:
    before = clause[:start].split()[-3:]
    return any(word in rules.NEGATORS for word in before)


def _signal(clause: str, whole: str) -> str | None:
    """The kind of danger a clause signals, after the guards, or None."""
    past = rules.PAST.search(clause) or (rules.RECOVERED.search(whole) and rules.PAST_VERB.search(clause))
    if past and not rules.PRESENT.search(clause):
        return None
    topical = bool(rules.TOPIC.search(clause))
    for kind, pattern, personal in rules.SIGNALS:
        for match in pattern.finditer(clause):
            if _negated(clause, match.start()):
                continue
            if topical and not personal:
                continue
            if not personal and not rules.FIRST_PERSON.search(clause):
                continue
            if kind == "threat_to_kill" and rules.IDIOM_THREAT.search(clause) and not rules.VIOLENCE.search(whole):
                continue
            return kind
    return None


def detect_danger(text: object) -> Danger:
    """Whether a situation signals danger to life right now or thoughts of suicide or self-harm.

    Args:
        text: the situation in the person's own words; anything that is not text is not urgent.

    Returns:
        A Danger; its reason is a calm sentence that can be shown to the person.
    """
    if not isinstance(text, str) or not text.strip():
        return Danger(False)
    whole = normalise(text)
    whole = rules.IDIOMS.sub(" ", whole)
    kinds = [kind for clause in clauses(whole) if (kind := _signal(clause, whole))]
    if not kinds and rules.captive_by_signs(whole):
        kinds = ["captive"]
    return _found(kinds)


def _found(kinds: Iterable[str], crisis_likely: bool = False) -> Danger:
    """The Danger of the kinds found (none: not urgent), most pressing first; the crisis line is offered for
    suicide or self-harm among them, or when ``crisis_likely``."""
    ordered = tuple(sorted(set(kinds), key=KIND_PRIORITY.index))
    if not ordered:
        return Danger(False)
    return Danger(True, KIND_REASONS[ordered[0]], ordered, crisis_likely or bool(set(ordered) & set(CRISIS_KINDS)))


# The one list of the kinds of danger (the taxonomy's, which the rules and the learned head both name), in
# the order the banner speaks to them (a child in danger first: the banner then speaks in words a child
# understands), with the one sentence each.
KIND_PRIORITY = ("child_danger", "attack_now", "threat_to_kill", "captive", "suicide", "self_harm")
KIND_REASONS = {
    "attack_now": "What you wrote sounds like someone may be hurting you, or trying to get to you, right now.",
    "threat_to_kill": "What you wrote sounds like someone has threatened to kill.",
    "captive": "What you wrote sounds like you, or someone else, may be held and not free to leave.",
    "child_danger": "What you wrote sounds like a child may not be safe right now.",
    "suicide": "What you wrote sounds like you, or someone close to you, may be thinking of suicide.",
    "self_harm": "What you wrote sounds like you, or someone close to you, may be hurting themselves.",
}


# The kinds whose banner always offers the corpus's crisis line.
CRISIS_KINDS = ("suicide", "self_harm")
# The learned kind head's P(suicide) + P(self_harm) from which an urgent situation is offered the crisis line too,
# whatever kind comes first: the head's single most likely kind misses suicidal people it is unsure about (a Polish
# "I want to kill myself tonight", "chcę się dziś w nocy zabić": threat to kill 0.51, suicide 0.33 + self-harm 0.06
# with the heads shipped now, a coin flip before). Grouped 5-fold cross-validation (benchmarks/crisis_share.py) on the
# training situations (out-of-fold kind probabilities, 2,578 urgent lines with a kind, five languages): the top kind
# is suicide or self-harm for 0.900 of the suicide/self-harm lines (and 4.6% of the other urgent lines); a share of
# 0.2 reaches 0.977 (missed: en 8, lt 3, ru 3, pl 4, uk 4) and offers the line to 21% of the others; 0.15: 0.988
# and 29%; 0.25: 0.971 and 16%. A crisis line under 112 costs someone attacked little (it belongs to the
# domestic-violence centre anyway); missing it costs a suicidal person much.
CRISIS_SHARE = 0.2


def assess_danger(text: str, probability: float, threshold: float, learned_kind: str | None,
                  crisis_share: float) -> Danger:
    """The rules (a high-precision layer) and the learned detector together: urgent when either says so.

    Args:
        text: the situation.
        probability: the learned detector's P(danger now) for it; ``threshold`` its cut-off.
        learned_kind: the learned detector's most likely kind of danger.
        crisis_share: the learned detector's P(suicide) + P(self_harm). From ``CRISIS_SHARE`` on, when the
            learned detector says urgent, the crisis line is offered; suicide is not named among the kinds on
            this weaker evidence ("We understood: thoughts of suicide" follows the kinds alone).
    """
    kinds = list(detect_danger(text).kinds)
    learned = probability >= threshold
    if learned and learned_kind:
        kinds.append(learned_kind)
    return _found(kinds, learned and crisis_share >= CRISIS_SHARE)


def crisis_line(corpus: Corpus) -> CrisisLine | None:
    """The consultation line of the organisation whose passages speak of suicide, read from the corpus."""
    passages_by_org: dict[str, list[str]] = {}
    for passage in corpus.passages:
        passages_by_org.setdefault(passage.organisation_id, []).append(passage.text)
    for organisation in corpus.organisations:
        texts = passages_by_org.get(organisation.id, [])
        if not any(re.search(r"suicid", t, re.IGNORECASE) for t in texts):
            continue
        for passage in texts:
            phones = find_phones(passage)
            if phones and re.search(r"\b(line|helpline|hotline|consultation)\b", passage, re.IGNORECASE):
                return CrisisLine(organisation.id, organisation.name, phones[0], organisation.website, passage,
                                  organisation.country_code)
    return None


def danger_metrics(path: Path | str) -> dict:
    """Recall and precision of the detector on a labelled JSONL set of ``{"text", "urgent"}`` lines.

    Returns:
        ``recall``, ``precision``, the counts ``tp``, ``fp``, ``fn``, ``tn``, and ``misses``: the ids,
        texts and labels of every wrong call (missed urgent ones first).
    """
    tp = fp = fn = tn = 0
    missed, false_alarms = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        said = detect_danger(item["text"]).urgent
        wrong = {"id": item.get("_id"), "text": item["text"], "urgent": bool(item["urgent"]), "kind": item.get("kind")}
        if item["urgent"]:
            tp, fn = tp + said, fn + (not said)
            if not said:
                missed.append(wrong)
        else:
            fp, tn = fp + said, tn + (not said)
            if said:
                false_alarms.append(wrong)
    return {
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "misses": missed + false_alarms,
    }
