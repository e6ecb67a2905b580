"""Held-out scenarios: crises and a control the detectors were *not* designed on.

The main suite (:mod:`detectors.scenarios`) was looked at while the detectors and their
parameters were chosen, so its scores are optimistic. These scenarios were written
afterwards, from situations the field knows, with fresh phrase lists that were not
checked against (or tuned to) the sentiment model or the detectors' word patterns:
``flarewatch evaluate-detectors --suite heldout`` is the out-of-sample check. They reuse
the generator (background traffic, variants) and the onset convention of the main suite:
the onset is the trigger's time (the first deletion for a moderation crisis, the first
campaign post for a boycott).

Origin of a boycott campaign (:func:`boycott_hashtag`): the people who start it are not
the brand, but no post in the stream starts it and the incident schema's origin names who
wrote the trigger; a brand-wide signal has no trigger. Expected: ``unknown`` with no
trigger, like the main suite's outage and sentiment shift. Naming it ``external`` would
need a detector that finds the campaign itself (the same hashtag from many new authors).

>>> scenario = build_scenario("executive_weekend_remark", seed=2)
>>> scenario.expectation.trigger_event_id, (scenario.expectation.onset_ms // 86_400_000 + 3) % 7
('exec-remark', 5)
>>> build_scenario("executive_weekend_remark", seed=2).events == scenario.events
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from detectors.scenarios import (
    ACME_RAIL,
    NORTHLINE,
    Expectation,
    Scenario,
    _build,
    _builder,
    _finish,
    texts,
)
from detectors.scenarios.generator import (
    DEFAULT_VARIANT,
    HOUR_MS,
    MINUTE_MS,
    Variant,
)
from schemas.records import Author, RawEvent

# ------------------------------------------------------------------ phrases

EXECUTIVE_REMARK: Final[texts.Bank] = {
    "en": ("Saturday night honesty: people who whine about a ten-minute delay should just buy a car. "
           "Our passengers are spoiled.",),
    "de": ("Samstagabend, Zeit für Klartext: Wer wegen zehn Minuten Verspätung rumheult, soll halt Auto fahren. "
           "Unsere Fahrgäste sind verwöhnt.",),
}

EXECUTIVE_OUTRAGE: Final[texts.Bank] = {
    "en": (
        "The CEO of {brand} just called her own passengers spoiled. Unreal.",
        "So this is what the boss of {brand} thinks of us. Stuck on the {line} for {minutes} minutes last week, but sure, I'm spoiled",
        "Imagine being a CEO and telling your customers to buy a car. Resign.",
        "Screenshot before it gets deleted. The arrogance of {brand}'s CEO",
        "My mother commutes two hours a day on your trains and you call her whiny? Disgraceful",
        "Nurses and cleaners ride the {time} to {city} every day. Spoiled? Seriously?",
        "Fine, I'll take the car like your CEO says. Bye {brand}",
        "Someone who talks about customers like that should not run a company",
    ),
    "de": (
        "Die Chefin von {brand} nennt ihre Fahrgäste verwöhnt. Unfassbar.",
        "So denkt die Vorstandschefin über uns Pendler. Rücktritt!",
        "Screenshot gemacht, bevor das gelöscht wird. Was für eine Arroganz der {brand}-Chefin",
        "Ich stand letzte Woche {minutes} Minuten in {city} und bin jetzt also verwöhnt? Frechheit",
        "Dann fahr ich eben Auto, wie die Chefin empfiehlt. Tschüss {brand}",
        "Wer so über Kunden redet, gehört nicht an die Spitze eines Unternehmens.",
        "Pflegekräfte fahren jeden Tag mit dem {line}. Verwöhnt? Geht's noch?",
        "Jahresabo gekündigt. Danke für die Ehrlichkeit, Frau Chefin.",
    ),
}

INFLUENCER_VIDEO: Final[texts.Bank] = {
    "en": ("Filmed this on my {brand} train to {city} today: water pouring through the ceiling right onto the "
           "power sockets. This is a fire waiting to happen. I would not put my kids on these trains. Watch till the end",),
    "de": ("Heute im {brand}-Zug nach {city} gefilmt: Wasser läuft durch die Decke direkt auf die Steckdosen. "
           "Das ist ein Brand mit Ansage. Meine Kinder würde ich da nicht reinsetzen. Bis zum Ende schauen",),
}

INFLUENCER_REACTION: Final[texts.Bank] = {
    "en": (
        "Omg that is actually dangerous",
        "This can't be legal, where is the safety inspector?",
        "Same on my train last month, puddles everywhere",
        "Never taking {brand} again after seeing this",
        "Is this real?? 😳",
        "{brand} please explain this",
        "Tagging {brand}, you need to see this",
        "Wow. Just wow.",
        "And they raise prices every year for this",
    ),
    "de": (
        "Krass, das ist ja lebensgefährlich",
        "Ist das echt? {brand} bitte erklären",
        "Bei uns im {line} tropft es auch ständig von der Decke",
        "Unfassbar, wie kann so ein Zug noch fahren?",
        "Und dafür zahlen wir jedes Jahr mehr",
        "Das muss die Aufsichtsbehörde sehen",
    ),
}

FEE_POST: Final[texts.Bank] = {
    "en": ("From 1 April, seat reservations in second class cost €4.90. All details in the link.",),
    "de": ("Ab 1. April kostet die Sitzplatzreservierung auch in der 2. Klasse 4,90 €. Alle Infos im Link.",),
}

PUNCTUALITY_POST: Final[texts.Bank] = {
    "en": ("Our punctuality in February: 91% of our trains arrived on time. Thank you to all our colleagues!",),
    "de": ("Unsere Pünktlichkeit im Februar: 91 % unserer Züge kamen pünktlich an. Danke an alle Kolleginnen und Kollegen!",),
}

FEE_CRITIC: Final[texts.Bank] = {
    "en": (
        "A fee for a seat reservation? You already charge enough",
        "So now I pay extra to sit in a train that is late anyway",
        "91%? Not on the {line}, that's for sure",
        "Who counts a train as on time, 15 minutes late? Nice statistics",
    ),
    "de": (
        "Jetzt auch noch Gebühr für die Sitzplatzreservierung? Ernsthaft?",
        "Erst Preise rauf, jetzt Reservierung kostenpflichtig. Ihr vergrault eure Stammkunden",
        "91 %? Im {line} jedenfalls nicht",
        "Ab wann zählt ein Zug bei euch als pünktlich? Schöne Statistik",
    ),
}

SILENCING_PROTEST: Final[texts.Bank] = {
    "en": (
        "Anyone else's comments vanishing from the {brand} page? Mine was gone after five minutes",
        "Silencing paying customers instead of fixing the trains. Classy.",
        "Pretty sure {brand} shadowbanned me for asking about the fee",
        "Gone again. They really don't want anyone to read criticism over there",
        "Screenshots of everything they wiped from their page are going around",
        "So we're not allowed to ask questions on the {brand} page anymore?",
    ),
    "de": (
        "Kommentare verschwinden hier einfach, sobald sie kritisch sind",
        "Mein Kommentar ist weg. Wird hier jetzt zensiert?",
        "Shadowban von {brand}, weil ich nach der Gebühr gefragt habe?",
        "Schon der dritte Kommentar, der verschwindet. Transparenz sieht anders aus",
        "Wer hier etwas Kritisches schreibt, wird ausgeblendet. Feige.",
        "Erst die Gebühr, dann Maulkorb für alle, die fragen",
    ),
}

BOYCOTT_POST: Final[texts.Bank] = {
    "en": (
        "{brand} is scrapping the night trains and raising fares again. I'm done. #BoycottNorthline",
        "Take the bus this Saturday. #BoycottNorthline",
        "Not buying a single {brand} ticket this month #BoycottNorthline",
        "They cut rural lines and pay record bonuses. #BoycottNorthline",
        "Joining #BoycottNorthline. Cancelled my season ticket today.",
        "Share this: every empty seat counts. #BoycottNorthline",
        "No night train to {city} any more? Then no money from me. #BoycottNorthline",
    ),
    "de": (
        "{brand} streicht die Nachtzüge und erhöht schon wieder die Preise. Mir reicht's. #BoykottNorthline",
        "Diesen Samstag nehmen wir den Bus. #BoykottNorthline",
        "Diesen Monat kaufe ich kein einziges {brand}-Ticket #BoykottNorthline",
        "Nebenstrecken kürzen und Rekordboni zahlen. #BoykottNorthline",
        "Bin dabei: #BoykottNorthline. Abo heute gekündigt.",
        "Teilen! Jeder leere Sitz zählt. #BoykottNorthline",
    ),
}

APOLOGY_POST: Final[texts.Bank] = {
    "en": ("Yesterday our booking system was down for six hours. That was not okay, and we apologise to everyone "
           "who missed a train. We are refunding every affected ticket automatically.",),
    "de": ("Gestern ist unser Buchungssystem sechs Stunden ausgefallen. Das war nicht in Ordnung, und wir entschuldigen "
           "uns bei allen, die ihren Zug verpasst haben. Alle betroffenen Tickets erstatten wir automatisch.",),
}

APOLOGY_THANKS: Final[texts.Bank] = {
    "en": (
        "Thank you for owning it, that's rare",
        "Appreciate the honest apology",
        "Thanks, the refund already arrived!",
        "Good move, thank you",
        "Respect for saying sorry publicly",
        "Finally a company that apologises properly",
    ),
    "de": (
        "Danke, dass ihr dazu steht",
        "Respekt für die ehrliche Entschuldigung",
        "Erstattung ist schon da, danke!",
        "Gut gemacht, so geht Kommunikation",
        "Danke für die schnelle Erstattung",
        "Fehler passieren, danke für die offenen Worte",
    ),
}

APOLOGY_MIXED: Final[texts.Bank] = {
    "en": (
        "Nice words, but I'm still waiting for my refund from last month",
        "An apology doesn't get me to the job interview I missed",
        "Happens far too often though",
    ),
    "de": (
        "Schöne Worte, aber mein Geld ist immer noch nicht da",
        "Entschuldigung angenommen, aber das passiert viel zu oft",
        "Und wer erstattet mir das Taxi?",
    ),
}

HELDOUT_BANKS: Final[Mapping[str, texts.Bank]] = {
    "EXECUTIVE_OUTRAGE": EXECUTIVE_OUTRAGE, "INFLUENCER_REACTION": INFLUENCER_REACTION, "FEE_CRITIC": FEE_CRITIC,
    "SILENCING_PROTEST": SILENCING_PROTEST, "BOYCOTT_POST": BOYCOTT_POST, "APOLOGY_THANKS": APOLOGY_THANKS,
    "APOLOGY_MIXED": APOLOGY_MIXED,
}
"""The crowd banks, for reporting how the sentiment model reads them (they are not tuned to it)."""


# ---------------------------------------------------------------- scenarios

def executive_weekend_remark(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """The CEO's personal account calls passengers spoiled on a Saturday evening; the outrage
    spreads as quote-shares and posts of their own, few replies in the thread."""
    brand = ACME_RAIL
    builder = _builder(brand, seed, 4, "exec", variant, saturday=True)
    builder.background()
    onset = builder.onset(19.5)
    lang = builder.voice("de")
    remark = builder.emit(onset, builder.account(brand.executives[0], 38_000), "post",
                          builder.text(EXECUTIVE_REMARK, lang), lang, platform="twitter", event_id="exec-remark")

    def react(moment: int, author: Author) -> None:
        voice = lang if builder.rng.random() < 0.75 else builder.language()
        draw = builder.rng.random()
        if draw < 0.45:
            quote = builder.text(EXECUTIVE_OUTRAGE, voice) if builder.rng.random() < 0.7 else None
            builder.emit(moment, author, "share", quote, voice if quote else None, parent=remark)
        elif draw < 0.88:
            builder.emit(moment, author, "post", builder.text(EXECUTIVE_OUTRAGE, voice), voice)
        else:
            builder.emit(moment, author, "reply", builder.text(EXECUTIVE_OUTRAGE, voice), voice, parent=remark)

    builder.crowd(onset + 4 * MINUTE_MS, 420, 100 * MINUTE_MS, 2 * HOUR_MS, react)
    return _finish(builder, "executive_weekend_remark",
                   "CEO's personal account insults passengers on Saturday evening; quote-shares and posts",
                   Expectation(("owned_post_backlash", "comment_flood"), "self_inflicted", remark.id, onset))


def influencer_video_claim(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """A verified influencer (1.85 M followers) posts a video claiming the brand's trains are a
    fire risk, in English about a German brand; shares accelerate, many replies."""
    brand = ACME_RAIL
    builder = _builder(brand, seed, 4, "influencer", variant)
    builder.background()
    onset = builder.onset(16.0)
    lang = builder.voice("en")
    post = builder.emit(onset, builder.newcomer(followers=1_850_000), "post", builder.text(INFLUENCER_VIDEO, lang),
                        lang, platform="instagram", event_id="influencer-video")

    def react(moment: int, author: Author) -> None:
        voice = builder.voice("de") if builder.rng.random() < 0.3 else lang
        draw = builder.rng.random()
        if draw < 0.55:
            builder.emit(moment, author, "share", None, None, parent=post)
        elif draw < 0.95:
            builder.emit(moment, author, "reply", builder.text(INFLUENCER_REACTION, voice), voice, parent=post)
        else:
            builder.emit(moment, author, "post", builder.text(INFLUENCER_REACTION, voice), voice)

    builder.crowd(onset + 3 * MINUTE_MS, 650, HOUR_MS, 3 * HOUR_MS, react)
    return _finish(builder, "influencer_video_claim",
                   "verified influencer's damaging video claim (English, German brand) spreads",
                   Expectation(("external_post_backlash",), "external", post.id, onset))


def moderation_two_waves(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """The community manager removes critical comments under a fee post, then under a
    punctuality post three hours later; users protest in their own words ("comments vanish",
    "shadowban", "silencing", "zensiert"), a little after the first wave, much after the second."""
    brand = ACME_RAIL
    builder = _builder(brand, seed, 4, "silenced", variant)
    builder.background()
    onset = builder.onset(10.0)
    moderator = builder.account(brand.moderators[0], 900)
    posts: list[RawEvent] = []
    for wave, (bank, post_at, deleted, protesters) in enumerate((
        (FEE_POST, onset - 60 * MINUTE_MS, 5, 45),
        (PUNCTUALITY_POST, onset + 150 * MINUTE_MS, 7, 180),
    )):
        post_lang = builder.voice("de")
        post = builder.emit(post_at, builder.account(brand.owned[0]), "post", builder.text(bank, post_lang), post_lang,
                            platform="facebook", event_id=f"silenced-post-{wave + 1}")
        posts.append(post)
        critics = []
        for index, moment in enumerate(builder.times(post_at + 4 * MINUTE_MS, deleted + 3, 20 * MINUTE_MS, 30 * MINUTE_MS)):
            lang = builder.voice("de" if index % 3 else "en")
            critics.append(builder.emit(moment, builder.newcomer(), "comment", builder.text(FEE_CRITIC, lang), lang,
                                        parent=post))
        first_deletion = onset if wave == 0 else post_at + 60 * MINUTE_MS
        for index, critic in enumerate(critics[:deleted]):
            builder.emit(max(first_deletion + index * 4 * MINUTE_MS, critic.created_at_ms + MINUTE_MS), moderator,
                         "deletion", None, None, parent=critic, deleted_by="moderator")

        def protest(moment: int, author: Author, post: RawEvent = post) -> None:
            lang = builder.voice("de" if builder.rng.random() < 0.65 else "en")
            if builder.rng.random() < 0.5:
                builder.emit(moment, author, "comment", builder.text(SILENCING_PROTEST, lang), lang, parent=post)
            else:
                builder.emit(moment, author, "post", builder.text(SILENCING_PROTEST, lang), lang)

        builder.crowd(first_deletion + 8 * MINUTE_MS, protesters, 60 * MINUTE_MS, 90 * MINUTE_MS, protest)
    return _finish(builder, "moderation_two_waves",
                   "community manager removes critical comments on two posts; protest in new words",
                   Expectation(("moderation_backlash",), "self_inflicted", posts[0].id, onset))


def boycott_hashtag(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """A boycott hashtag: hundreds of new authors post (and share each other's) negative posts,
    no trigger post; it starts at ordinary volume and builds over four hours."""
    brand = NORTHLINE
    builder = _builder(brand, seed, 4, "boycott", variant)
    builder.background()
    onset = builder.onset(10.0)
    campaign: list[RawEvent] = []

    def join(moment: int, author: Author) -> None:
        if campaign and builder.rng.random() < 0.25:
            builder.emit(moment, author, "share", None, None, parent=builder.rng.choice(campaign[-30:]))
            return
        lang = builder.voice("en" if builder.rng.random() < 0.85 else "de")
        campaign.append(builder.emit(moment, author, "post", builder.text(BOYCOTT_POST, lang), lang,
                                     platform=builder.rng.choice(("twitter", "twitter", "instagram", "facebook"))))

    builder.crowd(onset, 300, 4 * HOUR_MS, 3 * HOUR_MS, join, repeat_share=0.05)
    return _finish(builder, "boycott_hashtag", "boycott hashtag from many new authors, no trigger post",
                   Expectation(("negative_spike", "negative_shift"), "unknown", None, onset))


def apology_thanks(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """Control: the brand apologises for yesterday's outage; hundreds thank it, a few grumble."""
    brand = ACME_RAIL
    builder = _builder(brand, seed, 4, "apology", variant)
    builder.background()
    onset = builder.onset(12.0)
    lang = builder.voice("de")
    post = builder.emit(onset, builder.account(brand.owned[0]), "post", builder.text(APOLOGY_POST, lang), lang,
                        platform="facebook", event_id="apology-post")

    def react(moment: int, author: Author) -> None:
        voice = lang if builder.rng.random() < 0.7 else builder.language()
        draw = builder.rng.random()
        if draw < 0.2:
            builder.emit(moment, author, "share", None, None, parent=post)
        else:
            bank = APOLOGY_MIXED if builder.rng.random() < 0.15 else APOLOGY_THANKS
            builder.emit(moment, author, "comment", builder.text(bank, voice), voice, parent=post)

    builder.crowd(onset + 2 * MINUTE_MS, 550, 90 * MINUTE_MS, 3 * HOUR_MS, react)
    return _finish(builder, "apology_thanks", "control: the brand's apology post draws hundreds of thanks")


SCENARIOS: Final[Mapping[str, Callable[[int, Variant], Scenario]]] = {
    "executive_weekend_remark": executive_weekend_remark,
    "influencer_video_claim": influencer_video_claim,
    "moderation_two_waves": moderation_two_waves,
    "boycott_hashtag": boycott_hashtag,
    "apology_thanks": apology_thanks,
}
"""The held-out suite (``flarewatch evaluate-detectors --suite heldout``)."""


def build_scenario(name: str, seed: int = 1, variant: Variant | str = DEFAULT_VARIANT) -> Scenario:
    """Held-out scenario ``name`` from ``seed``, varied by ``variant`` (as :func:`detectors.scenarios.build_scenario`)."""
    return _build(SCENARIOS, "held-out scenario", name, seed, variant)
