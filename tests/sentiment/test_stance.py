"""The stance rules: the cue check never changes what the patterns find; farewells and boycotts
need the brand they name."""

from __future__ import annotations

import pytest

from detectors.sentiment.stance import (
    TURNING_AWAY,
    brand_names,
    calls_for_boycott_of,
    escalates,
    exposes,
    prefers_brand,
    says_goodbye_to,
    turns_away,
)


@pytest.mark.parametrize(
    "text",
    [
        "Cancelled  my   membership", "CANCELLED MY ORDER", "Uninstalled\tthe app", "switched over to the COMPETITION",
        "never\nagain", "#BoycottAcme", "My  next\tphone won't be an Acme", "last order from you",
        "Thanks   for nothing", "KÜNDIGE sofort", "Abo gelöscht", "Ich wechsle   zur Konkurrenz",
        "NIE  WIEDER bestelle ich da", "Mein nächstes Rad wird kein Acme", "Boykott!", "danke  für   nichts",
        "How do I change my address?", "Never had a problem", "The last train was late", "Nie wieder Chaos bei der Bahn",
        "I UNİNSTALLED THE APP", "Cancel my subſcription", "Taking my BUSINESS elsewhere", "I'll order somewhere else",
        "Na dann kauf ich halt WOANDERS", "Ich bin raus aus dem Büro", "Where else can I buy it?",
        "Ich FLIEGE nie   WIEDER mit denen", "NIE WIEDER MIT EUCH",
    ],
)
def test_the_cue_check_agrees_with_the_patterns(text: str) -> None:
    assert turns_away(text) == (TURNING_AWAY.search(text) is not None)


def test_a_farewell_needs_the_brands_name() -> None:
    names = brand_names("acme-rail", ["acmerail_help"])
    assert says_goodbye_to("Good-bye acmerail, it was nice", names)
    assert says_goodbye_to("Say goodbye to acme-rail", names)
    assert not says_goodbye_to("Tschüss acme Welle", names)  # not the name's first part
    assert says_goodbye_to("@acmerail_help tschüss", names)
    assert not says_goodbye_to("Bye bye summer", names)
    assert not says_goodbye_to("Goodbye acme", ())


def test_a_boycott_counts_against_the_brand_it_names() -> None:
    """An outside tester's competitor scandal: "Zarella boycott starts now. velora and second hand
    from here on" is good news for velora, not a customer leaving it."""
    names = brand_names("velora", ["velora_de"])
    for text in ("#BoycottVelora", "Boycott velora now", "boycott of the Velora shops", "Velora-Boykott!",
                 "Boykott gegen Velora", "#velora_de boycott"):
        assert calls_for_boycott_of(text, names), text
    for text in ("Zarella boycott starts now. velora and second hand from here on", "#BoycottZarella, buy Velora",
                 "boycotts are silly", "Velora rocks"):
        assert not calls_for_boycott_of(text, names), text


@pytest.mark.parametrize(
    "text",
    [
        "How do I cancel my order? Ordered the wrong size", "My last order was perfect, thank you!",
        "Last orders for Christmas delivery close tonight at 8pm!", "Ich wechsle jetzt zu euch, endlich faire Preise!",
        "Never using any other app again, love it", "Ich bin raus aus dem Büro, ruft mich morgen an",
        "Sold out here, but you may find it elsewhere", "Wo kaufe ich das woanders in Köln?",
        "Seit ich euch kenne, kaufe ich nie mehr woanders!", "Why would I take my business elsewhere? You're great",
        "I'd never take my money elsewhere", "Endlich Feierabend, bin raus!",
    ],
)
def test_ordinary_service_and_marketing_text_is_not_leaving(text: str) -> None:
    """Found in review: "cancel my order", "last order" and "wechsle zu" matched customers asking,
    praising or switching *to* the brand, and a brand's "Last orders ..." read as hostile."""
    assert not turns_away(text)


def test_a_preference_needs_the_brand_as_the_better_choice() -> None:
    names = brand_names("velora", ["velora_care"])
    for text in (
        "Zarella sweatshop story is horrifying. switching to velora for basics",
        "Zarella response is pathetic. cancelled my order, bought the velora dress instead",
        "Zarella is disgusting. @velora_care seems more transparent",
        "watching zarella implode while velora quietly has the best linen lol",
        "Ich wechsle jetzt zu Velora", "Dann lieber Velora", "Zarella? Nein, Velora stattdessen",
    ):
        assert prefers_brand(text, names), text
    for text in (
        "I'd never switch to velora", "Ich wechsle nie zu Velora", "Lieber nicht Velora",
        "Zum Glück bin ich nicht mehr bei Velora", "Velora is better than this", "velora instead of zarella? no",
        "switching to zarella", "Switching to velorama", "Velora-Zarella instead", "switching to velora",
        # found by a review: salutations, regret, sarcasm and concessions
        "Lieber Velora Kundenservice, wo ist mein Paket?!", "I regret switching to velora, support is a joke",
        "Gewechselt zu Velora und bereue es", "Velora is better at losing parcels than delivering them",
        "While velora has great marketing, their support is awful",
        "Velora schickt mir stattdessen einen Gutschein. Frechheit!",
        "Zum Glück hat Velora mein Paket nach Mallorca geschickt",
    ):
        assert prefers_brand(text, names) == (text == "switching to velora"), text
    assert not prefers_brand("switching to velora", ())


