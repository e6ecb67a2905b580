"""Words that turn a customer away from the brand, whatever tone they are said in.

A linear model over n-grams reads "Goodbye zestoo, it was nice while it lasted" as
positive and "Gilt das auch in Deutschland? Dann kündige ich." as neutral. To a brand
both are the worst news a reaction can carry: a customer leaving, or calling for others to
leave. An outside tester's price-change pile-on was paged 90 minutes late because most of
its reactions were polite goodbyes. These statements are read as negative before the model
is asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

_ENGLISH: Final = (
    r"\bcancel+(?:ed|ing)?\s+(?:my|our)\s+(?:\w+\s+)?(?:subscription|membership|account|contract|plan)s?\b",
    r"\b(?:deleted|deleting|uninstalled|uninstalling)\s+(?:the|your|this)\s+app\b",
    r"\b(?:switching|switched|moving|moved|going|went)\s+(?:over\s+)?to\s+(?:the\s+)?(?:competition|competitors?)\b",
    r"\bnever\s+again\b",
    r"\bnever\s+(?:ordering|buying|booking|flying|shopping)\s+(?:from|with|at|on|there|here|again)\b",
    r"\bmy\s+next\s+\w+\s+(?:won['’]?t|will\s+not|is\s+not\s+going\s+to)\s+be\b",
    r"\b(?:taking|took|i['’]ll\s+take|i\s+will\s+take)\s+my\s+(?:business|money|custom)\s+elsewhere\b(?![^.!?]*\?)",
    r"\bi(?:['’]ll|\s+will|['’]m\s+going\s+to|\s+am\s+going\s+to)\s+(?:shop|order|buy|go|fly|book)\s+(?:somewhere\s+else|elsewhere)\b",
    r"\b(?:ordering|shopping|buying|booking|flying)\s+(?:somewhere\s+else|elsewhere)\s+(?:from\s+now\s+on|now|then)\b",
)
_GERMAN: Final = (
    r"\b(?:ich\s+)?kündige\b",
    r"\bgekündigt\b",
    r"\bkündigung\s+(?:ist\s+)?raus\b",
    r"\b(?:app|konto|account|abo)\s+(?:ist\s+)?(?:ge)?lösch",
    r"\blösche\s+(?:die|eure|ihre|deren)\s+app\b",
    r"\bzur\s+konkurrenz\b",
    r"\bmein(?:e|en)?\s+nächste[rsn]?\s+\w+\s+(?:wird|ist)\s+(?:kein|nicht)",
    r"\bnie\s+wieder\s+(?:bestell|kauf|buch|bei\b|von\b)",
    r"\b(?:bestell|kauf|buch)\w*\s+(?:\w+\s+){0,3}nie\s+wieder\b",
    r"\b(?:kauf|bestell|buch)e?\s+ich\s+(?:(?!nie\b|nicht\b|nirgends\b)\w+\s+){0,3}woanders\b(?![^.!?]*\?)",
    r"\b(?:flieg|fahr|reis)e?\s+(?:ich\s+)?(?:\w+\s+){0,2}?nie\s+wieder\b(?!\s+(?:ohne|woanders|anders|mit\s+(?:einer\s+)?andere))",
    r"\bnie\s+wieder\s+mit\s+(?:denen|euch|ihnen|dem\s+laden|der\s+firma)\b",
    r"\bnie\s+wieder\s+(?:flieg|fahr|reis)e\s+ich\s+(?:mit|bei)\b",
)
_SCORN: Final = (r"\bthanks\s+for\s+nothing\b", r"\bdanke\s+für\s+nichts\b")
"""Thanks that are never meant: all 5 in the labelled English and German sets are negative."""
TURNING_AWAY: Final = re.compile("|".join((*_ENGLISH, *_GERMAN, *_SCORN)), re.IGNORECASE)
"""Leaving the brand ("cancelled my membership", "Dann kündige ich", "my next bike won't be
a Velora") or scorn ("Danke für nichts"). A boycott needs its target, so it is brand-aware:
:func:`calls_for_boycott_of`."""


_CUES: Final = (
    "cancel", "delet", "uninstall", "compet", "never", "next", "nothing",
    "kündig", "lösch", "konkurrenz", "wieder", "nächste", "nichts", "else", "woanders",
)
"""Every pattern above contains one of these: texts without any (nearly all) skip the regular
expression, which costs about 13 us a text against 47 us for the whole classification; the
cue check on the lower-cased text costs about 2 us."""
_CUE: Final = re.compile("|".join(_CUES))
_FOLDS_APART: Final = frozenset("\u0130\u0131\u017f\u212a")


def cue_may_match(cue: re.Pattern[str], text: str) -> bool:
    """Can a case-insensitive pattern whose every branch holds one of ``cue``'s words match ``text``?

    str.lower and re.IGNORECASE fold a few letters differently ("İ", "ı", "ſ", the Kelvin sign):
    a text holding one of them always goes on to the pattern.
    """
    return cue.search(text.lower()) is not None or not _FOLDS_APART.isdisjoint(text)


_ESCALATION: Final = re.compile(
    "|".join((
        r"\b(?:verbraucherzentrale|schlichtungsstelle|consumer\s+(?:protection|rights\s+group|ombudsman)|trading\s+standards"
        r"|small\s+claims|ombudsman)\b",
        r"\b(?:file[ds]?|filing|do(?:ing)?|raise[ds]?|raising|open(?:ed|ing)?|start(?:ed|ing)?)\s+(?:a\s+)?chargeback\b",
        r"\b(?:getting|get|involving|calling|contacting|talking\s+to|speaking\s+to)\s+(?:my|a|our)\s+(?:lawyer|solicitor|attorney)\b",
        r"\b(?:my|our)\s+(?:lawyer|solicitor|attorney)\s+(?:is|will|has)\b|\bsee\s+you\s+in\s+court\b",
        r"\b(?:anwalt|anwältin|rechtsanwalt|rechtsanwältin|rechtsschutz)\s+(?:ist\s+)?(?:einschalten|eingeschaltet|informiert)\b",
        r"\bschalte\s+(?:meinen|meine|einen|eine)\s+(?:anwalt|anwältin|rechtsanwalt|rechtsanwältin)\s+ein\b",
    )),
    re.IGNORECASE,
)
"""Taking the brand to consumer protection, an ombudsman or a lawyer: a customer whose complaint
has become a case ("Verbraucherzentrale einschalten!", "Sofort zur Schlichtungsstelle", "filed a
chargeback", "getting my lawyer involved"). Not "Schlichtung" alone (in the labelled German set
it is the rail strike's arbitration, good news), not "Verbraucherschutz" (news about the law),
not a chargeback that is done ("Chargeback processed, thanks")."""
_ESCALATION_CUE: Final = re.compile("verbraucherzentrale|schlichtungsstelle|consumer|standards|claims|ombuds|chargeback|lawyer|solicitor|attorney|court|anwalt|anwält|rechtsschutz")


def escalates(text: str) -> bool:
    """Does the text take the complaint to consumer protection, an ombudsman or a lawyer? For an
    outside author only (the enricher): a brand telling a customer where to complain
    ("Sie können sich an die Schlichtungsstelle wenden") is not hostile.

    >>> escalates("Sofort zur Schlichtungsstelle, Jule!"), escalates("Reporting them to Trading Standards")
    (True, True)
    >>> escalates("Die Verbraucher freuen sich"), escalates("Court date for the new stadium")
    (False, False)
    """
    return cue_may_match(_ESCALATION_CUE, text) and _ESCALATION.search(text) is not None


def turns_away(text: str) -> bool:
    """Does the text say its author is leaving the brand, or call on others to?

    >>> turns_away("Cancelled my membership. Fair pricing for who exactly?")
    True
    >>> turns_away("Gilt das auch in Deutschland? Dann kündige ich.")
    True
    >>> turns_away("Was für ein instinktloser Post. Mein nächstes Rad wird kein Velora.")
    True
    >>> turns_away("How do I change my delivery address?"), turns_away("Never had a problem with them")
    (False, False)
    """
    return cue_may_match(_CUE, text) and TURNING_AWAY.search(text) is not None


_FAREWELL: Final = r"(?:good\s*-?\s*bye|bye(?:\s+bye)?|farewell|tschüss|tschüß|tschüs|adieu|auf\s+nimmerwiedersehen)"


def _any_of(names: tuple[str, ...]) -> str:
    r"""The brand's names as one group of a pattern: ``(?:velora\-bikes|velorabikes)``."""
    return "(?:" + "|".join(re.escape(name) for name in names) + ")"


_BOYCOTT: Final = r"boy[ck]ott(?:s|e|ing|iert)?"


@lru_cache(maxsize=1024)
def _boycott_of(names: tuple[str, ...]) -> re.Pattern[str]:
    brand = _any_of(names)
    return re.compile(
        rf"{_BOYCOTT}[-_\s]*(?:(?:of|against|gegen|von)\s+)?(?:the\s+|die\s+|den\s+)?[#@]?{brand}(?![a-zäöüß])"
        rf"|(?<![\w@])[#@]?{brand}[-_\s]*{_BOYCOTT}",
        re.IGNORECASE,
    )


def calls_for_boycott_of(text: str, names: tuple[str, ...]) -> bool:
    """Does the text call for a boycott of the brand itself ("#BoycottZestoo", "Zestoo-Boykott")?

    A boycott of a competitor is good news for the brand: an outside tester's competitor
    scandal read "Zarella boycott starts now. velora and second hand from here on".

    >>> names = brand_names("zestoo")
    >>> calls_for_boycott_of("#BoycottZestoo until they pay", names), calls_for_boycott_of("Zestoo-Boykott ab heute", names)
    (True, True)
    >>> calls_for_boycott_of("Zarella boycott starts now, zestoo from here on", names)
    False
    """
    return bool(names) and "boy" in text.lower() and _boycott_of(names).search(text) is not None


@lru_cache(maxsize=1024)
def registry_names(brand: str) -> tuple[str, ...]:
    """:func:`brand_names` of a registry name alone (no handles), cached: what the engine, which
    sees only the brand's name, uses."""
    return brand_names(brand)


def boycott_term(brand: str) -> str:
    """The term a call to boycott the brand counts under, however it was phrased ("#BoycottZestoo",
    "Zestoo-Boykott"): a hashtag, which no word of a text becomes (:func:`detectors.threads.terms_of`
    drops the "#").

    >>> boycott_term("velora-bikes")
    '#boycottvelorabikes'
    """
    return "#boycott" + brand.lower().replace("-", "")


def leaves_brand(text: str, names: tuple[str, ...]) -> bool:
    """Does the author say they are leaving the brand, bid it goodbye by name or call for a
    boycott of it (:func:`turns_away`, :func:`says_goodbye_to`, :func:`calls_for_boycott_of`)?

    >>> names = brand_names("zestoo")
    >>> [leaves_brand(text, names) for text in ("Cancelled my membership.", "Goodbye zestoo", "#BoycottZestoo", "Love it")]
    [True, True, True, False]
    """
    return turns_away(text) or says_goodbye_to(text, names) or calls_for_boycott_of(text, names)


_FAREWELL_CUE: Final = re.compile("bye|farewell|tschü|adieu|nimmerwiedersehen")


@lru_cache(maxsize=1024)
def _farewell_to(names: tuple[str, ...]) -> re.Pattern[str]:
    brand = _any_of(names)
    return re.compile(
        rf"\b{_FAREWELL}[,!.]?\s+(?:to\s+)?@?{brand}(?![a-zäöüß])|(?<![\w@])@?{brand}[,!.]?\s+{_FAREWELL}\b",
        re.IGNORECASE,
    )


def brand_names(name: str, handles: Iterable[str] = ()) -> tuple[str, ...]:
    """What people call a brand: its registry name (also without hyphens) and its handles. Not
    the name's first part: "deutsche" of ``deutsche-bahn`` or "the" of ``the-body-shop`` would
    make "Tschüss Deutsche Welle" a farewell to the railway.

    >>> brand_names("velora-bikes", ["velora_de", "@VeloraBikes"])
    ('velora-bikes', 'velorabikes', 'velora_de')
    """
    names = [name.lower(), name.lower().replace("-", ""), *(handle.lower().lstrip("@") for handle in handles)]
    return tuple(dict.fromkeys(part for part in names if len(part) >= 3))


def says_goodbye_to(text: str, names: tuple[str, ...]) -> bool:
    """Does the text bid the brand itself farewell ("Goodbye zestoo, it was nice while it lasted")?

    "Goodbye" alone is mostly neutral or positive in the labelled sets (a season, a city, a
    player); said to the brand by name, a customer is leaving.

    >>> names = brand_names("zestoo")
    >>> says_goodbye_to("Goodbye zestoo, it was nice while it lasted", names), says_goodbye_to("Zestoo, bye!", names)
    (True, True)
    >>> says_goodbye_to("Goodbye winter! Ordering on zestoo tonight", names)
    False
    """
    return bool(names) and _FAREWELL_CUE.search(text.lower()) is not None and _farewell_to(names).search(text) is not None


_NO_NEGATION: Final = r"(?:(?!not\b|never\b|nicht\b|nie\b|kein\w*\b)[\w'’]+\s+)"
"""A word that does not negate: "lieber nicht Skyjet" and "Zum Glück bin ich nicht mehr bei
Skyjet" are not a preference for the brand."""


@lru_cache(maxsize=1024)
def _preference_for(names: tuple[str, ...]) -> re.Pattern[str]:
    brand = rf"[#@]?{_any_of(names)}(?![\w-])"
    alone = rf"(?<![\w@#-]){brand}"
    gap = _NO_NEGATION
    unnegated = r"(?<!\bnot\s)(?<!\bnever\s)(?<!n't\s)(?<!n’t\s)(?<!\bnie\s)(?<!\bnicht\s)"
    return re.compile(
        "|".join((
            rf"{unnegated}\b(?:switch(?:ing|ed|es)?|mov(?:ing|ed)\s+over|mov(?:ing|ed)\s+back)\s+to\s+(?:the\s+)?{brand}",
            rf"\b(?:bought|buy(?:ing)?|order(?:ed|ing)?|got|getting|book(?:ed|ing)?|chose|choosing|went\s+with|going\s+with)"
            rf"\s+{gap}{{0,3}}{brand}(?:\s+[\w'’]+){{0,3}}\s+instead\b(?!\s+of)",
            rf"{alone}\s+instead\b(?!\s+of)",
            rf"\bwhile\s+{alone}\s+{gap}{{0,3}}(?:has|have|is|are|makes?|gets?)\s+(?:the\s+)?(?:best|better|great)\b"
            r"(?![^.!?]*(?:,|\bbut\b))",
            rf"{alone}\s+(?:is|seems|looks)\s+(?:so\s+|much\s+|way\s+|a\s+lot\s+)?"
            rf"(?:better(?!\s+(?:than\s+th(?:is|at)|at\b))|more\s+(?:transparent|honest|ethical|reliable|trustworthy))\b",
            rf"{unnegated}\b(?:wechsle|wechseln|gewechselt|umsteigen|umgestiegen|steige)\s+{gap}{{0,3}}(?:zu|auf)\s+{brand}",
            rf"\b(?:dann|doch|also|künftig)\s+lieber\s+(?:(?:zu|mit|bei)\s+)?{brand}",
            rf"{alone}\s+stattdessen\b|\bstattdessen\s+(?:zu|mit|bei)\s+{brand}",
        )),
        re.IGNORECASE,
    )


_PREFERENCE_CUE: Final = re.compile("switch|moving|moved|instead|while|better|more|wechs|umsteig|umgestieg|steige|lieber|stattdessen")
_REGRET: Final = re.compile(r"\bregret|\bmistake\b|\bworst\s+decision|\bbereu|\bfehler\b|\bfehlentscheidung", re.IGNORECASE)
"""'I regret switching to velora' is a complaint about velora."""


def prefers_brand(text: str, names: tuple[str, ...]) -> bool:
    """Does the text hold the brand up as the better choice against someone else ("Zarella is
    disgusting. velora seems more transparent", "switching to velora for basics")?

    The model reads such a text as negative, and it is: about the other one. An outside tester's
    competitor scandal opened a spike of "people newly negative about velora" who were all moving
    to velora. Not a salutation ("Lieber Velora-Kundenservice, ..."), not with regret ("I regret
    switching to velora"), not "Zum Glück ..." (sarcasm as often as relief).

    >>> names = brand_names("velora")
    >>> prefers_brand("Zarella sweatshop story is horrifying. switching to velora for basics", names)
    True
    >>> prefers_brand("I regret switching to velora", names), prefers_brand("Switching to Zarella", names)
    (False, False)
    """
    return (
        bool(names) and cue_may_match(_PREFERENCE_CUE, text)
        and _preference_for(names).search(text) is not None and _REGRET.search(text) is None
    )


_EXPOSE: Final = re.compile(
    "|".join((
        r"\b(?:our|an?|the|new|[\w-]*month(?:s|-long)?|[\w-]*year(?:s|-long)?)?\s*investigation\s+"
        r"(?:shows|showed|reveals|revealed|finds|found|uncovers|uncovered)\b",
        r"\binternal\s+(?:documents|docs|emails|e-mails|memos?|chats|messages|papers|files)\s+"
        r"(?:show|showed|reveal|revealed|prove|suggest|seen\s+by)\b",
        r"\b(?:leaked|leak\s+of)\s+(?:internal\s+)?(?:documents|docs|emails|e-mails|memos?|chats|messages|files|recordings?)\b",
        r"\bwhistle-?blowers?\s+(?:says|said|claims|claimed|alleges|alleged|reveals|revealed|told|tells|speaks|spoke|reports|reported)\b",
        r"\bundercover\s+(?:investigation|reporter|footage|filming)\b",
        r"\b(?:documents|emails|e-mails|memos?|recordings?)\s+(?:obtained|seen)\s+by\b",
        r"\b(?:unsere|eine|die|neue)?\s*recherche\s+(?:zeigt|belegt|ergibt|ergab|deckt)\b",
        r"\binterne\s+(?:dokumente|unterlagen|mails|e-mails|papiere|chats|nachrichten)\s+(?:zeigen|belegen|beweisen|legen\s+nahe)\b",
        r"\b(?:geleakte|durchgestochene)\s+(?:dokumente|unterlagen|mails|e-mails|chats|nachrichten)\b",
        r"\bwhistle-?blower(?:in)?\s+(?:sagt|berichtet|packt|erhebt|wirft|erzählt)\b",
        r"\b(?:verdeckte|undercover)\s+(?:recherche|aufnahmen|reporter(?:in)?)\b",
    )),
    re.IGNORECASE,
)
_EXPOSE_CUE: Final = re.compile("investigation|internal|interne|leak|whistle|undercover|verdeckt|obtained|seen|recherche|geleakt|durchgestochen")


@lru_cache(maxsize=1024)
def _named(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])[#@]?{_any_of(names)}(?!\w)", re.IGNORECASE)


def exposes(text: str, names: tuple[str, ...]) -> bool:
    """Does the text report an investigation, a leak or a whistleblower about the brand by name
    ("Our four-month investigation shows zestoo couriers earn £4.10 an hour", "Zestoo couriers paid
    below minimum wage, internal documents show")?

    Reporters write in a level tone and the model reads it as neutral, so an outside tester's
    journalist story could not be a damaging external post. None of the 90,972 labelled texts
    matches. A whistleblower must say something and an investigation must show something: "zestoo
    launches a whistleblower hotline" and "zestoo opened an investigation into my lost parcel"
    are not exposés.

    >>> names = brand_names("zestoo")
    >>> exposes("NEW: Our four-month investigation shows zestoo couriers earn as little as £4.10 an hour", names)
    True
    >>> exposes("Whistleblower schützen!", names), exposes("Investigation shows Globex knew", names)
    (False, False)
    """
    return (
        bool(names) and cue_may_match(_EXPOSE_CUE, text)
        and _EXPOSE.search(text) is not None and _named(names).search(text) is not None
    )
