"""What authors say about themselves: former employees, employees, complaining customers.

A self-declared insider ("as a former employee", "Ex-Mitarbeiter", "ich habe
jahrelang bei ... gearbeitet") or a customer with a concrete complaint ("I
ordered ... and it never arrived", "seit 3 Wochen warte ich auf ...") carries
more weight in a flare-up than an anonymous insult. :func:`detect_author_claim`
returns the first claim found, former employees before employees before
customers, with the phrase that matched as the cue.

>>> detect_author_claim("As a former employee of @Acme I can tell you this is normal", "en")
AuthorClaim(kind='former_employee', cue='As a former employee')
>>> detect_author_claim("Ich habe jahrelang bei der Bahn gearbeitet, das war immer so.", "de")
AuthorClaim(kind='former_employee', cue='Ich habe jahrelang bei der Bahn gearbeitet')
>>> detect_author_claim("Seit drei Wochen warte ich auf meine Erstattung!", "de")
AuthorClaim(kind='customer_complaint', cue='Seit drei Wochen warte ich auf meine Erstattung')
>>> detect_author_claim("What a lovely day", "en") is None
True
"""

from __future__ import annotations

import re
from typing import Final

from detectors.sentiment.stance import cue_may_match
from schemas.records import AuthorClaim, ClaimKind

_FLAGS: Final = re.IGNORECASE | re.UNICODE
_WORDS: Final = r"(?:[\w'’.&@-]+\s+){0,5}?"
"""Up to five words (a company name) between the parts of a claim."""
_TIME: Final = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|many|several|a few|"
    r"ein(?:e|en|em)?|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|mehrere(?:n)?|viele(?:n)?)"
)

