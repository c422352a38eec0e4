"""The word patterns behind ``safety.detect_danger``, written from the definition of danger now.

Patterns run over normalised text (``safety.danger.normalise``): folded (``assistant.normalise.fold``:
lowercase, no accents), contractions opened ("he's" -> "he is", "dont" -> "do not"), common typos of the
key words mended (``assistant.normalise.edit_distance``), punctuation as separate tokens. Each signal
says whether it is personal by its own words ("kill myself", "he is hitting me"); the others ("suicidal",
"self harm") count only when the clause speaks of a person (I, my, she...) and is not about the topic in
general.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.normalise import edit_distance, fold

# Key words whose misspellings are mended; none is one letter away from an everyday word.
_VOCABULARY = (
    "suicide suicidal myself himself herself themselves overdose strangling strangle strangled stabbing "
    "kidnapped hostage tonight anymore threatening threatened threatens knife weapon harming "
    "choking murder captive passport attacked attacking"
).split()
_SHORT_VOCABULARY = ("want", "kill", "life", "dead", "door", "live", "die")
_NOT_TYPOS = frozenset("cooking looked murdered".split())


@lru_cache(maxsize=4096)
def mend(word: str) -> str:
    """A key word for a near miss of it ("suicde" -> "suicide", "myslef" -> "myself"), else the word."""
    if word in _VOCABULARY or word in _NOT_TYPOS or not word.isalpha():
        return word
    if len(word) in (3, 4):
        swapped = [k for k in _SHORT_VOCABULARY if len(k) == len(word) and sorted(k) == sorted(word)
                   and edit_distance(word, k) == 1]
        return swapped[0] if swapped else word
    if len(word) < 5:
        return word
    for key in _VOCABULARY:
        allowed = 2 if len(key) >= 9 and len(word) >= 8 else 1
        # A cheap bound first: a near miss keeps the first letter or the two after it.
        close = word[0] == key[0] or word[1:3] == key[1:3]
        if close and abs(len(key) - len(word)) <= allowed and edit_distance(word, key) <= allowed:
            return key
    return word


_ING_WORDS = frozenset(
    "being thinking going trying coming killing cutting hitting beating hurting living feeling ending planning doing "
    "having getting saying telling watching waiting nothing something leaving taking choking burning".split()
)


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


SHORT_FORMS = [(_c(p), r) for p, r in [
    (r"\bcan'?t\b", "can not"), (r"\bwon'?t\b", "will not"), (r"\bain'?t\b", "is not"),
    (r"\b(do|does|did|is|are|was|were|have|has|had|would|could|should|must)n'?t\b", r"\1 not"),
    (r"\bi'?m\b", "i am"), (r"\b(he|she|it|that|there|who|someone|somebody|what)'s\b", r"\1 is"),
    (r"\b(he|she|it|that|what)s\b(?! \w+'s)", r"\1 is"),
    (r"\b(\w+)'s (?=(?:\w+ing|going|coming|outside|at|here|got|back|on his|on her)\b)", r"\1 is "),
    (r"\b(\w+)'ll\b", r"\1 will"), (r"\b(\w+)'re\b", r"\1 are"), (r"\b(\w+)'ve\b", r"\1 have"),
    (r"\b(i|you|he|she|we|they)'d\b", r"\1 would"), (r"\bive\b", "i have"), (r"\btheyre\b", "they are"),
    (r"\bu\b", "you"), (r"\bur\b", "your"), (r"\bwanna\b", "want to"), (r"\bgonna\b", "going to"),
    (r"\bgotta\b", "got to"), (r"\bkms\b", "kill myself"), (r"\bunalive\b", "kill"), (r"\brn\b", "right now"),
    (r"\b(tonite|2nite|tonigt|2night)\b", "tonight"), (r"\b(pls|plz|plss)\b", "please"),
    (r"\b(my|him|her|them|your) ?(self|selves)\b", lambda m: {"them": "themselves"}.get(m[1], m[1]) + (
        "" if m[1] == "them" else "self")),
    (r"\b(\w{2,})in\b", lambda m: m[0] + "g" if m[0] + "g" in _ING_WORDS else m[0]), (r"\bbout\b", "about"),
    (r"\b(he|she)ll (?=(?:kill|burn|murder|shoot|stab|come|find|get|hurt|be|do|take|beat|hit|finish|end)\b)", r"\1 will "),
    (r"\bselfharm(ing)?\b", r"self harm\1"), (r"\bkil\b", "kill"), (r"\b(i|he|she|we|to|an) od(?:ed|'d)?\b", r"\1 overdose"),
]]

CLAUSE_BREAK = _c(r"[.!?;\n]+|(?=\b(?:but|however|although|though|nowadays|these days|since then)\b)"
                  r"|(?=\bnow (?:i|he|she|we|they|my|it|his|her)\b)")

NEGATORS = frozenset("not never no nobody without nor neither".split())

_PERSON_NOUN = (r"(?:husband|wife|partner|boyfriend|girlfriend|ex|fiance|father|dad|stepdad|stepfather|mother|mum|"
                r"mom|stepmother|brother|sister|son|daughter|uncle|aunt|cousin|neighbou?r|pimp|boss|employer|"
                r"landlord|grandfather|family|man|men|guy|guys|woman|gang|trafficker|traffickers|owner|people)")
PERSON = (rf"(?:he|she|they|someone|somebody|(?:my|the|his|her|our|a|an|their) (?:\w+ )?{_PERSON_NOUN}|"
          rf"{_PERSON_NOUN})")
_VICTIM = r"(?:me|us|her|him|them|(?:my|our|the) (?:\w+ )?\w+|mum|mom|dad)"
_ATTACKING = (r"(?:hitting|beating|punching|kicking|choking|strangling|stabbing|attacking|hurting|raping|"
              r"killing|slapping|dragging|shooting|burning|smothering|suffocating|throttling|assaulting|battering|following|"
              r"chasing|hunting)")
_ATTACK_ANY = (r"(?:hit|hits|beat|beats|punch\w*|kick\w*|chok\w*|strangl\w*|stab\w*|attack\w*|hurt\w*|rap\w*|slap\w*|"
               r"push\w*|follow\w*|chas\w*)")
_WEAPON = r"(?:knife|gun|pistol|weapon|axe|hammer|rifle|shotgun|machete|blade|knives|guns)"
_DOOR = r"(?:(?:front|back|bathroom|bedroom|room|flat|apartment|car) )?(?:door|doors|window|windows)"
_KILL = (r"(?:kill|murder|shoot|stab|strangle|burn|end|finish|get rid of|do in|bury|slit|hurt|harm|beat|attack|drown|"
         r"poison|crash|drive)")

SIGNALS: list[tuple[str, re.Pattern[str], bool]] = [(k, _c(p), personal) for k, p, personal in [
    ("attack_now", rf"\b{PERSON} (?:is|are) (?:still |now |trying to |going to )?{_ATTACKING} {_VICTIM}\b", True),
    ("attack_now", rf"\b{_ATTACK_ANY}\b[^.!?]{{0,40}}\b(?:right now|at the moment|as (?:we speak|i (?:write|type)))\b", True),
    ("attack_now", rf"\b(?:breaking|kicking|banging|pounding|smashing|hammering|bashing|forcing|trying to (?:open|break"
               rf"|kick|get through|force))(?: on| down| in| at| open)? (?:the|my|our|a|her|his) {_DOOR}", True),
    ("attack_now", r"\b(?:am |are |is |i am |we are )?being (?:attacked|beaten|hit|hurt|raped|strangled|choked|stabbed|"
               r"kidnapped|chased|dragged|assaulted|held|threatened)\b", True),
    ("attack_now", r"\b(?:just|has just|have just) (?:hit|punched|kicked|attacked|stabbed|beat|choked|strangled|raped|hurt|slapped|"
               r"pushed|shot|cut|burned|threw) (?:me|us|her|him|them|my (?:mum|mom|son|daughter|sister|brother|child|baby|kids|"
               r"wife|husband|friend|dad|mother|father|partner|girlfriend|boyfriend))\b", True),
    ("attack_now", rf"\b{_ATTACK_ANY} (?:me|us|her|him)\b[^.!?]{{0,40}}\b(?:is|are) (?:still here|still in|coming back|coming up|"
               r"coming after|still outside|waiting outside)", True),
    ("attack_now", rf"\b{PERSON} (?:is|are) coming (?:back )?(?:for me|for us|after me|after us|to get me|to get us)\b", True),
    ("attack_now", r"\b(?:grabbed|pulled|dragged|forced|pushed|threw) (?:me|her|him|us) (?:into|in) (?:his|a|the|their|her) "
               r"(?:car|van|truck|house|room|boot|trunk)\b", True),
    ("attack_now", r"\b(?:i am|we are|she is|he is) bleeding\b|\b(?:stabbed|shot) (?:me|us|her|him|my \w+)\b", True),
    ("attack_now", r"\b(?:breaking|break|trying to (?:get|break|come)|will get|going to get|getting) (?:in|inside)\b", True),
    ("attack_now", rf"\b{PERSON} (?:is|are) (?:at|outside|in front of|banging on) (?:the|my|our) "
               r"(?:door|house|flat|apartment|window|home|room|building)\b", True),
    ("attack_now", r"\b(?:i am|we are|i have been|im|we have been) hiding\b", True),
    ("attack_now", rf"\b(?:(?:{PERSON}|a stranger|strangers) (?:is|are)|there (?:is|are) (?:someone|somebody|a man|men|a stranger|"
               r"strangers|a guy)) (?:in|inside|upstairs in|downstairs in) (?:my|our|the) (?:flat|house|apartment|home|"
               r"room|bedroom|building|car)\b", True),
    ("attack_now", rf"\b{PERSON} (?:is|are) (?:on top of|holding down|pinning|sitting on|holding) (?:me|us|her|him)\b|"
               r"\b(?:i|she|he) (?:can not|cannot) breathe\b", True),
    ("attack_now", rf"\b(?:{PERSON} (?:has|have|got|is holding|is waving|is pointing|pulled|pulls|took out|grabbed|grabs|"
               rf"is carrying|came with|is coming with)|(?:holding|with|waving|pointing)) (?:a|his|her|the|their) {_WEAPON}", True),
    ("attack_now", rf"\b{_WEAPON} (?:to|at|against|on) (?:my|me|her|his|our) ?(?:throat|head|neck|chest|face)?\b", True),
    ("attack_now", r"\b(?:send|call) (?:the )?(?:police|help|ambulance|an ambulance|someone) (?:now|right now|please|quick|quickly|fast)\b", True),
    ("threat_to_kill", rf"\b{PERSON} (?:will|is going to|is coming to|wants to|swore to|promised to|(?:keeps |has |is )?"
               rf"threat\w* to|(?:said|says|told me|tells me|screamed|shouted|yelled) (?:that )?(?:he|she|they) "
               rf"(?:will|would|is going to|was going to|are going to)) (?:\w+ )?{_KILL} (?:\w+ ){{0,3}}(?:me|us|her|him|them|"
               rf"my \w+|our \w+)\b(?! (?:at|in a|in the|to it|up the))", True),
    ("threat_to_kill", r"\b(?:drive|crash|drown|steer) (?:\w+ ){0,3}(?:into|off|in) (?:the|a) (?:river|lake|sea|wall|tree|traffic|"
               r"bridge|water|cliff|truck)\b", True),
    ("threat_to_kill", r"\b(?:i am|i will be|we are|we will be|i would be) (?:dead|killed|murdered) (?:tonight|today|tomorrow|"
               r"by morning|soon|when|if|once)\b", True),
    ("threat_to_kill", rf"\b(?:on (?:his|her|their) way|coming|driving|heading)(?: \w+){{0,2}} to {_KILL} (?:me|us)\b", True),
    ("threat_to_kill", rf"\b{PERSON} (?:\w+ ){{0,2}}(?:put|puts|showed|shows|pointed|points|placed|laid|loaded|loads|is loading|"
               rf"is cleaning|is sharpening|sharpens|bought|got|has|is holding|took out|pulled|grabbed|waved|keeps) "
               rf"(?:out )?(?:a|his|her|the|their) (?:\w+ )?{_WEAPON}", True),
    ("threat_to_kill", r"\bdeath threats?\b", False),
    ("captive", rf"\b(?:{PERSON} )?(?:locked|locks|has locked|is locking|lock|locking|shut|shuts) "
                rf"{_VICTIM} (?:in|inside|up|away)\b", True),
    ("captive", rf"\b(?:keeps|keep|kept|is keeping|are keeping|hold|holds|holding) {_VICTIM} (?:locked )?(?:in|inside) (?:a|the|this|"
                r"his|her|their|our) (?:\w+ )?(?:room|house|flat|basement|apartment|cellar|garage|hostel|shed|van|container)\b", True),
    ("captive", r"\b(?:i am|we are|i have been|we have been|she is|he is|they are|(?:my|our) \w+ is) (?:locked|trapped|"
                r"held|kept|chained|tied|imprisoned) (?:in|inside|up|captive|hostage|prisoner|against)\b", True),
    ("captive", rf"\b(?:will not|do not|does not|did not|never|not) let(?:s|ting)? {_VICTIM} (?:leave|go|out|escape|get out)\b", True),
    ("captive", r"(?:^|\b(?:i|we) )(?:can not|cannot|am not allowed to|are not allowed to|am unable to|have no way to) "
                r"(?:leave|escape|get out|go out|run away)(?: of)?(?: (?:the|this|my|our|here|from here)\b|$| ?[,.!?])", True),
    ("captive", r"\b(?:captive|hostage|kidnapped|abducted|imprisoned|held prisoner|held against)\b", False),
    ("suicide", r"\bkill(?:ing)? myself\b", True),
    ("suicide", r"\b(?:end|ending|take|taking|ended) my (?:own )?life\b", True),
    ("suicide", r"\bend (?:it all|everything|it tonight|it now|it today|my suffering)\b", True),
    ("suicide", r"\b(?:going to|want to|will|should|might|ready to|plan to) end it\b", True),
    ("suicide", r"\b(?:want|wants|wanted|wanting|wish|wishing|going|ready|planning|plan|rather|prefer to|deserve to) (?:to )?die\b", True),
    ("suicide", r"\b(?:rather|prefer to) (?:be dead|not exist|not be alive|not be here)\b", True),
    ("suicide", r"\bwish (?:i|i had|i was|i were)(?: was| were| had)? (?:dead|never been born|not alive|gone|not here)\b", True),
    ("suicide", r"\bbetter off (?:dead|without me|if i (?:\w+ )?(?:was|were|did|am)(?: not)? (?:dead|gone|around|here|alive|"
                r"there|exist|born))\b", True),
    ("suicide", r"\bthinking (?:about|of) (?:the |my |those |all the )?(?:pills|rope|jumping|dying|death|not waking up)\b|"
                r"\bhow easy it would be(?= ?[.,!?]|$| to (?:die|end|jump|let go|disappear|fall|just))", True),
    ("suicide", r"\b(?:do not|does not|no longer) want to (?:live|be alive|exist|be here|wake up|go on|continue|be around)"
                r"\b(?! (?:with|in|like|there|near|together|under|at|alone|close))", True),
    ("suicide", r"\bnot sure (?:if |whether |that )?i (?:want|can) (?:to )?(?:live|go on|be here|be alive|keep going)\b", True),
    ("suicide", r"\b(?:no|not any|nothing|no more) (?:reason|point|purpose|will) (?:to|in|for) (?:live|living|go on|going on|life|"
                r"be alive|carry on|carrying on|keep going|continue|exist|wake up|get up)\b", True),
    ("suicide", r"\bnothing (?:left )?to live for\b|\b(?:life|living) (?:is|feels) (?:not|no longer) worth\b|"
                r"\bnot worth living\b|\btired of (?:living|life|being alive)\b|\bcan not (?:go on|keep going|carry on)\b", True),
    ("suicide", r"\b(?:sleep|go to sleep|fall asleep) and (?:never|not) wake up\b|\bnever wake up\b|"
                r"\b(?:disappear|vanish|sleep) (?:forever|for good|for ever)\b", True),
    ("suicide", r"\b(?:saved|saving|stockpil\w*|collected|collecting|hoard\w*) (?:up )?(?:all )?(?:my |the |some )?(?:pills|tablets|"
                r"medication|meds|sleeping pills)\b|\b(?:pills|tablets|medication|meds) (?:saved|stockpiled|collected)\b", True),
    ("suicide", r"\bnot (?:be |being )?(?:here|around|alive) (?:anymore|any more|tomorrow)\b", True),
    ("suicide", r"\b(?:suicide|suicidal)\b", False),
    ("suicide", r"\boverdose\b", False),
    ("suicide", r"\b(?:took|taken|take|taking|swallowed|swallow|going to take) (?:all|(?:a|the) (?:whole )?(?:lot|bunch|handful|"
                r"bottle|box|pack|packet|strip|jar) of|the whole|lots of|loads of|many|too many|\d+)(?: (?:my|the|of|of my|her|his))? (?:pills|tablets|medication|"
                r"meds|paracetamol|sleeping pills)\b", False),
    ("suicide", r"\b(?:jump|jumping|throw myself|throwing myself) (?:off|from|in front of|under) (?:a|the) (?:bridge|"
                r"building|roof|balcony|window|train|car|cliff|bus)\b", False),
    ("suicide", r"\bhang (?:myself|himself|herself|themselves)\b|\b(?:goodbye|suicide|farewell) (?:letter|note|message|video)s?\b",
     False),
    ("suicide", r"\b(?:what is|there is no|no|not any) (?:the )?point (?:of|in) (?:living|life|going on|being alive|anything|trying|"
                r"it all|carrying on)\b", True),
    ("suicide", r"\b(?:end|ending) (?:it|things|everything)(?: all)?(?= (?:tonight|now|today|soon|forever|for good|"
                r"tomorrow|once and for all)\b| ?[,.!?]|$)", True),
    ("suicide", r"\b(?:standing|sitting|i am|we am) (?:on|at) (?:the |a )?(?:edge of (?:the |a )?)?(?:bridge|roof|rooftop|"
                r"ledge|cliff|railway|tracks|train tracks|balcony)\b[^.!?]{0,30}\b(?:right now|now|at the moment|tonight)\b",
     True),
    ("suicide", r"\b(?:rope|noose|pills|razor|blade)s? (?:is|are) (?:ready|prepared|waiting)\b|\bnoose\b", True),
    ("suicide", r"\b(?:i have|i am holding|i got|i am|holding) (?:a|the|my) (?:blade|razor|rope|pills|noose) "
                r"(?:in my hand|ready|with me|right here|here)\b", True),
    ("suicide", r"\b(?:going to|want to|will|about to|ready to|plan to|planning to) jump\b(?! (?:on|in|at|over|into the pool|"
                r"rope|up|for|out of bed|the queue))", True),
    ("suicide", r"\b(?:no|not see a|not see any|not find a|not find any|there is no) (?:way|reason|point|purpose) (?:to|in|of|for) "
                r"(?:continu\w*|go\w* on|keep\w* (?:going|living)|liv\w*|carry\w* on|be alive|exist\w*)\b", True),
    ("suicide", r"\b(?:i have|i got|i bought|i collected|i saved|i am holding) (?:the|all the|enough|a lot of|lots of) "
                r"(?:pills|tablets|rope|razors|blades|sleeping pills)\b|\bdisappear and never come back\b", True),
    ("suicide", r"\bleave this (?:world|life|earth)\b|\b(?:my )?last (?:night|day|hours?) (?:alive|on earth|of my life)\b|"
                r"\bdecided to (?:die|end it|end my life|go)\b(?= ?[,.!?]|$| tonight| today| now)", True),
    ("suicide", r"\b(?:life|my life|living|everything) (?:is|feels) (?:pointless|meaningless|hopeless)\b", False),
    ("suicide", r"\b(?:standing|sitting|i am|we am) on (?:the |a )?(?:window )?(?:ledge|edge of the roof|roof edge|railing|"
                r"parapet)\b", True),
    ("suicide", r"\b(?:nobody|no one|noone) (?:would|will|is going to) (?:miss|notice|care)(?: about)? (?:me|if i)\b", True),
    ("suicide", rf"\b{PERSON} (?:wants|want|is going|says (?:he|she|they) (?:wants|will|is going)|threatens|threatened|"
                r"tried|is trying|talks about wanting) to (?:kill|hang|end) (?:himself|herself|themselves|his life|her life)\b", True),
    ("self_harm", r"\b(?:cut|cutting|cuts|burn|burning|burns|harm|harming|hurt|hurting|scratch|scratching|hit|"
                  r"hitting|punish|punishing|starve|starving|injure|injuring)(?: of)? (?:myself|himself|herself|themselves)\b", True),
    ("self_harm", r"\b(?:cut|cutting|cuts|burn|burned|burnt|burning|burns|scratch\w*|carv\w*|slash\w*) (?:my|her|his|"
                  r"their) (?:arms?|wrists?|legs?|thighs?|skin|stomach|body|face|hands?)\b", True),
    ("self_harm", r"\b(?:hitting|banging|bang|hit|bash\w*) (?:my|her|his) head (?:against|on|into) (?:the |a )?(?:wall|floor|"
                  r"door|table)\b(?=[^.!?]{0,30}\b(?:until|again|keep|can not stop|every|bleed))|\buntil (?:it|i|she|he) bleeds?\b", True),
    ("self_harm", r"\b(?:i am|i have been|i keep|i started|she is|he is|she keeps|he keeps|she has been|he has been) "
                  r"cutting(?= again| and| but| ?[,.!?]|$)", True),
    ("self_harm", r"\bself (?:harm|harming|injury|injure|harmed|cutting|injuring)\b", False),
    ("self_harm", r"\b(?:urge|urges|want|wanting|need|needing) to (?:cut|hurt|harm|burn)\b(?! (?:him|her|them|you|someone))", True),
]]


# The strongest phrases in the languages people here also write in (Lithuanian, Russian, Ukrainian, Polish).
# Only unmistakable ones: the English rules carry the guards these do not have. Folded as the text they are
# matched against is ("убьёт" -> "убьет", "chcę" -> "chce").
_OTHER_LANGUAGES = {
    "suicide": ["noriu mirti", "nusižudyti", "nusižudysiu", "nebenoriu gyventi", "atimti sau gyvybę",
                "хочу умереть", "покончить с собой", "убить себя", "убью себя", "не хочу жить", "повеситься",
                "хочу померти", "вбити себе", "вб'ю себе", "покінчити з собою", "не хочу жити",
                "chcę umrzeć", "zabić się", "zabiję się", "odebrać sobie życie", "nie chcę żyć", "nie chcę już żyć"],
    "threat_to_kill": ["nužudys mane", "užmuš mane", "grasina nužudyti", "убьёт меня", "убьют меня", "грозится убить",
               "угрожает убить", "вб'є мене", "вбʼє мене", "погрожує вбити", "zabije mnie", "mnie zabije", "grozi, że mnie zabije",
               "grozi mi śmiercią"],
    "attack_now": ["laužia duris", "ломает дверь", "выбивает дверь", "ломится в дверь", "вибиває двері", "ламає двері",
               "wyważa drzwi", "dobija się do drzwi"],
}

SIGNALS += [(kind, _c("|".join(r"(?<!\w)" + re.escape(fold(p)).replace(",", " ?,?") + r"(?!\w)" for p in phrases)), True)
            for kind, phrases in _OTHER_LANGUAGES.items()]

FIRST_PERSON = _c(r"\b(?:i|me|my|mine|we|us|our|myself|he|she|him|her|his|client|patient)\b")

TOPIC = _c(r"\b(?:essay|article|research|researching|statistics?|study|studies|survey|thesis|dissertation|project|"
           r"presentation|lecture|course|homework|assignment|report on|documentary|movie|film|book|novel|series|"
           r"podcast|news|song|lyrics|poem|character|prevention|awareness|warning signs|signs of|rates?|figures|"
           r"training|volunteer\w*|campaign|leaflet|brochure|information about|teach\w*|students?|definition|"
           r"law on|laws|is it (?:a crime|illegal)|penalty|how (?:do|does|can) [\w ]{0,30}(?:hotline|helpline|line|"
           r"service)s? work)\b")

PAST = _c(r"\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|several|many|some|couple of) "
          r"(?:years?|months?|weeks?|decades?) ago\b|\blast (?:year|month|summer|winter|spring|autumn|fall|christmas)\b"
          r"|\bin (?:19|20)\d\d\b|\b(?:when|while) (?:i|we) (?:was|were) (?:a |an )?(?:child|kid|teen|teenager|young|"
          r"little|younger|student|at school|\d+)|\bas a (?:child|kid|teen|teenager|student)\b|\bused to\b|"
          r"\bback (?:then|in)\b|\blong (?:time )?ago\b|\bin the past\b|\bchildhood\b|\bpreviously\b|\bhistory of\b")
PRESENT = _c(r"\b(?:right now|again|still (?:here|there|in|inside|outside|locked|held|at|with (?:him|her|them))|tonight|today|at the moment|currently|this (?:morning|evening|night|week)|"
             r"as we speak|any minute|soon|tomorrow)\b")
PAST_VERB = _c(r"\b(?:tried|attempted|was|were|had|did|felt|thought)\b")
RECOVERED = _c(r"\b(?:i am|we am|we are|i feel|she is|he is|they are) (?:now )?(?:doing )?(?:well|better|fine|okay|ok|"
               r"safe|good|great)\b(?! (?:at|with|to|for))|\b(?:recovered|survived it|it is over|that is over)\b")

IDIOMS = _c(r"\b(?:dying|die) (?:to|for) (?:know|see|meet|try|hear|go|get|have|eat|tell|find)\b|\bto die for\b"
            r"|\bkill(?:ing)? (?:some )?time\b|\b(?:could|would) (?:just )?kill for\b|\bkilled it\b"
            r"|\b(?:died|dying|die|dead) (?:of |from |with )?(?:laughing|laughter|embarrassment|boredom|shame|cringe)\b"
            r"|\b(?:bored|scared|worried|frightened|freezing|starving|stressed|tickled) (?:me |myself )?to death\b"
            r"|\bdead (?:tired|serious|end|beat|on|certain|wrong|easy|inside)\b|\bdeadlines?\b"
            r"|\b(?:phone|battery|laptop|computer|car|plant|plants|tv|wifi|internet|engine|charger|tablet|ipad|screen|"
            r"printer|bulb|mouse|keyboard|headphones|fish) (?:just )?(?:died|is dead|is dying|has died|dies|is killing)\b"
            r"|\bkill(?:ing|ed)? (?:me|myself) (?:laughing|with laughter)\b|\bcould (?:just )?kill (?:myself|him|her|them|"
            r"you) (?:for|over)\b|\bover my dead body\b|\bshoot (?:me|us) (?:a|an) (?:message|email|text|line|note)\b"
            r"|\b(?:cut|hurt|burnt|burned) (?:myself|my \w+) (?:while|when|on|shaving|cooking|by accident|accidentally|at work|"
            r"playing|in the kitchen|a (?:slice|piece))\b|\b(?:fell|fall|slipped) and hurt myself\b"
            r"|\bkill (?:the|a) (?:mood|vibe|bug|process|spider|fly|mosquito|plant)\b")
IDIOM_THREAT = _c(r"\b(?:mum|mom|mother|dad|father|parents|mama|papa|boss|teacher|wife|girlfriend|sister|brother|coach|"
                  r"grandma|granny|friends?|manager|professor|teammates?) (?:is going to|will|would|is gonna) "
                  r"(?:literally |actually |totally |so |seriously )?"
                  rf"{_KILL} (?:me|us)\b|\b(?:lol|lmao|haha\w*|jk|rofl|xd)\b")
VIOLENCE = _c(r"\b(?:hits?|beats?|beaten|beating|punch\w*|kick\w*|slap\w*|chok\w*|strangl\w*|knife|gun|weapon|afraid|"
              r"scared|terrified|threat\w*|abus\w*|violen\w*|police|hurts?|bruises?|rape\w*|attack\w*)\b")

_SIGNS = [_c(p) for p in (
    r"\b(?:took|taken|takes|keeps|kept|has|holds|confiscated|hid|hides|stole) (?:away )?(?:all )?(?:my|our|her|his) "
    r"(?:passport|passports|documents|papers|id|identity card)\b",
    r"\b(?:took|taken|takes|broke|smashed|stole|keeps|has) (?:away )?(?:my|our|her|his) (?:phone|mobile)\b",
    r"\bwatch(?:es|ed|ing)? (?:me|us|her|him) (?:all the time|constantly|every|day and night|24)",
    r"\bnever (?:let|leave|leaves) (?:me|us|her|him) alone\b",
    r"\bnot allowed (?:out|to go out|to leave|to talk|to call|to speak|outside)\b",
    r"\block(?:s|ed)? (?:the|all the) doors?\b",
)]


def captive_by_signs(text: str) -> bool:
    """Two or more signs of being held: documents taken, phone taken, watched, not allowed out."""
    return sum(bool(sign.search(text)) for sign in _SIGNS) >= 2
