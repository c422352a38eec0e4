"""Who the victim is and what they need: tags on passages (from the corpus text) and in a situation.

Each need has two vocabularies. ``corpus`` is how service descriptions say it ("children who
suffered sexual abuse", "compensate damage"); ``situation`` is how people say it ("my 12 year old",
"who pays my hospital bills", "he took my passport"). Passages are tagged with the first, a
person's words with the second; ranking favours organisations whose passages carry the needs
found in the situation. Word lists are written from what these situations are, not from any
judged query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from assistant.corpus.countries import MEMBER_STATES


@dataclass(frozen=True)
class Need:
    key: str
    label: str  # plain words for "We understood: ..."
    kind: str  # "victim" (who) or "service" (what)
    corpus: re.Pattern[str]
    situation: re.Pattern[str]


def _words(*terms: str) -> re.Pattern[str]:
    """Whole words (with plural or possessive endings); a trailing * makes a prefix ("traffick*"
    matches trafficked and trafficking); a space matches any gap of at most one other word."""
    parts = []
    for term in terms:
        prefix = term.endswith("*")
        body = re.escape(term.rstrip("*")).replace(r"\ ", r"\W+(?:\w+\W+)?")
        parts.append(body if prefix else body + r"(?:s|es|'s)?\b")
    return re.compile(r"\b(?:" + "|".join(parts) + r")", re.IGNORECASE)


# Words that say someone is gone only when a person is what is gone or looked for: "my son has been
# gone for days", "we cannot find her", not "passport gone" or "looking for a helpline".
_SOMEONE_GONE = ("gone", "never came home", "not come home", "left home", "walked out", "cannot find",
                 "can't find", "cant find", "can not find", "no contact", "lost contact", "not heard", "haven't heard",
                 "havent heard", "heard nothing", "no word from", "nothing from him", "nothing from her", "no news",
                 "not answering", "phone is off", "phone is dead", "phone dead", "not picked up", "hasn't picked up",
                 "didn't come home", "did not come home", "didnt come home", "not come home", "search for", "looking for",
                 "find him", "find her", "find them")


# Money for what a crime cost: asked for in so many words, or an injury or loss with its cost
# ("who pays my hospital bills"), not a hospital or a bill alone ("her night shift at the hospital").
_COMPENSATION_ASKED = ("compensat*", "money back", "damages", "lost income", "lost wages", "reimburs*", "claim*",
                       "fund", "cover the cost*")
_WHAT_IT_COST = ("funeral", "medical", "hospital", "dentist", "treatment", "injur*", "disabilit*", "off work",
                 "surgery", "operation", "medicine*", "rehabilitation", "broke my", "broken", "stabbed", "assault*",
                 "violent crime*", "victims of crime", "crime victim*", "shot", "wounded")
_MONEY = ("pay for", "pays", "paid", "pay", "bill", "bills", "cost*", "afford", "money", "expens*")


NEEDS: tuple[Need, ...] = (
    Need("child", "a child", "victim",
         _words("child*", "minor", "juvenile*"),
         _words("child*", "kid", "kiddo", "son", "daughter", "girl", "boy", "baby", "babies", "toddler", "teen*",
                "little brother", "little sister", "baby brother", "baby sister", "younger brother", "younger sister",
                "minor", "pupil", "niece", "nephew", "grandchild*", "grandson", "granddaughter", "stepdaughter",
                "stepson", "school*", "teacher", "coach", "classmate", "stepdad", "stepfather", "stepmother",
                "juvenile", "little one", "underage", "under age", "year old", "years old", "yo")),
    Need("woman", "a woman", "victim",
         _words("women", "woman", "mother*", "girls"),
         _words("woman", "women", "wife", "girlfriend", "mother", "mum", "mom", "female", "pregnant", "sister",
                "daughter", "girl", "lady", "ladies")),
    Need("migrant", "someone from another country", "victim",
         _words("migra*", "foreign*", "home country", "travel abroad", "smuggl*"),
         _words("migrant", "foreign*", "immigra*", "visa", "residence permit", "asylum*", "refugee", "not from here",
                "papers", "work permit", "deport*", "my country", "home country", "country of origin", "agency",
                "recruit*", "agent", "employer", "boss")),
    Need("missing", "a missing person", "victim",
         _words("missing"),
         _words("missing", "disappear*", "vanish*", "run away", "ran away", "runaway", "whereabouts",
                "wandered off", "not been seen", "hasn't been seen", "hasnt been seen", "last seen",
                "nobody has seen", "no one has seen", "never came back", "never returned", "hasn't returned",
                "not come back", *_SOMEONE_GONE)),
    Need("trafficking", "human trafficking", "victim",
         _words("traffick*", "smuggl*"),
         _words("traffick*", "sold", "selling me", "sells me", "sell me", "bought", "passport", "documents taken", "forced to work",
                "forced labour", "forced labor", "debt", "owe", "locked", "not allowed to leave", "cannot leave",
                "can't leave", "cant leave", "fake job", "job offer", "recruit*", "exploit*")),
    Need("sexual_exploitation", "sexual exploitation", "victim",
         _words("prostitut*", "brothel*", "sexually exploit*", "commercial exploit*"),
         _words("prostitut*", "brothel*", "pimp*", "sex work*", "sleep with men", "sleep with", "clients",
                "escort*", "massage parlour", "sexually exploit*", "sell my body", "sell sex", "webcam", "porn*",
                "for money", "go with men")),
    Need("sexual_abuse", "sexual abuse", "victim",
         _words("sexual abuse", "sexually abused", "sexual and other types of abuse"),
         _words("touch*", "molest*", "rape*", "raping", "grope*", "groping", "sexual*", "private parts",
                "naked", "nude*", "paedophile", "pedophile", "grooming", "groom*",
                "indecent", "nude photos", "naked photos", "intimate photos", "sexual photos")),
    Need("domestic_violence", "violence at home", "victim",
         _words("domestic violence"),
         _words("husband", "hubby", "wife", "partner", "boyfriend", "bf", "girlfriend", "gf", "ex", "spouse", "domestic*",
                "violence at home", "abuse at home", "abused at home", "unsafe at home", "not safe at home",
                "afraid at home", "scared at home", "father of my",
                "in-law", "in-laws", "intimate partner", "married", "marriage", "controls me", "controlling",
                "jealous", "my man", "fiance", "fiancé", "stepdad", "stepfather", "family member")),
    Need("witness", "a witness or a person under threat", "victim",
         _words("witness*", "protection of victims", "physical protection", "identity", "means of protection"),
         _words("witness*", "testif*", "testimony", "statement", "threat*", "kill me", "end me", "stalk*",
                "follows me", "following me", "watching me", "revenge", "retaliat*", "gang", "reported",
                "informant", "bodyguard", "new identity", "change my name", "protect me", "protection",
                "find me", "hunt*", "hide my address", "my address")),
    Need("compensation", "money for what the crime cost", "service",
         _words("compensat*", "damage", "fund for victims"),
         _words(*_COMPENSATION_ASKED, *_WHAT_IT_COST, *_MONEY)),
    Need("legal", "legal help", "service",
         _words("legal aid", "legal advice", "legal information", "lawyer*", "court", "representation",
                "defence", "procedural", "drafting of documents", "legal assistance", "judicial"),
         _words("lawyer*", "attorney", "solicitor", "legal*", "court*", "judge", "trial", "case", "sue", "custody",
                "divorce", "rights", "represent*", "defend*", "documents", "application", "letter", "complaint",
                "prosecut*", "hearing", "advice", "advise", "appeal")),
    Need("shelter", "a safe place to stay", "service",
         _words("shelter*"),
         _words("shelter*", "nowhere", "place to sleep", "place to stay", "place to live", "where to sleep",
                "where to stay", "where to go", "somewhere to sleep", "somewhere to stay", "somewhere to live",
                "stay tonight", "sleep tonight", "slept at", "slept in", "slept on", "sleeping rough", "sleep rough",
                "need a bed", "need bed", "a bed", "homeless",
                "housing", "roof", "safe place", "safe house", "kicked out", "thrown out", "on the street",
                "escaped", "ran away", "left him", "left with", "no home")),
    Need("material", "money, food or things to live on", "service",
         _words("material help"),
         _words("material", "food", "clothes", "no money", "money for", "nothing to eat", "hungry", "rent",
                "basic needs", "essentials", "no funds")),
    Need("suicide", "thoughts of suicide", "service",
         _words("suicid*"),
         _words("suicid*", "kill myself", "killing myself", "end my life", "ending my life", "take my own life",
                "take my life", "end it", "ending it", "end it all", "die", "dying", "live anymore",
                "living anymore", "better off without", "self harm", "self-harm", "cut myself", "cutting myself",
                "jump", "overdose", "pills", "no way out", "tired of living", "better off", "without me",
                "not wake up", "never wake up", "no reason to live", "nothing to live for", "wish i was dead",
                "wish i were dead", "want to disappear", "wanna disappear", "disappear forever")),
    Need("crisis", "crisis help", "service",
         _words("crisis", "helpline", "consultation line", "toll free", "psycholog*"),
         _words("crisis", "hopeless*", "can't cope", "cant cope", "cannot cope", "panic*", "hotline", "helpline",
                "talk to someone", "anonymous*", "depress*", "nightmare*", "trauma*", "anxiety", "breakdown")),
    Need("abroad", "help while abroad", "service",
         _words("consular", "abroad", "return"),
         _words("abroad", "consul*", "embass*", "in another country", "overseas", "holiday", "travelling",
                "traveling", "stuck in", "go home", "get home", "go back home", "come back to lithuania",
                "back to lithuania", "lithuanian citizen", "lithuanian national", "i am lithuanian",
                "im lithuanian", "i'm lithuanian")),
)


_MISSING = [need.key for need in NEEDS].index("missing")

_ELSEWHERE = tuple(sorted({name.lower() for name in MEMBER_STATES.values()} - {"lithuania"} | {
    "the uk", "uk", "england", "scotland", "britain", "norway", "switzerland", "iceland", "turkey", "russia",
    "belarus", "ukraine", "moldova", "georgia", "usa", "america", "canada", "dubai", "israel", "egypt",
    "the netherlands", "holland", "another country", "other country", "a foreign country",
    # Capitals and the larger cities people go to for work
    "london", "manchester", "birmingham", "leeds", "edinburgh", "glasgow", "dublin", "cork", "oslo", "bergen",
    "stavanger", "reykjavik", "berlin", "hamburg", "munich", "frankfurt", "cologne", "paris", "madrid",
    "barcelona", "rome", "milan", "amsterdam", "rotterdam", "the hague", "brussels", "antwerp", "vienna",
    "warsaw", "krakow", "riga", "tallinn", "helsinki", "stockholm", "gothenburg", "copenhagen", "prague",
    "lisbon", "athens", "budapest", "bucharest", "sofia", "zagreb", "ljubljana", "bratislava", "valletta",
    "nicosia", "zurich", "geneva", "istanbul", "moscow", "minsk", "kyiv", "kiev", "new york",
    # Countries many people working in Lithuania come from
    "uzbekistan", "tajikistan", "kyrgyzstan", "kazakhstan", "turkmenistan", "azerbaijan", "armenia", "india",
    "pakistan", "bangladesh", "nepal", "sri lanka", "philippines", "the philippines", "vietnam", "china",
    "nigeria", "syria", "iraq", "afghanistan", "iran"}))
_IN_ELSEWHERE = re.compile(r"\b(?:in|to|at)\s+(?:" + "|".join(map(re.escape, _ELSEWHERE)) + r")\b")
# Someone who was abroad and is home again needs no help abroad: "came back last month", "I'm back in Vilnius".
_BACK_HOME = re.compile(r"\b(?:came back|returned|got back|(?:i'?m|i am|she'?s|he'?s|she is|he is|we'?re|we are|now) back|"
                        r"back home now|home again)\b")
_FROM_ELSEWHERE = re.compile(r"\b(?:i am|i'm|im|we are|we're|he is|she is|they are)\s+(?:from|not from)\s+(?!lithuania)|"
                             r"\bfrom\s+(?:" + "|".join(map(re.escape, _ELSEWHERE)) + r")\b")


# Words that say a crime or a harm happened, or that the person is afraid: a situation without any
# of them and without a need of the "victim" kind is probably not one these organisations serve.
HARM = _words("victim*", "crime*", "criminal*", "violen*", "assault*", "attack*", "abus*", "beat*", "hit",
              "hits", "hitting", "hurt*", "injur*", "rape*", "raping", "threat*", "kill*", "murder*", "stab*",
              "robbed", "robbery", "mugged", "traffick*", "exploit*", "forced", "force", "scared", "afraid", "fear*",
              "danger*", "unsafe", "harass*", "stalk*", "blackmail*", "extort*", "kidnap*", "hostage", "locked",
              "trapped", "escape*", "police", "witness*", "missing", "suicid*", "die", "brui*", "punch*",
              "kick*", "slap*", "chok*", "strangl*", "grab*", "push*", "shove*", "scream*", "yell*", "cruel*")


def signals_harm(text: str, found: tuple[Need, ...]) -> bool:
    """Whether a situation speaks of a crime, a harm or fear (or of a group these services are for).

    Any word of a need of the "victim" kind counts, even where the need itself was set aside ("I ran
    away from him" is no missing person, but it is someone fleeing)."""
    def telling(needs: Iterable[Need]) -> bool:
        return any((need.kind == "victim" and need.key not in ("child", "woman", "migrant"))
                   or need.key in ("suicide", "crisis") for need in needs)

    padded = f" {text.lower()} "
    return bool(HARM.search(text)) or telling(found) or telling(
        need for need in NEEDS if need.situation.search(padded))


# Violence by a member of the family is violence at home whoever the family member is.
_KIN = (r"father|dad|daddy|mother|mum|mom|brother|sister|son|daughter|uncle|aunt|grandfather|grandmother|"
        r"stepdad|stepfather|stepmother|parents?|relatives?|family|in-laws?|cousin")
_FAMILY = rf"(?:{_KIN})"
_VIOLENCE = r"(?:beat|hit|hurt|kick|punch|slap|chok|strangl|abus|push|shov|threat|lock|burn|attack|bit)\w*"
# The family member does it (not "my daughter was abused": then the family member is the one hurt).
_FAMILY_VIOLENCE = re.compile(rf"\b{_FAMILY}\b(?:\W+(?!(?:was|were|been|got|is|being|gets)\b)\w+){{0,5}}?\W+"
                              rf"(?!(?:was|were|been|got|is|being|gets)\b){_VIOLENCE}")
# Someone else's relative is no family of the writer's: "my landlord's son punched me".
_OUTSIDERS_KIN = re.compile(rf"\b(?!my\b|our\b)\w+'s\s+{_FAMILY}\b")
# The violence falls on a child, and not on the writer: "her boyfriend hits her kids with a belt".
_VIOLENCE_ON_A_CHILD = re.compile(rf"\b{_VIOLENCE}\W+(?:my|our|the|his|her|their)\s+"
                                  r"(?:(?:little|baby|younger|small|\d+\s*(?:yo|y/o|year old))\s+)?"
                                  r"(?:kids?|children|child|baby|toddler|son|daughter|brother|sister|nephew|niece|"
                                  r"grandson|granddaughter|stepson|stepdaughter)s?\b")
# Words that say the person concerned is an adult.
_ADULT = re.compile(r"\b(?:husband|wife|boyfriend|girlfriend|partner|spouse|fianc\w*|married|marriage|my ex|"
                    r"woman|women|lady|adult|pension\w*|retired|my employer|my boss|at work|my job)\b")


_GONE_WEAKLY = _words(*_SOMEONE_GONE)
# The one who went is the person writing: "I ran away from him", "I just want to disappear".
_I_AM_GONE = re.compile(r"\b(?:i|i'm|im|me|we|we're|wanna|want to|like)\W+(?:\w+\W+){0,2}$")
# Someone other than the writer, in the same sentence as a weak sign of being gone.
_SOMEONE = re.compile(r"\b(?:he|she|they|him|her|them|his|hers|their|someone|somebody|person|people|"
                      r"relative|friend|" + _KIN + r"|husband|wife|boyfriend|girlfriend|partner|kid|child|"
                      r"children|girl|boy|man|woman)s?\b")


_GONE_FOR_A_TIME = re.compile(r"\s*(?:\d|for\b|since\b|missing\b|without\b|and\b|[.,!?;]|$)")


def _someone_missing(text: str) -> bool:
    """Whether the words say another person is missing (not the writer, and not a thing)."""
    for match in NEEDS[_MISSING].situation.finditer(text):
        if match.group(0) == "gone" and not _GONE_FOR_A_TIME.match(text, match.end()):
            continue  # "she's gone quiet", "gone to work": not gone missing
        if _GONE_WEAKLY.fullmatch(match.group(0)):
            sentence = re.split(r"[.!?;]", text[:match.start()])[-1] + re.split(r"[.!?;]", text[match.end():])[0]
            if _SOMEONE.search(sentence):
                return True
        elif not _I_AM_GONE.search(text[max(0, match.start() - 40):match.start()]):
            return True
    return False


# "He" who hurts the writer, or whom the writer fled, with no word of anyone or anywhere outside the
# home, is most often a partner: "he pushed me down the stairs", "I ran away from him".
_HE_HURTS_ME = re.compile(rf"\bhe\W+(?:\w+\W+){{0,3}}?{_VIOLENCE}\W+(?:\w+\W+)?me\b|"
                          r"\bhe\W+(?:\w+\W+){0,2}?(?:controls|reads my|won'?t let me|doesn'?t let me|"
                          r"locks me|check\w* my)|"
                          r"\b(?:from|left|leave|leaving|escaped)\s+him\b")
_OUTSIDE_HOME = re.compile(r"\b(?:stranger|a man|a guy|some guy|someone|somebody|gang|boss|employer|manager|"
                           r"colleague|coworker|co-worker|neighbou?r|teacher|coach|trainer|priest|doctor|landlord|"
                           r"client|customer|pimp|recruiter|agent|police\w*|officer|guard|friend|classmate|guy|man|men|"
                           r"driver|stepdad|stepfather|uncle|brother|father|dad|cousin)\b|"
                           r"\b(?:on|in) the street|\b(?:at|in) (?:a|the) (?:bar|club|party|park)|\bat (?:school|work)\b")


_HURTS_ME_NOW = re.compile(rf"\b{_VIOLENCE}\W+me\b")


def _partner_hurts_me(text: str) -> bool:
    he_hurts_me = _HE_HURTS_ME.search(text) or any(
        re.search(r"\bhe\b", sentence) and _HURTS_ME_NOW.search(sentence) for sentence in re.split(r"[.!?;]", text))
    return bool(he_hurts_me) and not _OUTSIDE_HOME.search(text) and not _child_age(text)


_ASKED, _COST, _PAY = _words(*_COMPENSATION_ASKED), _words(*_WHAT_IT_COST), _words(*_MONEY)


def _compensation_asked(text: str) -> bool:
    return bool(_ASKED.search(text) or (_COST.search(text) and _PAY.search(text)))


# A former partner who follows, waits for, or threatens the writer: the need is protection from him.
_EX_PURSUES = re.compile(r"\b(?:ex|ex-\w+|former (?:partner|husband|boyfriend|wife))\b.{0,60}?"
                         r"\b(?:stalk\w*|follow\w*|waiting|waits|turns? up|turning up|shows? up|showing up|"
                         r"threat\w*|kill me|end me|find me|found out where)")


def needs_in_situation(text: str) -> tuple[Need, ...]:
    """The needs a person's words point to (on text already corrected for typos)."""
    padded = f" {text.lower()} "
    found = [need for need in NEEDS if need.situation.search(padded)
             and (need.key != "missing" or _someone_missing(padded))
             and (need.key != "compensation" or _compensation_asked(padded))
             and (need.key != "abroad" or not (_BACK_HOME.search(padded) or _FROM_ELSEWHERE.search(padded)))]
    at_home = _FAMILY_VIOLENCE.search(_OUTSIDERS_KIN.sub(" someone ", padded))
    extra = {"domestic_violence"} if at_home or _partner_hurts_me(padded) else set()
    if _FROM_ELSEWHERE.search(padded):
        extra.add("migrant")  # a person from another country, here
    if not _FROM_ELSEWHERE.search(padded) and _IN_ELSEWHERE.search(padded) and not _BACK_HOME.search(padded):
        extra.add("abroad")  # something happening in another country, to someone still there
    found += [n for n in NEEDS if n.key in extra and n not in found]
    if _child_age(padded):
        found = [n for n in found if n.key != "woman"]  # a girl, not a woman
    if _VIOLENCE_ON_A_CHILD.search(padded) and not _HURTS_ME_NOW.search(padded) and not _adult_age(padded):
        found = [n for n in found if n.key != "domestic_violence"] + [n for n in NEEDS if n.key == "child" and n not in found]
    if _EX_PURSUES.search(padded) and not _HURTS_ME_NOW.search(padded):
        # An ex who stalks or threatens: the need is protection from him.
        found = [n for n in found if n.key != "domestic_violence"] + [n for n in NEEDS if n.key == "witness"
                                                                       and n not in found]
    if _WRITER_IS_CHILD.search(padded) and not _adult_age(padded):
        found = [n for n in found if n.key != "domestic_violence"]  # violence at home against a child is child abuse
    if _adult_age(padded):
        found = [n for n in found if n.key != "child" or _child_age(padded)]
    elif _child_age(padded) and not any(n.key == "child" for n in found):
        found.insert(0, next(n for n in NEEDS if n.key == "child"))
    return tuple(found)


# An age, not a time span: "im 14", "aged 52", "my 9 year old", "14 yo"; not "married 12 years", "is 5 months".
_AGE = re.compile(r"\b(?:i'?m|i am|aged?|is|age of)\s*(\d{1,2})\b(?!\s*(?:days?|weeks?|months?|hours?|minutes?|"
                  r"years?\s+(?:ago|since|later|now)|euros?|eur|%|am\b|pm\b|times|kg|km))|"
                  r"\b(\d{1,2})[\s-]*(?:years?[\s-]*old|yrs?[\s-]*old|y/?o)\b")


# The person writing says they are under 18 ("im 12", "I am only 15"), not "I'm 5 months pregnant".
_WRITER_IS_CHILD = re.compile(r"\b(?:i'?m|i am)\s*(?:only\s*)?(?:[1-9]|1[0-7])\b(?!\s*(?:years? (?:ago|since)|months?|weeks?|days?|hours?|minutes?|euros?|%))")


def _ages(text: str) -> list[int]:
    return [int(a or b) for a, b in _AGE.findall(text)]


def is_adult(text: str) -> bool:
    """Whether the words say the person concerned is an adult (an age of 18 or more, a partner, work,
    or a parent who is the one hurt: "he pushed me while the kids watched")."""
    padded = f" {text.lower()} "
    parent_hurt = bool(_PARENT.search(padded) and _HURTS_ME.search(padded))
    return not _child_age(padded) and (_adult_age(padded) or bool(_ADULT.search(padded)) or parent_hurt)


_PARENT = re.compile(r"\b(?:my|our|the)\s+(?:kids?|children|child|sons?|daughters?|baby|babies|little ones?|toddlers?)\b")
_HURTS_ME = re.compile(rf"{_VIOLENCE}\W+(?:\w+\W+)?(?:me|myself)\b|\bi\W+(?:was|got|am|have been)\W+{_VIOLENCE}")


def _child_age(text: str) -> bool:
    return any(age < 18 for age in _ages(text))


def _adult_age(text: str) -> bool:
    ages = _ages(text)
    return bool(ages) and all(age >= 18 for age in ages)


def passage_needs(text: str) -> frozenset[str]:
    """Need keys a passage of the corpus speaks of."""
    return frozenset(need.key for need in NEEDS if need.corpus.search(text))


def passage_tags(passages: Iterable[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """For ``(kind, text)`` passages: a boolean matrix passage x need, and each passage's weight (a lead
    description counts twice, since it says whom the organisation is for)."""
    rows, weights = [], []
    for kind, text in passages:
        keys = passage_needs(text)
        rows.append([need.key in keys for need in NEEDS])
        weights.append(2.0 if kind == "description" else 1.0)
    return np.array(rows, dtype=bool).reshape(-1, len(NEEDS)), np.array(weights)


_CHILD = [need.key for need in NEEDS].index("child")


def coverage(tags: np.ndarray, weights: np.ndarray, owners: np.ndarray, n_organisations: int,
             adult: bool = False) -> np.ndarray:
    """How much of each organisation's text is about each need: ``[organisation, need]`` shares.

    For an adult, a passage about children speaks only of children: "children who suffered sexual
    abuse" is no evidence of help for a woman who was raped.
    """
    tags = tags.copy()
    if adult:
        about_children = tags[:, _CHILD].copy()
        tags[about_children] = False
        tags[about_children, _CHILD] = True
    weighted = tags * weights[:, None]
    result = np.zeros((n_organisations, len(NEEDS)))
    for org in range(n_organisations):
        mine = owners == org
        total = weights[mine].sum()
        if total:
            result[org] = weighted[mine].sum(axis=0) / total
    return result
