"""Phrase banks for generated social traffic, in English and German.

Templates use ``{city}``, ``{line}``, ``{time}``, ``{minutes}``, ``{brand}`` and
``{handle}`` slots. Every bank was checked against the shipped sentiment model
(``tests/detectors/test_scenarios.py`` keeps it honest): negative banks read
negative, positive banks positive, so scenarios exercise the real enrichment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

Bank = Mapping[str, tuple[str, ...]]

SLOTS: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = {
    "en": {
        "city": ("Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt", "Leipzig", "Hanover", "Stuttgart"),
        "line": ("ICE 571", "RE 7", "IC 2013", "ICE 1004", "RB 33", "the 7:42", "the night train", "S 1"),
        "time": ("7:15", "8:05", "9:40", "12:10", "17:25", "18:03", "21:50"),
        "minutes": ("20", "35", "45", "50", "70", "90"),
    },
    "de": {
        "city": ("Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Leipzig", "Hannover", "Stuttgart"),
        "line": ("ICE 571", "RE 7", "IC 2013", "ICE 1004", "RB 33", "der 7:42", "der Nachtzug", "S 1"),
        "time": ("7:15", "8:05", "9:40", "12:10", "17:25", "18:03", "21:50"),
        "minutes": ("20", "35", "45", "50", "70", "90"),
    },
}

NEUTRAL: Final[Bank] = {
    "en": (
        "Taking the {line} to {city} this morning",
        "Does anyone know if the {time} to {city} runs on Sundays?",
        "Which platform does the {line} to {city} leave from?",
        "Booked my tickets to {city} for next week",
        "On the train to {city}, reading a book",
        "Is the {line} running on the normal timetable today?",
        "Heading to {city} for a meeting, back tonight",
        "How early should I be at the station for the {time} to {city}?",
        "Changing trains in {city} in ten minutes",
        "Just got the new timetable for the {line}",
    ),
    "de": (
        "Fahre heute mit dem Zug nach {city}",
        "Weiß jemand, ob der {time} nach {city} auch sonntags fährt?",
        "Heute geht es mit der Bahn nach {city}",
        "Tickets für {city} nächste Woche gebucht",
        "Morgen früh mit dem {line} nach {city}",
        "Fährt der {line} heute nach normalem Fahrplan?",
        "Wochenende in {city}, Anreise mit dem Zug",
        "Umstieg in {city} in zehn Minuten",
        "Neuer Fahrplan für den {line} ist da",
        "Wie früh sollte ich für den {time} nach {city} am Bahnhof sein?",
    ),
}

POSITIVE: Final[Bank] = {
    "en": (
        "Smooth ride to {city} today, right on time! Thanks {handle}",
        "The conductor on the {line} was really kind and helpful, thank you",
        "Love the new quiet coach, great for working",
        "Great service today, the staff in {city} helped me with my luggage",
        "Perfect connection in {city}, well done {handle}",
        "Thanks for the quick help with my ticket, much appreciated!",
        "Beautiful views on the way to {city}, love this route",
        "Fast and comfortable trip to {city}, great job",
    ),
    "de": (
        "Super Fahrt nach {city}, pünktlich angekommen! Danke {handle}",
        "Sehr freundliche Zugbegleiterin im {line}, vielen Dank!",
        "Danke für die schnelle Hilfe mit meinem Ticket, super Service!",
        "Toller Service heute in {city}, vielen Dank!",
        "Perfekter Anschluss in {city}, danke!",
        "Schöne Fahrt nach {city}, super bequem und pünktlich, danke",
        "Klasse, WLAN im Zug funktioniert heute super, danke!",
        "Danke an das freundliche Team in {city}, toller Service",
    ),
}

NEGATIVE: Final[Bank] = {
    "en": (
        "{line} to {city} delayed by {minutes} minutes again. Missed my connection.",
        "No seats on the {time} to {city} again, this is ridiculous",
        "The wifi on this train is useless, as always",
        "Another delay in {city}. So annoying.",
        "Air conditioning broken on the {line} again, awful",
        "Why is the {time} always late? Terrible",
        "Ticket machine in {city} broken again, missed my train",
        "Toilets on the {line} out of order, disgusting",
    ),
    "de": (
        "{line} nach {city} schon wieder {minutes} Minuten Verspätung. Anschluss verpasst, ich bin so genervt.",
        "Kein Sitzplatz im {time} nach {city}, das ist echt schlecht",
        "Das WLAN im Zug ist wie immer nutzlos und schlecht",
        "Schon wieder Verspätung in {city}. Nervt total.",
        "Klimaanlage im {line} schon wieder kaputt, furchtbar",
        "Fahrkartenautomat in {city} kaputt, Zug verpasst. Ärgerlich!",
        "Zug fällt aus, keine Information, einfach schlecht",
        "Toiletten im {line} defekt, ekelhaft",
    ),
}

COMPLAINT_ROOT: Final[Bank] = {
    "en": (
        "{handle} my train to {city} was cancelled and nobody tells us anything. I want a refund.",
        "{handle} I have been waiting three weeks for my refund. This is unacceptable.",
        "{handle} the {line} to {city} got cancelled and I missed my flight. Who pays for that?",
        "{handle} I paid for a first class seat and there was no first class coach. Terrible.",
    ),
    "de": (
        "{handle} mein Zug nach {city} ist ausgefallen und niemand sagt etwas. Ich will mein Geld zurück.",
        "{handle} seit drei Wochen warte ich auf meine Erstattung. Unmöglich.",
        "{handle} der {line} nach {city} fällt aus und ich verpasse meinen Flug. Wer zahlt das?",
        "{handle} ich habe erste Klasse bezahlt und es gab keinen Wagen der ersten Klasse. Frechheit.",
    ),
}

SERVICE_REPLY: Final[Bank] = {
    "en": (
        "Sorry to hear that! Please send us your booking number via DM and we will look into it.",
        "We apologise for the delay. Please DM us and we will check your refund.",
        "Sorry for the trouble. Our team will get back to you by DM today.",
    ),
    "de": (
        "Das tut uns leid! Schick uns bitte deine Buchungsnummer per DM, wir kümmern uns.",
        "Entschuldige bitte die Verspätung. Schreib uns eine DM, wir prüfen die Erstattung.",
        "Tut uns leid! Unser Team meldet sich heute per DM bei dir.",
    ),
}

AGREEING_REPLY: Final[Bank] = {
    "en": (
        "Same here, my train was late too",
        "Happened to me last week as well",
        "Good luck, took them a month to answer me",
    ),
    "de": (
        "Bei mir genauso, mein Zug war auch zu spät",
        "Ist mir letzte Woche auch passiert, echt schlecht",
        "Viel Glück, bei mir hat es einen Monat gedauert",
    ),
}

OWNED_POST: Final[Bank] = {
    "en": (
        "New this week: more direct trains between {city} and Berlin. Book now!",
        "Planning a trip? Our summer saver fares start today.",
        "Construction works near {city} this weekend: please check your connection before you travel.",
        "Our new app update makes booking seats even easier.",
    ),
    "de": (
        "Neu ab dieser Woche: mehr Direktverbindungen zwischen {city} und Berlin. Jetzt buchen!",
        "Reise geplant? Unsere Sommer-Sparpreise starten heute.",
        "Bauarbeiten bei {city} am Wochenende: bitte prüft vor der Fahrt eure Verbindung.",
        "Mit dem neuen App-Update bucht ihr Sitzplätze noch einfacher.",
    ),
}

RUDE_REPLY: Final[Bank] = {
    "en": ("{handle} Maybe read the terms and conditions before you complain. Delays happen, not our problem.",),
    "de": ("{handle} Vielleicht erst mal die AGB lesen, bevor Sie sich beschweren. Verspätungen passieren, nicht unser Problem.",),
}

OUTRAGE: Final[Bank] = {
    "en": (
        "Wow, {brand} telling a paying customer it is not their problem. Unbelievable.",
        "This is how you treat customers? Disgraceful answer from {brand}",
        "Screenshot taken. What an arrogant, rude reply from {brand}",
        "Never travelling with you again after this answer. Shameful.",
        "Who runs this account? Terrible way to talk to a customer",
        "Read the terms?? Your trains are late every day. Pathetic.",
        "Absolutely disgusting response to a customer who lost money",
        "Unacceptable. {brand} owes this customer an apology",
    ),
    "de": (
        "Was für eine unverschämte Antwort von {brand}. Schlecht!",
        "So redet ihr mit zahlenden Kunden? Unverschämt und schlecht",
        "Unverschämt und arrogant, diese Antwort von {brand}. Peinlich",
        "Nie wieder fahre ich mit euch nach dieser Antwort. Schlecht.",
        "AGB lesen?? Eure Züge sind jeden Tag zu spät. Lächerlich und frech",
        "Widerlich, wie ihr mit Kunden umgeht, die Geld verloren haben",
        "Frechheit! {brand} schuldet der Kundin eine Entschuldigung. Schlechter Stil",
        "Das ist so respektlos gegenüber Kunden. Schlechter Service, schlechter Ton",
    ),
}

CEO_POST: Final[Bank] = {
    "en": ("Why we are closing 40 ticket offices: our customers buy 90% of tickets online, and we will invest the savings in digital services.",),
    "de": ("Warum wir 40 Reisezentren schließen: 90 % der Tickets werden online gekauft, wir investieren die Einsparungen in digitale Services.",),
}

CEO_ANGRY: Final[Bank] = {
    "en": (
        "Closing ticket offices is a disgrace. What about elderly people?",
        "Terrible decision. My grandmother cannot buy tickets online.",
        "Cutting service and raising prices, shameful",
        "This is a bad joke. You are abandoning rural stations.",
        "Awful plan, the ticket office in {city} is always busy",
        "Worst decision ever. People will lose their jobs for your bonus",
    ),
    "de": (
        "Reisezentren schließen ist eine Schande und schlecht für ältere Menschen",
        "Schlechte Entscheidung. Meine Oma kann keine Tickets online kaufen.",
        "Service abbauen und Preise erhöhen, schämt euch, furchtbar",
        "Schlechter Witz. Ihr lasst die Bahnhöfe auf dem Land im Stich.",
        "Schlechter Plan, das Reisezentrum in {city} ist immer voll",
        "Schlimmste Entscheidung. Leute verlieren ihren Job, schlecht",
    ),
}

CEO_OTHER: Final[Bank] = {
    "en": (
        "Makes sense, I buy everything in the app anyway",
        "What happens to the staff of the ticket offices?",
        "Will there still be help at the station for people with disabilities?",
    ),
    "de": (
        "Macht Sinn, ich kaufe eh alles in der App",
        "Was passiert mit den Mitarbeitenden der Reisezentren?",
        "Gibt es am Bahnhof weiterhin Hilfe für Menschen mit Behinderung?",
    ),
}

PRICE_POST: Final[Bank] = {
    "en": ("From next month, monthly passes will cost 12% more. Here is why.",),
    "de": ("Ab nächstem Monat kosten Monatskarten 12 % mehr. Hier erklären wir, warum.",),
}

PRICE_ANGRY: Final[Bank] = {
    "en": (
        "12% more for trains that are always late? Outrageous",
        "Terrible. Wages do not go up 12% either",
        "Worse service, higher prices. Awful",
    ),
    "de": (
        "12 % mehr für Züge, die immer zu spät sind? Frechheit, schlecht",
        "Die Preiserhöhung ist unfair und schlecht, die Löhne steigen nicht",
        "Schlechterer Service, höhere Preise. Schlecht",
    ),
}

DELETION_PROTEST: Final[Bank] = {
    "en": (
        "Why did you delete my comment? It was polite criticism.",
        "{brand} is deleting every critical comment under the price post. Censorship.",
        "My comment about the price increase was removed. Why?",
        "Deleting criticism instead of answering it. Shameful.",
        "They removed my comment too. Hiding criticism will not make it go away.",
        "Censorship on the {brand} page, screenshots of the deleted comments are everywhere",
    ),
    "de": (
        "Warum wurde mein Kommentar gelöscht? Das war sachliche Kritik. Schlecht!",
        "{brand} löscht jeden kritischen Kommentar unter dem Preis-Post. Zensur! Schlecht",
        "Mein Kommentar zur Preiserhöhung wurde entfernt. Zensur, schämt euch",
        "Kritik löschen statt antworten. Peinlich und feige.",
        "Hier wird jede Kritik gelöscht. Zensur!",
        "Gelöschte Kommentare, Zensur bei {brand}. Schlechter Stil",
    ),
}

LEAK_POST: Final[Bank] = {
    "en": ("As a former employee of {brand} I can tell you the brakes are not checked properly. They cut maintenance to save money and management knows it.",),
    "de": ("Als ehemaliger Mitarbeiter von {brand} kann ich sagen: die Bremsen werden nicht richtig geprüft. Es wird an der Wartung gespart und die Leitung weiß das.",),
}

LEAK_REACTION: Final[Bank] = {
    "en": (
        "Shocking. If this is true nobody should ride these trains",
        "This is terrifying. {brand} needs to answer this now",
        "Scary. I take this train every day with my kids",
        "Horrible if true, where is the regulator?",
        "Unbelievable negligence. Sharing this everywhere",
    ),
    "de": (
        "Erschreckend. Wenn das stimmt, ist das furchtbar",
        "Schlimm! {brand} muss sich sofort dazu äußern",
        "Beängstigend und furchtbar, ich fahre täglich mit meinen Kindern",
        "Skandal, furchtbar, wo ist die Aufsicht?",
        "Unglaublich schlecht und verantwortungslos. Teile das überall",
    ),
}

OUTAGE: Final[Bank] = {
    "en": (
        "App down and ticket machines not working in {city}. What a mess",
        "Can't buy a ticket anywhere, the whole system is down. Terrible",
        "{brand} app crashed again, stuck at the station in {city}, awful",
        "No trains, no information, app broken. Worst day ever",
        "Booking system down for an hour now. Ridiculous",
    ),
    "de": (
        "App down und Automaten in {city} kaputt. Chaos, furchtbar",
        "Kann nirgends ein Ticket kaufen, das ganze System ist down. Schlecht",
        "{brand} App schon wieder abgestürzt, stecke in {city} fest, furchtbar",
        "Keine Züge, keine Infos, App kaputt. Schlimmster Tag",
        "Buchungssystem seit einer Stunde down. Lächerlich und schlecht",
    ),
}

VIRAL_POST: Final[Bank] = {
    "en": ("Huge thanks to the {brand} crew on the {line} who found my daughter's lost teddy bear and drove it to our home! Heroes ❤️",),
    "de": ("Riesigen Dank an das {brand} Team im {line}, das den verlorenen Teddy meiner Tochter gefunden und zu uns gebracht hat! Helden ❤️",),
}

VIRAL_REACTION: Final[Bank] = {
    "en": (
        "This is so lovely, made my day ❤️",
        "What a wonderful story, thank you {brand}",
        "Heroes indeed! Great job",
        "Faith in humanity restored, beautiful",
        "Love this so much, well done team",
    ),
    "de": (
        "Wie schön, das hat meinen Tag gerettet ❤️",
        "Tolle Geschichte, danke {brand}!",
        "Echte Helden! Super gemacht",
        "So schön, vielen Dank an das Team",
        "Wunderbar, das freut mich sehr, danke!",
    ),
}

CONTEST_POST: Final[Bank] = {
    "en": ("Photo contest! Show us your most beautiful view from the train. Best photo wins a weekend trip.",),
    "de": ("Fotowettbewerb! Zeigt uns euren schönsten Blick aus dem Zugfenster. Das beste Foto gewinnt eine Wochenendreise.",),
}

CONTEST_REACTION: Final[Bank] = {
    "en": (
        "Here is mine from the coast line, love this route!",
        "Great idea, what a beautiful contest",
        "Sunset near {city}, best view ever",
        "Lovely pictures everyone, thanks for this",
        "My kids loved this trip, here is our photo",
        "Snowy mountains from the night train, wonderful",
    ),
    "de": (
        "Hier ist meins von der Küstenstrecke, wunderschön!",
        "Tolle Idee, super Wettbewerb, danke",
        "Sonnenuntergang bei {city}, schönster Blick, toll",
        "Wunderschöne Bilder, danke für die Aktion!",
        "Meine Kinder lieben diese Strecke, hier unser Foto, toll",
        "Verschneite Berge aus dem Nachtzug, wunderbar",
    ),
}

RANT: Final[Bank] = {
    "en": (
        "{handle} I have been waiting three weeks for my refund and still nothing. Terrible.",
        "{handle} still no answer about my refund. Awful service.",
        "{handle} day 21 without my refund. This is a joke.",
        "{handle} why do you ignore my emails? Worst customer service.",
    ),
    "de": (
        "{handle} seit drei Wochen warte ich auf meine Erstattung, immer noch nichts. Schlecht.",
        "{handle} immer noch keine Antwort zu meiner Erstattung. Furchtbarer Service.",
        "{handle} Tag 21 ohne Erstattung. Schlechter Witz.",
        "{handle} warum ignoriert ihr meine Mails? Schlechtester Kundenservice.",
    ),
}

ALL_BANKS: Final[Mapping[str, tuple[Bank, str]]] = {
    "NEUTRAL": (NEUTRAL, "not_negative"),
    "POSITIVE": (POSITIVE, "positive"),
    "NEGATIVE": (NEGATIVE, "negative"),
    "OUTRAGE": (OUTRAGE, "negative"),
    "CEO_ANGRY": (CEO_ANGRY, "negative"),
    "PRICE_ANGRY": (PRICE_ANGRY, "negative"),
    "DELETION_PROTEST": (DELETION_PROTEST, "negative"),
    "LEAK_REACTION": (LEAK_REACTION, "negative"),
    "OUTAGE": (OUTAGE, "negative"),
    "VIRAL_REACTION": (VIRAL_REACTION, "positive"),
    "CONTEST_REACTION": (CONTEST_REACTION, "not_negative"),
    "RANT": (RANT, "negative"),
}
"""Bank name -> (bank, what the sentiment model must mostly say about it)."""