_ENGLISH: Final[tuple[tuple[ClaimKind, str], ...]] = (
    ("former_employee", r"\b(?:as\s+an?\s+|i(?:'m|\s+am)\s+an?\s+)?(?:former|ex[- ]?)\s*(?:employee|staff(?:er)?|worker|team\s+member|engineer|manager|contractor)\b"),
    ("former_employee", r"\bi\s+(?:used\s+to\s+work|worked)\s+(?:at|for)\s+" + _WORDS + r"(?:for\s+" + _TIME + r"\s+(?:years?|months?)|until|back\s+in|before)"),
    ("former_employee", r"\bi\s+used\s+to\s+work\s+(?:at|for)\s+[\w@&'’.-]+"),
    ("former_employee", r"\bi\s+worked\s+(?:there\s+)?(?:for\s+)?" + _TIME + r"\s+(?:years?|months?)\s+(?:as\s+" + _WORDS + r")?(?:at|for|with)\s+[\w@&'’.-]+"),
    # "I was a cashier at Tesco for six years": a role and a span of years, not a customer's.
    ("former_employee", r"\bi\s+was\s+an?\s+(?!(?:[\w-]+\s+)?(?:customer|member|client|subscriber|fan|user|passenger|guest"
                        r"|shopper|student|flyer|flier|patient|visitor|donor|supporter|tenant|reader|viewer|player)s?\b)"
                        r"(?:[\w-]+\s+){1,2}?(?:at|for|with)\s+" + _WORDS + r"for\s+" + _TIME + r"\s+years?\b"),
    ("former_employee", r"\bi\s+spent\s+" + _TIME + r"\s+(?:years?|months?)\s+(?:working\s+)?(?:as\s+" + _WORDS + r")?at\s+[\w@&'’.-]+"),
    ("former_employee", r"\bi\s+(?:quit|left)\s+(?:my\s+job\s+at\s+)?[\w@&'’.-]+\s+(?:after|because)\b"),
    ("former_employee", r"\b(?:as\s+an?\s+|i(?:'m|\s+am|\s+was)\s+an?\s+)(?:former|ex[- ]?)\s*volunteer\b(?!\s+coordinator)"),
    ("former_employee", r"\bi\s+(?:used\s+to\s+volunteer|volunteered)\s+(?:at|for|with)\s+" + _WORDS + r"(?:for\s+" + _TIME + r"\s+(?:years?|months?)|until|before)"),
    ("employee", r"\b(?:as\s+an?\s+|i(?:'m|\s+am)\s+an?\s+)(?:current\s+)?(?:employee|staff(?:er)?|worker|team\s+member)\s+(?:at|of|for)\b"),
    ("employee", r"\bi\s+(?:currently\s+)?work\s+(?:at|for)\s+(?!(?:myself|me|you|yourself|free|fun|a\s+living|money|hours)\b)(?:the\s+)?[\w@&'’.-]+"),
    ("employee", r"\b(?:i(?:'ve|\s+have)\s+been\s+working|i(?:'ve|\s+have)\s+worked)\s+(?:at|for)\s+" + _WORDS + r"for\s+" + _TIME + r"\s+(?:years?|months?)"),
    ("customer_complaint", r"\bi\s+(?:ordered|bought|paid\s+for|purchased)\b[^.!?]{0,80}?\b(?:never|still\s+(?:not|hasn'?t|haven'?t)|not\s+(?:arrived|delivered|working)|broke|broken|refund|cancel+ed|charged)\b"),
    ("customer_complaint", r"\b(?:been\s+)?waiting\s+(?:for\s+)?" + _TIME + r"\s+(?:hours?|days?|weeks?|months?)\s+(?:for|on)\b[^.!?]{0,40}"),
    ("customer_complaint", r"\b(?:my|our)\s+(?:order|package|parcel|delivery|refund|flight|train|account|bill|invoice|phone|car)\s+(?:\w+\s+){0,3}?(?:never\s+arrived|still\s+hasn'?t|was\s+(?:cancel+ed|delayed|lost|charged\s+twice)|is\s+(?:broken|missing|late)|got\s+cancel+ed|doesn'?t\s+work)"),
    ("customer_complaint", r"\b(?:i\s+want|i\s+demand|give\s+me)\s+(?:my\s+)?(?:money\s+back|a\s+refund)\b"),
    ("customer_complaint", r"\bi(?:'ve|\s+have)\s+(?:called|emailed|contacted)\s+(?:\w+\s+){0,3}?" + _TIME + r"\s+times\b"),
    ("customer_complaint", r"\bi\s+(?:e-?mailed|called|contacted|messaged|wrote\s+to|reported\s+(?:it|this)\s+to)\s+" + _WORDS + _TIME + r"\s+(?:days?|weeks?|months?)\s+ago\b[^.!?]{0,40}?\b(?:no\s+(?:answer|reply|response)|nothing|never\s+heard|still\s+waiting|no\s+one\s+(?:answered|replied))"),
    ("customer_complaint", r"\bno\s+(?:answer|reply|response)\s+(?:in|for|after)\s+" + _TIME + r"\s+(?:days?|weeks?|months?)\b"),
)

