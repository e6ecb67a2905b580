"""Self-declared insiders and complaining customers, in English and German."""

from __future__ import annotations

import pytest

from detectors.author_claims import detect_author_claim, reports_harm


@pytest.mark.parametrize(
    ("text", "lang", "kind", "cue"),
    [
        ("As a former employee I can confirm this", "en", "former_employee", "As a former employee"),
        ("ex-employee here, this was always the plan", "en", "former_employee", "ex-employee"),
        ("I used to work at Acme and they never cared", "en", "former_employee", "I used to work at Acme"),
        ("I worked for Acme for 5 years until they fired half of us", "en", "former_employee",
         "I worked for Acme for 5 years"),
        ("I worked six years as a line maintenance tech for skyhop and saw it", "en", "former_employee",
         "I worked six years as a line maintenance tech for skyhop"),
        ("I spent 4 years at Acme, believe me", "en", "former_employee", "I spent 4 years at Acme"),
        ("I work at Acme and this is not true", "en", "employee", "I work at Acme"),
        ("I ordered a phone 3 weeks ago and it never arrived", "en", "customer_complaint",
         "I ordered a phone 3 weeks ago and it never"),
        ("my order still hasn't shipped", "en", "customer_complaint", "my order still hasn't"),
        ("I want my money back", "en", "customer_complaint", "I want my money back"),
        ("A magnet came loose. I emailed lumo-kids 4 days ago, no answer. Check your sets.", "en",
         "customer_complaint", "I emailed lumo-kids 4 days ago, no answer"),
        ("No reply in two weeks to my safety report", "en", "customer_complaint", "No reply in two weeks"),
        ("Seit 5 Tagen keine Antwort auf meine Meldung", "de", "customer_complaint", "Seit 5 Tagen keine Antwort"),
        ("Ich habe euch vor drei Wochen eine Mail geschrieben und keine Antwort bekommen", "de", "customer_complaint",
         "Ich habe euch vor drei Wochen eine Mail geschrieben und keine Antwort"),
        ("Ex-Mitarbeiter hier: das war schon immer so", "de", "former_employee", "Ex-Mitarbeiter"),
        ("Als ehemaliger Mitarbeiter kann ich das bestätigen", "de", "former_employee",
         "Als ehemaliger Mitarbeiter"),
        ("Ich habe jahrelang bei der Bahn gearbeitet", "de", "former_employee",
         "Ich habe jahrelang bei der Bahn gearbeitet"),
        ("Ich habe sechs Jahre als Fahrdienstleiter bei der Bahn gearbeitet", "de", "former_employee",
         "Ich habe sechs Jahre als Fahrdienstleiter bei der Bahn gearbeitet"),
        ("Ich war zehn Jahre als Technikerin bei Brezelwerk angestellt", "de", "former_employee",
         "Ich war zehn Jahre als Technikerin bei Brezelwerk angestellt"),
        ("ich arbeite bei der Telekom und weiß es besser", "de", "employee", "ich arbeite bei der Telekom"),
        ("Seit 3 Wochen warte ich auf meine Erstattung", "de", "customer_complaint",
         "Seit 3 Wochen warte ich auf meine Erstattung"),
        ("Meine Bestellung ist nie angekommen", "de-DE", "customer_complaint", "Meine Bestellung ist nie"),
        ("Ex-Mitarbeiter hier", None, "former_employee", "Ex-Mitarbeiter"),
        # Volunteers are insiders too (an outside tester's animal shelter).
        ("Ich war drei Jahre ehrenamtlich im Tierheim Lindenau. Ich kann nicht mehr schweigen.", "de",
         "former_employee", "Ich war drei Jahre ehrenamtlich im"),
        ("Als ehemalige Ehrenamtliche weiß ich, wie es hinten aussieht", "de", "former_employee",
         "Als ehemalige Ehrenamtliche"),
        ("I volunteered at the shelter for three years and saw this", "en", "former_employee",
         "I volunteered at the shelter for three years"),
        ("As a former volunteer I can confirm", "en", "former_employee", "As a former volunteer"),
        # A span of years and a role (outside tester F's bank adviser: "Ich war 11 Jahre Berater bei").
        ("Ich war 11 Jahre Berater bei der Elbtal Bank. Was ich da erlebt habe", "de", "former_employee",
         "Ich war 11 Jahre Berater bei"),
        ("Ich war jahrelang Filialleiterin in der Zweigstelle Pirna", "de", "former_employee",
         "Ich war jahrelang Filialleiterin in der"),
        ("I was a cashier at Tesco for six years and this is normal there", "en", "former_employee",
         "I was a cashier at Tesco for six years"),
    ],
)
def test_claims(text: str, lang: str | None, kind: str, cue: str) -> None:
    claim = detect_author_claim(text, lang)
    assert claim is not None
    assert (claim.kind, claim.cue) == (kind, cue)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("What a lovely day", "en"),
        ("i work for myself these days", "en"),
        ("Ich bin bei dir", "de"),
        ("Die Bahn ist super", "de"),
        ("", "en"),
        (None, "de"),
        ("former president visits the factory", "en"),
        ("I worked 6 hours for nothing", "en"),
        ("I called my mum 2 days ago and she said hi", "en"),
        ("Seit 3 Tagen keine Zeit zum Lesen", "de"),
        ("I spent two months with Acme support on the phone", "en"),
        ("I worked two years to save for this trip with Acme", "en"),
        ("Wir suchen Ehrenamtliche für das Sommerfest", "de"),
        ("I volunteer on Saturdays, come along", "en"),
        # found by a review of a first version: other people, other volunteering
        ("The former volunteer coordinator was fired", "en"),
        ("My friend, an ex-volunteer, says it is bad", "en"),
        ("Die früheren Helfer wurden rausgeworfen", "de"),
        ("Ich habe ehrenamtlich für die Flutopfer gesammelt", "de"),
        # Long-standing customers, members and passengers are not insiders (most found by a review).
        ("Ich war 20 Jahre Kundin bei der Sparkasse", "de"),
        ("Ich war jahrelang Stammkunde bei euch, jetzt reicht es", "de"),
        ("Ich war 10 Jahre Privatkundin bei der Sparkasse", "de"),
        ("Ich war 10 Jahre Geschäftskunde bei euch", "de"),
        ("Ich war 10 Jahre Vielflieger bei Altairo", "de"),
        ("Ich war jahrelang zufrieden bei euch", "de"),
        ("Ich war 3 Jahre treu bei euch", "de"),
        ("Ich war jahrelang Mitglied im Verein", "de"),
        ("Ich war gestern bei der Elbtal Bank", "de"),
        ("I was a loyal customer at Tesco for six years", "en"),
        ("I was a happy customer at Acme for six years", "en"),
        ("I was a frequent flyer with Altairo for 10 years", "en"),
        ("I was a gold member with Acme for 3 years", "en"),
        ("I was a student at Acme for 2 years", "en"),
        ("I was a member of the gym for 3 years", "en"),
    ],
)
def test_no_claim(text: str | None, lang: str | None) -> None:
    assert detect_author_claim(text, lang) is None


