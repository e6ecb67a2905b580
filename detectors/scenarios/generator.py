"""Seeded generator of social traffic around a brand: ordinary days plus injected episodes.

Pure and deterministic: a :class:`StreamBuilder` draws everything from one
``random.Random(seed)``; the same seed gives the same events, byte for byte.
Ordinary traffic has a daily rhythm (night lull, commuter peaks, quieter
weekends) with day-to-day and hour-to-hour noise, a mix of mentions, replies
and shares in English and German, complaint threads the brand's service
account answers politely, the brand's own posts drawing comments, and the
occasional spam comment a moderator removes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Final

from detectors.scenarios import texts
from schemas.records import Author, DeletedBy, EventKind, Platform, RawEvent

HOUR_MS: Final = 3_600_000
MINUTE_MS: Final = 60_000
DAY_MS: Final = 24 * HOUR_MS

HOURLY_PROFILE: Final = (
    0.15, 0.1, 0.08, 0.08, 0.1, 0.3, 0.7, 1.3, 1.5, 1.1, 0.9, 0.9,
    1.0, 0.95, 0.9, 1.0, 1.3, 1.6, 1.5, 1.2, 0.9, 0.7, 0.45, 0.25,
)
"""Relative traffic by UTC hour for a central-European brand (commuter peaks)."""

PLATFORM_WEIGHTS: Final[tuple[tuple[Platform, float], ...]] = (
    ("twitter", 0.5), ("facebook", 0.22), ("instagram", 0.15), ("forum", 0.06), ("news", 0.03), ("other", 0.04),
)
_FIRST: Final = (
    "anna", "ben", "clara", "david", "emma", "felix", "greta", "hannah", "jonas", "lena", "max", "mia",
    "noah", "olivia", "paul", "sophie", "tim", "laura", "lukas", "julia", "sam", "kim", "alex", "chris",
)
_LAST: Final = ("mueller", "schmidt", "weber", "fischer", "wagner", "becker", "hoffmann", "smith", "jones", "brown")


@dataclass(frozen=True, slots=True)
class BrandSpec:
    """A watched brand as the scenarios and the brand registry see it."""

    name: str
    display: str
    """How people mention it in text, e.g. ``@acmerail``."""
    languages: tuple[str, ...]
    language_weights: tuple[float, ...]
    owned: tuple[str, ...]
    agency: tuple[str, ...] = ()
    executives: tuple[str, ...] = ()
    moderators: tuple[str, ...] = ()

    def registry_entry(self) -> dict[str, object]:
        accounts = {
            "owned": list(self.owned), "agency": list(self.agency),
            "executives": list(self.executives), "moderators": list(self.moderators),
        }
        return {"name": self.name, "languages": list(self.languages),
                "accounts": {group: handles for group, handles in accounts.items() if handles}}


@dataclass(frozen=True, slots=True)
class Variant:
    """How a scenario is varied: brand size, time of the episode, languages, crowd, fields.

    Every field left at its default keeps the scenario as it is (``Variant()`` changes
    nothing, byte for byte). Named variants compose with ``+`` (see :func:`parse_variant`).
    """

    name: str = "default"
    events_per_peak_hour: float | None = None
    """Ordinary traffic in the busiest hour (``None``: the scenario's own level, 80 for most)."""
    onset_hour: float | None = None
    """UTC hour of the episode's onset on the last day (``None``: the scenario's own)."""
    weekend: bool = False
    """The last day (the episode's) is a Saturday."""
    languages: tuple[str, ...] | None = None
    """The brand's only language(s): every text, episode included, is in one of them."""
    crowd_factor: float = 1.0
    """Size of every episode's crowd relative to the scenario's own."""
    ramp_factor: float = 1.0
    """Duration of every episode's rise relative to the scenario's own (2: builds twice as slowly)."""
    sparse: bool = False
    """Events carry no ``lang`` and authors no follower count or verified flag."""
    scattered: float = 0.0
    """Share of an episode's in-thread replies and comments posted instead as posts of their own
    on another platform (screenshots, quotes without a link)."""

    def brand(self, spec: BrandSpec) -> BrandSpec:
        if self.languages is None:
            return spec
        return replace(spec, languages=self.languages, language_weights=tuple(1.0 for _ in self.languages))

    def __add__(self, other: Variant) -> Variant:
        changes = {
            item.name: getattr(other, item.name) for item in fields(other)
            if item.name != "name" and getattr(other, item.name) != getattr(DEFAULT_VARIANT, item.name)
        }
        name = other.name if self.name == "default" else f"{self.name}+{other.name}"
        return replace(self, name=name, **changes)


DEFAULT_VARIANT: Final = Variant()

VARIANTS: Final[Mapping[str, Variant]] = {
    variant.name: variant for variant in (
        DEFAULT_VARIANT,
        Variant("small", events_per_peak_hour=10.0),
        Variant("big", events_per_peak_hour=2000.0),
        Variant("night", onset_hour=2.5),
        Variant("peak", onset_hour=17.0),
        Variant("weekend", weekend=True),
        Variant("de_only", languages=("de",)),
        Variant("en_only", languages=("en",)),
        Variant("small_crowd", crowd_factor=0.2),
        Variant("slow", ramp_factor=2.0),
        Variant("sparse", sparse=True),
        Variant("scattered", scattered=0.4),
    )
}
"""Named variants; ``small+night`` is the small brand's crisis at night."""


def parse_variant(spec: str) -> Variant:
    """``"small+night"`` -> the composed :class:`Variant`.

    >>> variant = parse_variant("small+night")
    >>> variant.name, variant.events_per_peak_hour, variant.onset_hour
    ('small+night', 10.0, 2.5)
    """
    variant = DEFAULT_VARIANT
    for part in spec.split("+"):
        if part not in VARIANTS:
            raise KeyError(f"unknown variant {part!r}; known: {', '.join(VARIANTS)}")
        variant = variant + VARIANTS[part]
    return variant


@dataclass(slots=True)
class StreamBuilder:
    """Builds one brand's event stream; call :meth:`background`, then inject episodes."""

    brand: BrandSpec
    seed: int
    start_ms: int
    days: int
    events_per_peak_hour: float = 80.0
    prefix: str = "ev"
    parent_only_share: float = 0.4
    """Share of Twitter replies to replies that name only their parent, not the thread root."""
    variant: Variant = DEFAULT_VARIANT
    rng: random.Random = field(init=False)
    events: list[RawEvent] = field(default_factory=list)
    _roots: list[RawEvent] = field(default_factory=list)
    _counter: int = 0
    _users: list[Author] = field(default_factory=list)
    _fresh: int = 0
    _in_episode: bool = False

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._users = [self._person(index) for index in range(3000)]
        self.brand = self.variant.brand(self.brand)
        if self.variant.events_per_peak_hour is not None:
            self.events_per_peak_hour = self.variant.events_per_peak_hour

    # ------------------------------------------------------------ people, words

    def _person(self, index: int, followers: int | None = None) -> Author:
        rng = self.rng
        handle = f"{rng.choice(_FIRST)}_{rng.choice(_LAST)}{index}"
        if followers is None:
            followers = int(math.exp(rng.gauss(5.0, 1.4)))
        return Author(id=f"u{self.seed}-{index}", handle=handle, followers=followers, verified=followers > 50_000)

    def regular(self) -> Author:
        """Someone from the usual crowd; a few people post far more than most."""
        index = min(int((self.rng.paretovariate(1.1) - 1.0) * 200), len(self._users) - 1)
        return self._users[(index * 7919) % len(self._users)]

    def newcomer(self, followers: int | None = None) -> Author:
        """Someone who has not posted before (crowds in an episode are mostly new voices)."""
        self._fresh += 1
        return self._person(100_000 + self._fresh, followers)

    def account(self, handle: str, followers: int = 250_000) -> Author:
        return Author(id=f"acct-{handle}", handle=handle, followers=followers, verified=True)

    def language(self) -> str:
        return self.rng.choices(self.brand.languages, weights=self.brand.language_weights)[0]

    def voice(self, lang: str) -> str:
        """``lang`` if the brand is discussed in it, else the brand's first language."""
        return lang if lang in self.brand.languages else self.brand.languages[0]

    def onset(self, hour: float) -> int:
        """The episode's onset on the last day: at ``hour`` (or the variant's) plus up to 19 minutes."""
        jitter = self.rng.randrange(0, 20) * MINUTE_MS
        if self.variant.onset_hour is not None:
            hour = self.variant.onset_hour
        return self.start_ms + (self.days - 1) * DAY_MS + int(hour * HOUR_MS) + jitter

    def text(self, bank: texts.Bank, lang: str) -> str:
        slots = {key: self.rng.choice(values) for key, values in texts.SLOTS[lang].items()}
        return self.rng.choice(bank[lang]).format(brand=self.brand.display, handle=self.brand.display, **slots)

    def platform(self) -> Platform:
        platforms = [platform for platform, _ in PLATFORM_WEIGHTS]
        weights = [weight for _, weight in PLATFORM_WEIGHTS]
        chosen: Platform = self.rng.choices(platforms, weights=weights)[0]
        return chosen

    # ------------------------------------------------------------------ events

    def emit(
        self,
        time_ms: int,
        author: Author,
        kind: EventKind,
        text: str | None,
        lang: str | None,
        *,
        parent: RawEvent | None = None,
        platform: Platform | None = None,
        deleted_by: DeletedBy | None = None,
        event_id: str | None = None,
    ) -> RawEvent:
        self._counter += 1
        event_id = event_id or f"{self.prefix}-{self._counter:06d}"
        if (
            self._in_episode and parent is not None and kind in ("reply", "comment") and self.variant.scattered
            and self.rng.random() < self.variant.scattered
        ):
            kind, parent = "post", None
            platform = self.rng.choice([name for name, _ in PLATFORM_WEIGHTS if name != platform])
        if parent is not None:
            platform = platform or parent.platform
        platform = platform or self.platform()
        if self.variant.sparse:
            lang = None
            author = Author(id=author.id, handle=author.handle)
        root_id = None if parent is None else (parent.root_id or parent.id)
        if parent is not None and parent.parent_id is not None and platform == "twitter" and (
            self.rng.random() < self.parent_only_share
        ):
            root_id = None  # like a tweet reply: in_reply_to only, the conversation root left out
        event = RawEvent(
            id=event_id,
            platform=platform,
            kind=kind,
            brand=self.brand.name,
            created_at_ms=int(time_ms),
            author=author,
            text=text,
            lang=lang,
            parent_id=None if parent is None else parent.id,
            root_id=root_id,
            deleted_by=deleted_by,
            url=f"https://{platform}.example/{author.handle}/{event_id}",
        )
        self.events.append(event)
        if parent is None and kind == "post":
            self._roots.append(event)
            if len(self._roots) > 400:
                del self._roots[:100]
        return event

    def recent_root(self, time_ms: int, within_ms: int = 3 * HOUR_MS) -> RawEvent | None:
        candidates = [root for root in self._roots[-150:] if 0 <= time_ms - root.created_at_ms <= within_ms]
        return self.rng.choice(candidates) if candidates else None

    def poisson(self, mean: float) -> int:
        if mean <= 0:
            return 0
        if mean > 50:
            return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))
        limit, product, count = math.exp(-mean), self.rng.random(), 0
        while product > limit:
            product *= self.rng.random()
            count += 1
        return count

    def times(self, start_ms: int, total: int, ramp_ms: int, decay_ms: int) -> list[int]:
        """``total`` moments of an episode: rising over ``ramp_ms``, then fading with ``decay_ms``."""
        moments = []
        ramp_share = ramp_ms / (ramp_ms + decay_ms)
        for _ in range(total):
            if self.rng.random() < ramp_share:
                offset = ramp_ms * math.sqrt(self.rng.random())
            else:
                offset = ramp_ms + self.rng.expovariate(1.0 / decay_ms)
            moments.append(start_ms + int(offset))
        return sorted(moments)

    # -------------------------------------------------------------- background

    def background(self, *, negative_share: Callable[[int], float] | None = None,
                   rate_factor: Callable[[int], float] | None = None) -> None:
        """Ordinary traffic for every day; ``negative_share(t)`` and ``rate_factor(t)`` reshape it."""
        rng = self.rng
        for day in range(self.days):
            day_start = self.start_ms + day * DAY_MS
            weekend = ((day_start // DAY_MS) + 3) % 7 >= 5  # 1970-01-01 was a Thursday
            day_level = math.exp(rng.gauss(0.0, 0.12)) * (0.8 if weekend else 1.0)
            for hour in range(24):
                hour_level = day_level * HOURLY_PROFILE[hour] * math.exp(rng.gauss(0.0, 0.15))
                for slot in range(12):
                    slot_start = day_start + hour * HOUR_MS + slot * 5 * MINUTE_MS
                    factor = rate_factor(slot_start) if rate_factor else 1.0
                    count = self.poisson(self.events_per_peak_hour / 12 * hour_level * factor)
                    share = negative_share(slot_start) if negative_share else 0.27
                    for _ in range(count):
                        self._ordinary(slot_start + rng.randrange(5 * MINUTE_MS), share)
            self._brand_day(day_start, weekend)
        self.events.sort(key=lambda event: (event.created_at_ms, event.id))

    def _mood_bank(self, negative_share: float) -> texts.Bank:
        draw = self.rng.random()
        if draw < negative_share:
            return texts.NEGATIVE
        return texts.POSITIVE if draw < negative_share + 0.25 else texts.NEUTRAL

    def _ordinary(self, time_ms: int, negative_share: float) -> None:
        rng = self.rng
        lang = self.language()
        draw = rng.random()
        target = self.recent_root(time_ms)
        if draw < 0.3 and target is not None:
            self.emit(time_ms, self.regular(), rng.choice(("reply", "comment")),
                      self.text(self._mood_bank(negative_share), lang), lang, parent=target)
        elif draw < 0.42 and target is not None:
            self.emit(time_ms, self.regular(), "share", None, None, parent=target)
        elif draw < 0.45:
            self._complaint_thread(time_ms, lang)
        else:
            self.emit(time_ms, self.regular(), "post", self.text(self._mood_bank(negative_share), lang), lang)

    def _complaint_thread(self, time_ms: int, lang: str) -> None:
        """A customer complains; the service account answers politely; a few people agree."""
        rng = self.rng
        root = self.emit(time_ms, self.regular(), "post", self.text(texts.COMPLAINT_ROOT, lang), lang)
        if rng.random() < 0.6 and self.brand.owned:
            self.emit(time_ms + rng.randrange(5, 40) * MINUTE_MS, self.account(self.brand.owned[-1]), "reply",
                      self.text(texts.SERVICE_REPLY, lang), lang, parent=root)
        for _ in range(rng.randrange(0, 4)):
            self.emit(time_ms + rng.randrange(2, 120) * MINUTE_MS, self.regular(), "reply",
                      self.text(texts.AGREEING_REPLY, lang), lang, parent=root)

    @property
    def audience(self) -> float:
        """How many comments and shares the brand's own posts draw: a brand sized by the variant
        has an audience growing with its traffic (not proportionally) from 1 at 80 events per
        peak hour; the scenarios' own levels keep theirs at 1."""
        size = self.variant.events_per_peak_hour
        return 1.0 if size is None else (size / 80.0) ** 0.6

    def _brand_day(self, day_start: int, weekend: bool) -> None:
        rng = self.rng
        for hour in (9, 13, 17.5) if not weekend else (11,):
            lang = self.language()
            post = self.emit(day_start + int(hour * HOUR_MS) + rng.randrange(20) * MINUTE_MS,
                             self.account(self.brand.owned[0]), "post", self.text(texts.OWNED_POST, lang), lang,
                             platform=rng.choice(("facebook", "twitter", "instagram")))
            self.comments(post, self.poisson(18 * self.audience), 3 * HOUR_MS, negative_share=0.22)
            for moment in self.times(post.created_at_ms, self.poisson(8 * self.audience), 30 * MINUTE_MS, 2 * HOUR_MS):
                self.emit(moment, self.regular(), "share", None, None, parent=post)
        if self.brand.moderators and rng.random() < 0.7:
            target = self._roots[-1] if self._roots else None
            if target is not None:
                moment = day_start + rng.randrange(8, 20) * HOUR_MS
                spam = self.emit(moment, self.newcomer(3), "comment", "Win a free iPhone!!! Click here www.free-prizes.example",
                                 "en", parent=target)
                self.emit(moment + rng.randrange(3, 30) * MINUTE_MS, self.account(self.brand.moderators[0], 900),
                          "deletion", None, None, parent=spam, deleted_by="moderator")

    def comments(self, post: RawEvent, count: int, span_ms: int, negative_share: float,
                 bank_negative: texts.Bank = texts.NEGATIVE) -> None:
        for moment in self.times(post.created_at_ms + MINUTE_MS, count, span_ms // 6, span_ms // 3):
            lang = post.lang or self.language()
            mood = self._mood_bank(negative_share)
            bank = bank_negative if mood is texts.NEGATIVE else mood
            self.emit(moment, self.regular(), "comment", self.text(bank, lang), lang, parent=post)

    def crowd(
        self,
        start_ms: int,
        total: int,
        ramp_ms: int,
        decay_ms: int,
        make: Callable[[int, Author], None],
        repeat_share: float = 0.1,
    ) -> None:
        """An episode's crowd: mostly new voices, some people coming back (sized and paced by the variant)."""
        seen: list[Author] = []
        total = max(1, round(total * self.variant.crowd_factor))
        ramp_ms = int(ramp_ms * self.variant.ramp_factor)
        self._in_episode = True
        for moment in self.times(start_ms, total, ramp_ms, decay_ms):
            if seen and self.rng.random() < repeat_share:
                author = self.rng.choice(seen)
            else:
                author = self.newcomer()
                seen.append(author)
            make(moment, author)
        self._in_episode = False

    def finish(self) -> tuple[RawEvent, ...]:
        end = self.start_ms + self.days * DAY_MS
        return tuple(sorted((event for event in self.events if event.created_at_ms < end),
                            key=lambda event: (event.created_at_ms, event.id)))


def brands_registry(brands: Sequence[BrandSpec]) -> Mapping[str, object]:
    """The ``brands.yaml`` structure for these brands (see :mod:`schemas.brands`)."""
    return {"brands": [brand.registry_entry() for brand in brands]}