@pytest.mark.parametrize(
    "text", ["SWITCHING to velora", "SWİTCHING to velora", "Ich WECHSLE zu Velora", "zum  GLÜCK   velora", "Velora\tinstead", "while velora has the best"],
)
def test_the_preference_cue_check_agrees_with_the_patterns(text: str) -> None:
    from detectors.sentiment.stance import _preference_for

    names = brand_names("velora")
    assert prefers_brand(text, names) == (_preference_for(names).search(text) is not None)


def test_an_expose_needs_the_brand_named() -> None:
    """An outside tester's journalist story read as neutral: it could not be a damaging post."""
    names = brand_names("zestoo", ["zestoo_help"])
    for text in (
        "NEW: Our four-month investigation shows zestoo couriers earn as little as £4.10 an hour",
        "Zestoo couriers paid below minimum wage, internal documents show",
        "Leaked emails: @zestoo_help told to close refund tickets unanswered",
        "Unsere Recherche zeigt: Zestoo zahlt Fahrern weniger als den Mindestlohn",
        "Interne Dokumente belegen, dass Zestoo davon wusste",
        "A zestoo whistleblower says couriers are paid in cash", "Verdeckte Aufnahmen aus dem Zestoo-Lager",
    ):
        assert exposes(text, names), text
    for text in (
        "Investigation shows Globex knew", "Whistleblower schützen!", "zestoo: we are investigating the outage",
        "Internal documents show zestoos-r-us knew", "", "Zestoo launches a whistleblower hotline",
        "zestoo opened an investigation into my lost parcel",
    ):
        assert not exposes(text, names), text
    assert exposes("Interne Dokumente zeigen: Zestoo-Fahrer verdienen unter Mindestlohn", names)
    assert not exposes("Leaked emails from zestoo", ())


def test_escalation_and_german_never_again_read_as_turning_on_the_brand() -> None:
    """An outside tester's DM screenshot: the model read "Ich fliege nie wieder mit denen" as
    positive and "Verbraucherzentrale einschalten!" as positive."""
    for text in ("Ich fliege nie wieder mit denen.", "Nie wieder mit euch", "ich fahr nie wieder alleine Bahn"):
        assert turns_away(text), text
    for text in ("Ich fliege nie wieder ohne Kopfhörer", "Nie wieder Chaos bei der Bahn", "Nie wieder mit dem Auto",
                 "Nie wieder Fahrkarten am Automaten ziehen, die App ist genial!", "Nie wieder Reisestress dank Acme",
                 "Nie wieder fahren ohne Navi", "Ich fliege nie wieder mit einer anderen Airline als Acme"):
        assert not turns_away(text), text
    for text in ("Verbraucherzentrale einschalten!", "Sofort zur Schlichtungsstelle, Jule!", "Filed a chargeback",
                 "Reporting you to Trading Standards", "Anwalt ist eingeschaltet", "See you in court",
                 "I'm getting my lawyer involved", "Ich schalte meinen Anwalt ein", "Meine Anwältin ist informiert"):
        assert escalates(text), text
    for text in ("Die Verbraucher freuen sich", "Court date for the new stadium", "Standards are high here", "",
                 "Bahn und GDL einigen sich auf Schlichtung", "Neue EU-Regeln für mehr Verbraucherschutz – super!",
                 "Chargeback processed, thanks for the quick help!"):
        assert not escalates(text), text


@pytest.mark.parametrize(
    ("check", "text"),
    [("exposes", "VERDECKTE Recherche bei Zestoo"), ("exposes", "Emails seen\nby us show zestoo knew"),
     ("exposes", "İnternal documents show zestoo knew"), ("escalates", "FİLED a chargeback"),
     ("escalates", "Getting my LAWYER involved")],
)
def test_the_expose_and_escalation_cue_checks_agree_with_the_patterns(check: str, text: str) -> None:
    from detectors.sentiment.stance import _ESCALATION, _EXPOSE

    if check == "exposes":
        assert exposes(text, brand_names("zestoo")) == (_EXPOSE.search(text) is not None and "zestoo" in text.lower())
    else:
        assert escalates(text) == (_ESCALATION.search(text) is not None)