_GERMAN: Final[tuple[tuple[ClaimKind, str], ...]] = (
    ("former_employee", r"\b(?:als\s+)?(?:ehemalige[rn]?|frühere[rn]?)\s+(?:mitarbeiter(?:in)?|angestellte[rn]?|beschäftigte[rn]?|kollege|kollegin|azubi)\b"),
    ("former_employee", r"\bex-?\s?(?:mitarbeiter(?:in)?|angestellte[rn]?|kollege|kollegin|azubi)\b"),
    ("former_employee", r"\b(?:als|ich\s+war)\s+(?:ehemalige[rn]?|frühere[rn]?|ex-?)\s*(?:ehrenamtliche[rn]?|freiwillige[rn]?)\b"),
    ("former_employee", r"\bich\s+war\s+(?:" + _TIME + r"\s+jahre\s+(?:lang\s+)?|jahrelang\s+|früher\s+|lange\s+)?"
                        r"ehrenamtlich\s+(?:bei|im|in\s+der|in\s+dem)\b"),
    ("former_employee", r"\bich\s+(?:habe|hab)\s+(?:" + _TIME + r"\s+jahre\s+(?:lang\s+)?|jahrelang\s+|früher\s+|lange\s+)?"
                        r"ehrenamtlich\s+(?:bei|im|in\s+der|in\s+dem)\s+" + _WORDS + r"(?:gearbeitet|geholfen|mitgearbeitet)\b"),
    ("former_employee", r"\bich\s+(?:habe|hab)\s+(?:" + _TIME + r"\s+jahre\s+(?:lang\s+)?|jahrelang\s+|lange\s+|früher\s+|selbst\s+)?(?:als\s+" + _WORDS + r")?(?:bei|für)\s+" + _WORDS + r"gearbeitet\b"),
    ("former_employee", r"\bich\s+war\s+(?:" + _TIME + r"\s+jahre\s+(?:lang\s+)?|jahrelang\s+|früher\s+|selbst\s+)?(?:als\s+" + _WORDS + r")?(?:bei|für)\s+" + _WORDS + r"(?:angestellt|beschäftigt|tätig)\b"),
    # "Ich war 11 Jahre Berater bei der ...": a span of years and a role (a capitalised noun), not
    # a customer's, a member's or a passenger's years.
    ("former_employee", r"\bich\s+war\s+(?:" + _TIME + r"\s+jahre\s+(?:lang\s+)?|jahrelang\s+)(?:als\s+)?"
                        r"(?!\w*(?:kund|flieger|mitglied|gast|nutzer|passagier|fahrgast|abonnent|patient|schüler|student"
                        r"|zeit|fan\b|teil\b))(?-i:[A-ZÄÖÜ])[\w-]+\s+(?:bei|für|in\s+der|im)\s+"),
    ("employee", r"\b(?:als\s+)?(?:mitarbeiter(?:in)?|angestellte[rn]?|beschäftigte[rn]?)\s+(?:der|des|von|bei)\s+[\w@&.-]+"),
    ("employee", r"\bich\s+arbeite\s+(?:selbst\s+|seit\s+" + _TIME + r"\s+jahren\s+)?(?:bei|für)\s+(?!(?:dir|euch|mich|uns|ihn|sie|mir)\b)(?:(?:der|dem|den|die|das)\s+)?[\w@&.-]+"),
    ("employee", r"\bich\s+bin\s+(?:selbst\s+|seit\s+" + _TIME + r"\s+jahren\s+)?(?:bei|für)\s+" + _WORDS + r"(?:angestellt|beschäftigt|tätig)\b"),
    ("customer_complaint", r"\bseit\s+" + _TIME + r"\s+(?:stunden?|tage?n?|wochen?|monate?n?)\s+warte\s+ich\s+auf\b[^.!?]{0,40}"),
    ("customer_complaint", r"\bich\s+warte\s+(?:schon\s+|jetzt\s+)?seit\s+" + _TIME + r"\s+(?:stunden?|tage?n?|wochen?|monate?n?)\b[^.!?]{0,40}"),
    ("customer_complaint", r"\b(?:meine?|unsere?)\s+(?:bestellung|lieferung|paket|erstattung|rückerstattung|rechnung|zug|flug|konto|vertrag)\s+(?:\w+\s+){0,3}?(?:ist\s+nie|ist\s+immer\s+noch\s+nicht|wurde\s+(?:storniert|gestrichen|doppelt)|kam\s+nie|fällt\s+aus|ist\s+ausgefallen|ist\s+kaputt)"),
    ("customer_complaint", r"\bich\s+(?:habe|hab)\s+[^.!?]{0,60}?(?:bestellt|gekauft|bezahlt)\b[^.!?]{0,60}?\b(?:nie|nicht\s+(?:angekommen|geliefert)|kaputt|defekt|erstattung|storniert)"),
    ("customer_complaint", r"\bich\s+will\s+mein\s+geld\s+zurück\b"),
    ("customer_complaint", r"\bseit\s+" + _TIME + r"\s+(?:tage?n|wochen?|monate?n)\s+(?:\w+\s+){0,3}?keine\s+(?:antwort|reaktion|rückmeldung)\b"),
    ("customer_complaint", r"\bich\s+(?:habe|hab)\s+(?:euch|ihnen|" + _WORDS + r")?vor\s+" + _TIME + r"\s+(?:tage?n|wochen?|monate?n)\s+(?:\w+\s+){0,4}?(?:geschrieben|gemailt|angerufen|gemeldet|kontaktiert)\b[^.!?]{0,40}?\bkeine\s+(?:antwort|reaktion|rückmeldung)\b"),
)