def test_former_employee_wins_over_complaint() -> None:
    claim = detect_author_claim("As a former employee: I want my money back", "en")
    assert claim is not None and claim.kind == "former_employee"


@pytest.mark.parametrize(
    ("text", "harm"),
    [
        ("Heute im Laugenbrötchen ein Stück Hartplastik gefunden, mein Sohn hätte sich fast dran verschluckt", True),
        ("Gehäuse ist bei Nenndruck gerissen, ein Kollege wurde an der Hand verletzt", True),
        ("Mein Sohn ist nach dem Essen im Krankenhaus gelandet", True),
        ("Found a piece of glass in my salad", True),
        ("The charger exploded while my phone was on it", True),
        ("My daughter got sick after eating your nuggets, food poisoning", True),
        ("Burned my hand on the kettle lid, it has no insulation", True),
        ("FOUND HARD PLASTIC IN MY ROLL", True),
        # Customers' data exposed (an outside tester's security researcher, read neutral).
        ("A seller is offering what looks like an Acme account database: 2.1M emails, bcrypt hashes", True),
        ("Acme data breach: change your passwords now", True),
        ("Kundendaten von Acme stehen zum Verkauf im Netz", True),
        ("Datenleck bei Acme?", True),
        ("Forgot my password again, third time this week", False),
        ("Acme tickets for sale, DM me", False),
        ("Please delete my customer data, I am leaving", False),
        ("Data-Breach bei Acme", True),
        ("Kundendaten im Netz aufgetaucht", True),
        # found by a review of a first version
        ("Wie kann ich meine Kundendaten im Netz ändern?", False),
        ("Acme bietet keine Möglichkeit, Passwörter zu ändern", False),
        ("They keep offering me to reset my password", False),
        ("Der Shop verkauft jetzt auch Passwörter-Manager", False),
        ("Acme verkauft Gutscheine, Kundendaten braucht man nicht", False),
        ("Müller hat sich im Training verletzt", False),
        ("Die Preise sind explodiert", False),
        ("Prices exploded this year", False),
        ("this track is fire", False),
        ("Mann bei Verkehrsunfall leicht verletzt", False),
        ("He choked on Sunday again, classic", False),
        # found by a review: everyday complaints and figures of speech
        ("There was a bug in the checkout again", False),
        ("My phone bill exploded this month", False),
        ("Die Kosten für die Heizung sind explodiert", False),
        ("My kids got sick of waiting for the delivery", False),
        ("Das Cockpit ist voller billigem Hartplastik", False),
        ("Ich bin fast erstickt vor Lachen bei eurem Werbespot", False),
        ("The new dark mode hurt my eyes", False),
        ("Der kleine Kiosk im Krankenhaus hat zu", False),
        ("", False),
        (None, False),
    ],
)
def test_reports_of_harm(text: str | None, harm: bool) -> None:
    assert reports_harm(text) == harm


@pytest.mark.parametrize(
    "text", ["Ein STÜCK HARTPLASTIK im Brötchen", "GLASSPLITTER", "Battery   CAUGHT  FIRE", "am Arm verletzt", "İnjured my hand",
             "PASSWORDS LEAKED", "DATENLECK"],
)
def test_the_harm_cue_check_agrees_with_the_patterns(text: str) -> None:
    from detectors.author_claims import _HARM

    assert reports_harm(text) == (_HARM.search(text) is not None)
