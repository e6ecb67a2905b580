"""The scenario suite: generated multi-day streams, each with one crisis or a negative control.

Every scenario is a pure function of its seed: ordinary traffic with a daily
rhythm and noise for several days (so the series detectors have their
baseline), then on the last day one episode. A crisis scenario says what must
be found (:class:`Expectation`: incident type(s), origin, trigger event id,
onset); a control expects nothing. ``flarewatch evaluate-detectors`` runs them
all through the real enrichment and the engine.

>>> scenario = build_scenario("angry_customer", seed=7)
>>> scenario.expectation is None, scenario.days, len(scenario.events) > 1000
(True, 4, True)
>>> build_scenario("angry_customer", seed=7).events == scenario.events
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from detectors.scenarios import texts
from detectors.scenarios.generator import (
    DAY_MS,
    DEFAULT_VARIANT,
    HOUR_MS,
    MINUTE_MS,
    BrandSpec,
    StreamBuilder,
    Variant,
    brands_registry,
)
from detectors.scenarios.generator import (
    VARIANTS as VARIANTS,
)
from detectors.scenarios.generator import (
    parse_variant as parse_variant,
)
from schemas.records import Author, EventKind, IncidentType, Origin, RawEvent

START_MS: Final = 1_772_409_600_000
"""2026-03-02T00:00:00Z, a Monday."""

ACME_RAIL: Final = BrandSpec(
    name="acme-rail", display="@acmerail", languages=("de", "en"), language_weights=(0.6, 0.4),
    owned=("acmerail", "acmerail_help"), agency=("brightside_pr",), executives=("jana_meier_ceo",),
    moderators=("acme_community",),
)
NORTHLINE: Final = BrandSpec(
    name="northline", display="@northline", languages=("en",), language_weights=(1.0,),
    owned=("northline", "northline_help"), agency=("loudhouse_agency",), executives=("tom_baker_ceo",),
    moderators=("northline_mods",),
)
BRANDS: Final = (ACME_RAIL, NORTHLINE)


@dataclass(frozen=True, slots=True)
class Expectation:
    types: tuple[IncidentType, ...]
    """Any of these types counts as found (the first is the intended one)."""
    origin: Origin
    trigger_event_id: str | None
    onset_ms: int


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    brand: str
    days: int
    start_ms: int
    events: tuple[RawEvent, ...]
    expectation: Expectation | None
    """``None`` for a negative control: nothing should fire."""
    variant: str = DEFAULT_VARIANT.name


def registry_data(variant: Variant = DEFAULT_VARIANT) -> Mapping[str, Any]:
    """The brand registry (``brands.yaml`` structure) for every scenario brand (in the variant's languages)."""
    return brands_registry([variant.brand(brand) for brand in BRANDS])


def _builder(brand: BrandSpec, seed: int, days: int, prefix: str, variant: Variant, *,
             saturday: bool = False) -> StreamBuilder:
    start = START_MS
    if saturday or variant.weekend:  # start so that the last day is a Saturday (START_MS is a Monday)
        start += ((5 - (days - 1)) % 7) * DAY_MS
    return StreamBuilder(brand=brand, seed=seed, start_ms=start, days=days, prefix=prefix, variant=variant)


def _finish(builder: StreamBuilder, name: str, description: str, expectation: Expectation | None = None) -> Scenario:
    return Scenario(name=name, description=description, brand=builder.brand.name, days=builder.days,
                    start_ms=builder.start_ms, events=builder.finish(), expectation=expectation,
                    variant=builder.variant.name)


# ----------------------------------------------------------------- crises

def rude_reply(seed: int, brand: BrandSpec = ACME_RAIL, days: int = 4, crowd: int = 600,
               lang: str | None = None, prefix: str = "rude", events_per_peak_hour: float = 80.0,
               in_thread: float = 0.8, by_agency: bool = False, ramp_minutes: int = 90,
               variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """The brand's own account (or its agency) answers a complaining customer rudely; outrage follows.

    ``in_thread``: share of the outrage that replies to or shares the reply; the rest are
    posts of their own (screenshots, quotes without a link).
    """
    builder = _builder(brand, seed, days, prefix, variant)
    builder.events_per_peak_hour = variant.events_per_peak_hour or events_per_peak_hour
    builder.background()
    onset = builder.onset(9.5)
    lang = builder.voice(lang or builder.brand.languages[0])
    customer = builder.newcomer(followers=420)
    complaint = builder.emit(onset - 9 * MINUTE_MS, customer, "post", builder.text(texts.COMPLAINT_ROOT, lang), lang,
                             platform="twitter", event_id=f"{prefix}-complaint")
    responder = builder.account(brand.agency[0] if by_agency else brand.owned[-1])
    reply = builder.emit(onset, responder, "reply", builder.text(texts.RUDE_REPLY, lang), lang,
                         parent=complaint, event_id=f"{prefix}-rude-reply")

    def react(moment: int, author: Author) -> None:
        voice = builder.language() if builder.rng.random() < 0.3 else lang
        bank = texts.OUTRAGE if builder.rng.random() < 0.85 else texts.NEUTRAL
        draw = builder.rng.random()
        if draw < 0.7 * in_thread:
            builder.emit(moment, author, "reply", builder.text(bank, voice), voice, parent=reply)
        elif draw < in_thread:
            builder.emit(moment, author, "share", builder.text(texts.OUTRAGE, voice) if builder.rng.random() < 0.5 else None,
                         voice, parent=reply)
        else:
            builder.emit(moment, author, "post", builder.text(texts.OUTRAGE, voice), voice)

    builder.crowd(onset + 2 * MINUTE_MS, crowd, ramp_minutes * MINUTE_MS, 90 * MINUTE_MS, react)
    who = "brand's agency" if by_agency else "brand's service account"
    where = "mostly in replies and shares" if in_thread >= 0.5 else "mostly in posts of their own"
    return _finish(builder, "rude_reply", f"{who} answers a complaint rudely, outrage {where} (owned_post_backlash)",
                   Expectation(("owned_post_backlash",), "self_inflicted", reply.id, onset))


def ceo_post_flood(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """The CEO's blog post about closing ticket offices draws a flood of angry comments."""
    brand = NORTHLINE
    builder = _builder(brand, seed, 4, "ceo", variant)
    builder.background()
    onset = builder.onset(8.0)
    lang = builder.voice("en")
    post = builder.emit(onset, builder.account(brand.executives[0], 12_000), "post",
                        builder.text(texts.CEO_POST, lang), lang, platform="blog", event_id="ceo-blog-post")

    def comment(moment: int, author: Author) -> None:
        bank = texts.CEO_ANGRY if builder.rng.random() < 0.65 else texts.CEO_OTHER
        kind: EventKind = "comment" if builder.rng.random() < 0.85 else "share"
        builder.emit(moment, author, kind, builder.text(bank, lang), lang, parent=post)

    builder.crowd(onset + 3 * MINUTE_MS, 800, HOUR_MS, 2 * HOUR_MS, comment, repeat_share=0.2)
    return _finish(builder, "ceo_post_flood", "CEO's blog post draws a flood of angry comments (comment_flood)",
                   Expectation(("comment_flood", "owned_post_backlash"), "self_inflicted", post.id, onset))


def moderation_backlash(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """Moderators delete critical comments under a price post; users protest the deleting."""
    brand = ACME_RAIL
    builder = _builder(brand, seed, 4, "mod", variant)
    builder.background()
    onset = builder.onset(11.0)
    post_lang = builder.voice("de")
    post = builder.emit(onset - 70 * MINUTE_MS, builder.account(brand.owned[0]), "post",
                        builder.text(texts.PRICE_POST, post_lang), post_lang, platform="facebook",
                        event_id="mod-price-post")
    critics = []
    for index, moment in enumerate(builder.times(post.created_at_ms + 5 * MINUTE_MS, 8, 20 * MINUTE_MS, 30 * MINUTE_MS)):
        lang = builder.voice("de" if index % 3 else "en")
        critics.append(builder.emit(moment, builder.newcomer(), "comment", builder.text(texts.PRICE_ANGRY, lang), lang,
                                    parent=post))
    moderator = builder.account(brand.moderators[0], 900)
    for index, critic in enumerate(critics[:6]):
        builder.emit(onset + index * 3 * MINUTE_MS, moderator, "deletion", None, None, parent=critic,
                     deleted_by="moderator")

    def protest(moment: int, author: Author) -> None:
        lang = builder.voice("de" if builder.rng.random() < 0.7 else "en")
        if builder.rng.random() < 0.6:
            builder.emit(moment, author, "comment", builder.text(texts.DELETION_PROTEST, lang), lang, parent=post)
        else:
            builder.emit(moment, author, "post", builder.text(texts.DELETION_PROTEST, lang), lang)

    builder.crowd(onset + 6 * MINUTE_MS, 250, 90 * MINUTE_MS, 2 * HOUR_MS, protest)
    return _finish(builder, "moderation_backlash", "deleted critical comments, then protest about the deleting",
                   Expectation(("moderation_backlash",), "self_inflicted", post.id, onset))


def former_employee_leak(seed: int, brand: BrandSpec = NORTHLINE, lang: str = "en", prefix: str = "leak",
                         variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """A self-declared former employee claims safety checks are skipped; the post spreads."""
    builder = _builder(brand, seed, 4, prefix, variant)
    builder.background()
    onset = builder.onset(14.0)
    lang = builder.voice(lang)
    post = builder.emit(onset, builder.newcomer(followers=800), "post", builder.text(texts.LEAK_POST, lang), lang,
                        platform="twitter", event_id=f"{prefix}-post")

    def spread(moment: int, author: Author) -> None:
        draw = builder.rng.random()
        if draw < 0.45:
            builder.emit(moment, author, "share", None, None, parent=post)
        elif draw < 0.9:
            builder.emit(moment, author, "reply", builder.text(texts.LEAK_REACTION, lang), lang, parent=post)
        else:
            builder.emit(moment, author, "post", builder.text(texts.LEAK_REACTION, lang), lang)

    builder.crowd(onset + 5 * MINUTE_MS, 450, 75 * MINUTE_MS, 3 * HOUR_MS, spread)
    return _finish(builder, "former_employee_leak", f"former employee's damaging claims spread ({lang}, external_post_backlash)",
                   Expectation(("external_post_backlash",), "external", post.id, onset))


def outage_spike(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """Ticketing outage: many people complain independently, in no single thread."""
    brand = ACME_RAIL
    builder = _builder(brand, seed, 4, "outage", variant)
    builder.background()
    onset = builder.onset(16.5)

    def complain(moment: int, author: Author) -> None:
        lang = builder.language()
        builder.emit(moment, author, "post", builder.text(texts.OUTAGE, lang), lang)

    builder.crowd(onset, 400, 20 * MINUTE_MS, 70 * MINUTE_MS, complain)
    return _finish(builder, "outage_spike", "ticketing outage: independent complaints (negative_spike)",
                   Expectation(("negative_spike", "negative_shift"), "unknown", None, onset))


def sentiment_shift(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """Ordinary volume, but for hours most mentions turn negative (a rumour about fares).

    The variant's ramp factor lets the share rise linearly over ``30 min x ramp_factor``
    (a step at onset otherwise); its crowd factor scales the jump (0.2: from 27 % to 35 %).
    """
    brand = NORTHLINE
    builder = _builder(brand, seed, 4, "shift", variant)
    # a shift in share needs a brand with enough traffic to measure
    builder.events_per_peak_hour = variant.events_per_peak_hour or 300.0
    hour = 10 + 25 / 60 if variant.onset_hour is None else variant.onset_hour + 25 / 60
    onset = builder.start_ms + 3 * DAY_MS + int(hour * HOUR_MS)
    peak_share = 0.7 if variant.crowd_factor == 1.0 else 0.27 + (0.7 - 0.27) * variant.crowd_factor
    ramp_ms = 0 if variant.ramp_factor == 1.0 else int(30 * MINUTE_MS * variant.ramp_factor)

    def share(t: int) -> float:
        if not onset <= t < onset + 5 * HOUR_MS:
            return 0.27
        if ramp_ms == 0 or t - onset + 5 * MINUTE_MS >= ramp_ms:
            return peak_share
        return 0.27 + (peak_share - 0.27) * (t - onset + 5 * MINUTE_MS) / ramp_ms

    builder.background(negative_share=share)
    return _finish(builder, "sentiment_shift", "share of negative mentions jumps at ordinary volume (negative_shift)",
                   Expectation(("negative_shift", "negative_spike"), "unknown", None, onset))


# -------------------------------------------------------------- controls

def ordinary_week(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """A week of normal traffic with its daily peaks: nothing should fire."""
    builder = _builder(ACME_RAIL, seed, 7, "week", variant)
    builder.background(rate_factor=lambda t: 1.35 if (t // HOUR_MS) % 24 in (7, 8, 17, 18) else 1.0)
    return _finish(builder, "ordinary_week", "control: a week of ordinary traffic with strong daily peaks")


def positive_viral(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """A celebrity thanks the crew; thousands of happy shares and replies."""
    brand = ACME_RAIL
    builder = _builder(brand, seed, 4, "viral", variant)
    builder.background()
    onset = builder.onset(12.0)
    lang = builder.voice("en")
    post = builder.emit(onset, builder.newcomer(followers=2_000_000), "post", builder.text(texts.VIRAL_POST, lang), lang,
                        platform="instagram", event_id="viral-post")

    def cheer(moment: int, author: Author) -> None:
        lang = builder.language()
        if builder.rng.random() < 0.55:
            builder.emit(moment, author, "share", None, None, parent=post)
        else:
            builder.emit(moment, author, "reply", builder.text(texts.VIRAL_REACTION, lang), lang, parent=post)

    builder.crowd(onset + 2 * MINUTE_MS, 1200, 2 * HOUR_MS, 3 * HOUR_MS, cheer)
    return _finish(builder, "positive_viral", "control: a positive viral moment")


def angry_customer(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """One customer posts about their refund sixty times in four hours."""
    brand = ACME_RAIL
    builder = _builder(brand, seed, 4, "rant", variant)
    builder.background()
    onset = builder.onset(9.0)
    customer = builder.newcomer(followers=310)
    first = None
    for index in range(60):
        lang = builder.voice("de")
        post = builder.emit(onset + index * 4 * MINUTE_MS, customer, "post", builder.text(texts.RANT, lang), lang)
        first = first or post
    if first is not None:
        builder.emit(onset + 25 * MINUTE_MS, builder.account(brand.owned[-1]), "reply",
                     builder.text(texts.SERVICE_REPLY, builder.voice("de")), builder.voice("de"), parent=first)
    return _finish(builder, "angry_customer", "control: one angry customer posting many times")


def friendly_thread(seed: int, variant: Variant = DEFAULT_VARIANT) -> Scenario:
    """The brand's photo contest draws hundreds of cheerful comments."""
    brand = NORTHLINE
    builder = _builder(brand, seed, 4, "contest", variant)
    builder.background()
    onset = builder.onset(15.0)
    lang = builder.voice("en")
    post = builder.emit(onset, builder.account(brand.owned[0]), "post", builder.text(texts.CONTEST_POST, lang), lang,
                        platform="instagram", event_id="contest-post")

    def join(moment: int, author: Author) -> None:
        builder.emit(moment, author, "comment", builder.text(texts.CONTEST_REACTION, lang), lang, parent=post)

    builder.crowd(onset + 2 * MINUTE_MS, 500, 2 * HOUR_MS, 3 * HOUR_MS, join, repeat_share=0.25)
    return _finish(builder, "friendly_thread", "control: a lively but friendly thread on the brand's post")


SCENARIOS: Final[Mapping[str, Callable[[int, Variant], Scenario]]] = {
    "rude_reply": lambda seed, variant: rude_reply(seed, variant=variant),
    "rude_reply_en": lambda seed, variant: rude_reply(seed, NORTHLINE, prefix="rude-en", variant=variant),
    "agency_quote_storm": lambda seed, variant: rude_reply(seed, NORTHLINE, prefix="quotes", in_thread=0.15,
                                                           by_agency=True, ramp_minutes=45, variant=variant),
    "ceo_post_flood": ceo_post_flood,
    "moderation_backlash": moderation_backlash,
    "former_employee_leak": lambda seed, variant: former_employee_leak(seed, variant=variant),
    "former_employee_leak_de": lambda seed, variant: former_employee_leak(seed, ACME_RAIL, "de", prefix="leak-de",
                                                                         variant=variant),
    "outage_spike": outage_spike,
    "sentiment_shift": sentiment_shift,
    "ordinary_week": ordinary_week,
    "positive_viral": positive_viral,
    "angry_customer": angry_customer,
    "friendly_thread": friendly_thread,
}


def build_scenario(name: str, seed: int = 1, variant: Variant | str = DEFAULT_VARIANT) -> Scenario:
    """Scenario ``name`` from ``seed``, varied by ``variant`` (a :class:`Variant` or a name like ``"small+night"``)."""
    return _build(SCENARIOS, "scenario", name, seed, variant)


def _build(factories: Mapping[str, Callable[[int, Variant], Scenario]], kind: str, name: str, seed: int,
           variant: Variant | str) -> Scenario:
    try:
        factory = factories[name]
    except KeyError:
        raise KeyError(f"unknown {kind} {name!r}; known: {', '.join(factories)}") from None
    scenario = factory(seed, parse_variant(variant) if isinstance(variant, str) else variant)
    return scenario if scenario.name == name else dataclasses.replace(scenario, name=name)


DEMO_EVENTS_FILE: Final = "demo_events.jsonl"
DEMO_BRANDS_FILE: Final = "demo_brands.yaml"


def demo_scenario(seed: int = 2026) -> Scenario:
    """The demo sample with its ground truth (onset, trigger): a day of ordinary traffic
    for acme-rail, then its service account's rude reply."""
    return rude_reply(seed, ACME_RAIL, days=2, crowd=400, prefix="demo", events_per_peak_hour=45.0)


def demo_events(seed: int = 2026) -> tuple[RawEvent, ...]:
    return demo_scenario(seed).events


def demo_files(seed: int = 2026) -> dict[str, bytes]:
    """File name -> exact bytes of the demo sample (``streams/samples``), regenerated from the seed."""
    import orjson
    import yaml

    from schemas.codec import ENCODE_OPTIONS, raw_event_to_dict

    lines = b"".join(orjson.dumps(raw_event_to_dict(event), option=ENCODE_OPTIONS) + b"\n" for event in demo_events(seed))
    header = (
        "# Brand registry for the bundled demo sample (streams/samples/demo_events.jsonl).\n"
        "# Generated by detectors.scenarios.demo_files(); format: see schemas/brands.py.\n"
    )
    brands = header + yaml.safe_dump({"brands": [ACME_RAIL.registry_entry()]}, sort_keys=False, allow_unicode=True)
    return {DEMO_EVENTS_FILE: lines, DEMO_BRANDS_FILE: brands.encode()}