_PATTERNS: Final[dict[str, tuple[tuple[ClaimKind, re.Pattern[str]], ...]]] = {
    lang: tuple((kind, re.compile(pattern, _FLAGS)) for kind, pattern in patterns)
    for lang, patterns in (("en", _ENGLISH), ("de", _GERMAN))
}


def detect_author_claim(text: str | None, lang: str | None) -> AuthorClaim | None:
    """The author's claim about themselves, or ``None``.

    ``lang`` selects the phrase list (``"en"``, ``"de"``, tags like ``"de-AT"``
    work); for any other or missing language both lists are tried.
    """
    if not text:
        return None
    primary = (lang or "").lower()[:2]
    languages = (primary,) if primary in _PATTERNS else ("en", "de")
    for kind in ("former_employee", "employee", "customer_complaint"):
        for language in languages:
            for pattern_kind, pattern in _PATTERNS[language]:
                if pattern_kind != kind:
                    continue
                match = pattern.search(text)
                if match:
                    return AuthorClaim(kind=kind, cue=match.group().strip(" ,.;:!?"))
    return None


_BODY: Final = r"(?:hand|hands|arm|leg|face|finger|fingers|mouth|skin|foot|feet)"
_PERSON: Final = r"(?:son|daughter|kid|kids|child|children|baby|toddler|colleague|coworker|dog|cat)"
_DATA: Final = (
    r"(?:account|user|customer|player|member)s?\s+(?:database|db|data|details|records)|passwords?|password\s+hashes"
    r"|credit\s+card\s+(?:numbers|details|data)|kundendaten|nutzerdaten|kundendatenbank|passwörter|zugangsdaten"
)
_HARM: Final = re.compile(
    "|".join((
        rf"\b(?:hurt|burn(?:ed|t)|cut|injured|scalded)\s+(?:my|his|her|our|their)\s+(?:{_BODY}|{_PERSON})\b",
        rf"\b(?:my|our|his|her|their)\s+(?:\w+\s+)?{_PERSON}\s+(?:was|got|has\s+been|ended\s+up)\s+(?:badly\s+|seriously\s+)?"
        r"(?:hurt|injured|burn(?:ed|t)|sick\s+(?:after|from)|poisoned|in\s+hospital|in\s+a&e)\b",
        r"\b(?:battery|charger|phone|device|e-bike|scooter|pump|heater|boiler|appliance)\s+(?:just\s+|has\s+|had\s+)?"
        r"(?:exploded|caught\s+fire|melted)\b",
        r"\bfood\s+poisoning\b|\ballergic\s+reaction\b|\bchoked\s+on\s+(?:a|an|the|some|it|piece|bits?)\b",
        r"\bfound\s+(?:a\s+)?(?:piece\s+of\s+|shard\s+of\s+|bits?\s+of\s+)?"
        r"(?:glass|hard\s+plastic|plastic|metal|insects?|mould|mold)\s+in\s+(?:my|our|the|his|her)\b",
        r"\bended\s+up\s+in\s+(?:a&e|hospital|the\s+er|the\s+emergency\s+room)\b|\bsafety\s+(?:hazard|defect|recall)\b",
        r"\b(?:an\s+der|am)\s+(?:hand|arm|bein|kopf|auge|fuß|finger)\s+verletzt\b",
        r"\b(?:sohn|tochter|baby|kollege|kollegin|hund)\s+(?:\w+\s+){0,4}?(?:verletzt|verbrüht|verbrannt|"
        r"vergiftet|im\s+krankenhaus|in\s+der\s+notaufnahme)\b",
        r"\b(?:fast|beinahe)\s+(?:dran\s+|daran\s+)?(?:verschluckt|erstickt)\b(?!\s+vor\b)",
        r"\b(?:akku|ladegerät|gehäuse)\s+(?:\w+\s+){0,3}?(?:explodiert|in\s+brand\s+geraten|geplatzt|gerissen)\b",
        r"\blebensmittelvergiftung\b|\ballergische[nr]?\s+(?:reaktion|schock)\b|\b(?:glas|metall)splitter\b",
        r"\b(?:stück|teil|splitter)\s+(?:hart)?plastik\b",
        r"\bsicherheitsmangel\b|\bsicherheitsmängel\b|\bsicherheitsrisiko\b",
        # Customers' data exposed: a breach, a leak, a database on sale.
        r"\bdata[\s-]+(?:breach|leak)\b|\bdatenleck\b|\bdatenpanne\b|\bhacker(?:angriff|attacke)\b",
        rf"\b(?:{_DATA})\b[^.!?]{{0,60}}?\b(?:for\s+sale|up\s+for\s+grabs|leaked|dumped|stolen|geleakt|gestohlen|zum\s+verkauf"
        r"|im\s+netz\s+(?:aufgetaucht|veröffentlicht|gelandet))\b",
        rf"\b(?:leaked|dumped|stole|geleakt)\b[^.!?]{{0,60}}?\b(?:{_DATA})\b",
        r"\b(?:selling|offering|verkauft|bietet)\b[^.!?]{0,60}?\b(?:database|datenbank|db\s+dump|data\s+dump|datensatz)\b",
    )),
    _FLAGS,
)
"""A harm next to a person, a body part or a product, a harm that needs none ("food
poisoning", "allergic reaction", "safety recall", "Lebensmittelvergiftung", "Sicherheitsmangel"),
or customers' data exposed ("data breach", "account database for sale", "Kundendaten geleakt")."""
_HARM_CUE: Final = re.compile(
    r"hurt|burn|cut|injur|scald|sick|poison|hospital|a&e|explod|fire|melted|allerg|chok|found|safety|plastik"
    r"|verletz|verbrüh|verbrann|vergift|krankenhaus|notaufnahme|verschluck|ersti|brand|geplatzt|gerissen|splitter|sicherheit"
    r"|breach|leak|daten|hacker|sale|grabs|dump|stol|gestohl|netz|verkauf|selling|offering|bietet"
)


def reports_harm(text: str | None) -> bool:
    """Does the post report that the product hurt someone or is unsafe ("found hard plastic in my
    son's roll", "ein Kollege wurde an der Hand verletzt", "battery caught fire"), or that its
    customers' data is exposed ("an account database for sale: 2.1M emails and password hashes")?

    Nothing a customer posts does more damage: two outside testers' product-safety warnings on a
    small brand drew 15-40 reactions an hour and opened nothing, because neither author was an
    insider nor had 7,000 followers.

    >>> reports_harm("Heute im Laugenbrötchen ein Stück Hartplastik gefunden, mein Sohn hätte sich fast dran verschluckt")
    True
    >>> reports_harm("Gehäuse ist gerissen, ein Kollege wurde an der Hand verletzt"), reports_harm("Müller hat sich verletzt")
    (True, False)
    >>> reports_harm("A seller is offering what looks like an Acme account database: 2M emails and hashes")
    True
    >>> reports_harm("My phone bill exploded this month"), reports_harm("Found a bug in the checkout")
    (False, False)
    >>> reports_harm("Forgot my password again"), reports_harm("Acme tickets for sale, DM me")
    (False, False)
    """
    return bool(text) and cue_may_match(_HARM_CUE, text or "") and _HARM.search(text or "") is not None
