"""Conversations per thread: the bounded memory the thread-level detectors read.

A *thread* is the post a conversation hangs on (:attr:`RawEvent.thread_id`; a
reply that names only its parent joins its parent's thread, see :meth:`ThreadTracker.thread_of`).
:class:`ThreadTracker` folds enriched events into a :class:`ThreadBook`, a
frozen value holding the recently active threads of one brand. Reactions are
comments, replies and shares by authors who do not speak for the brand;
reaction counts are kept per event-time bucket for the last hour, so rates
and acceleration come from event time, never from the wall clock.

Self-protection: distinct authors are counted (hashed, capped), so one angry
customer posting fifty times is one voice; at most ``max_threads`` threads are
kept (least recently active evicted first) and a thread is forgotten
``idle_ms`` after its last event, which bounds the state a Faust table holds.

>>> tracker = ThreadTracker(ThreadParams())
>>> book = tracker.initial_state()
>>> from detectors.testing import enriched
>>> book = tracker.observe(book, enriched("p1", 0, role="owned", text="Read our terms."))
>>> book = tracker.observe(book, enriched("r1", 60_000, parent="p1", negative=True))
>>> thread = book.threads["p1"]
>>> thread.root.author_role, thread.reactions, thread.negative_reactions
('owned', 1, 1)
"""

from __future__ import annotations

import re
import zlib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Final, TypeVar

from detectors.author_claims import reports_harm
from detectors.sentiment.stance import leaves_brand, registry_names
from schemas.records import BRAND_ROLES, AuthorRole, ClaimKind, EnrichedEvent, EventKind, Trigger

REACTION_KINDS: Final[frozenset[EventKind]] = frozenset({"comment", "reply", "share"})

_DELETING = (
    r"(?:delet|remov|hid(?:e|ing|den)\b|wip(?:e|ed|ing)\b|scrub|eras|took down|taken down|nuked?\b|vanish|disappear|"
    r"\bgone\b|lösch|gelöscht|entfern|ausgeblendet|ausblend|verborgen|versteckt|verschwind|verschwund|\b(?:ist|sind) weg\b)"
)
_DELETED_THING = (
    r"(?:comment|post|review|reply|criticism|critique|question|feedback|"
    r"kommentar|beitr[aä]g|bewertung|rezension|kritik|antwort|frage|meinung)"
)
_SILENCING = r"censor|zensur|zensier|mundtot|maulkorb|silenc|shadow[- ]?ban"
_BLOCKED_ME = r"(?:block|bann|mut|sperr)\w*\s+(?:me|mich)\b|\bmich\s+(?:ge)?(?:block|bann|sperr)"
DELETION_COMPLAINT = re.compile(
    rf"{_SILENCING}|{_BLOCKED_ME}|{_DELETING}[^.!?]{{0,40}}{_DELETED_THING}|{_DELETED_THING}[^.!?]{{0,40}}{_DELETING}",
    re.IGNORECASE,
)
"""Users reacting to the deleting itself ("why did you delete my comment", "Zensur")."""

APOLOGETIC = re.compile(
    r"\bsorry\b|apolog|\bdm\b|direct message|tut (?:uns|mir) (?!nicht\b|kein)(?:\w+ )?leid|entschuldig|\bpn\b|direktnachricht|"
    r"\byou(?:'re| are) right\b|\b(?:sie haben|du hast) (?:völlig |absolut )?recht\b|"
    # Status updates: an outage notice reads negative ("delayed or failing") without a tone.
    r"\bwe(?:'re| are) aware\b|\b(?:our )?team is (?:on it|working|looking)|\bwe(?:'re| are) (?:working on|looking into|investigating)\b|"
    r"\bwir (?:arbeiten (?:mit hochdruck )?(?:daran|an einer lösung)|prüfen das|kümmern uns)\b|\bist (?:uns )?bekannt\b|"
    r"\bknown (?:issue|bug)\b|\bbekannte[rs]? (?:fehler|störung)\b|"
    r"\b(?:fix|patch|update)(?:es)? (?:is |are )?(?:rolling|being rolled) out\b|"
    r"\b(?:issue|problem|bug|outage|störung|fehler|ausfall)\w* (?:is|are|has been|have been|ist|sind|wurde|wurden) (?:now |jetzt |wieder )?(?:fixed|resolved|behoben)\b|"
    r"\b(?:ist|sind) (?:jetzt |wieder |inzwischen )?behoben\b|\btechniker(?:innen)? (?:arbeiten|sind (?:vor ort|unterwegs|dran))\b|"
    r"\bnicht betroffen\b|\bnot affected\b|"
    r"\b(?:halten|informieren) (?:euch|sie|dich) (?:auf dem laufenden|informiert|weiter)\b|\bkeep (?:you|everyone) (?:posted|updated|informed)\b|"
    r"\b(?:aktuell|derzeit|zurzeit) (?:kommt es zu|gibt es) (?:einer |einem |einigen )?(?:störung|ausfall|ausfällen|einschränkung)|"
    r"\bwe(?:'re| are) (?:currently )?(?:experiencing|seeing) (?:an? )?(?:outage|issues?|problems?|disruption)",
    re.IGNORECASE,
)
"""Service-desk replies ("Sorry to hear that, please DM us", "Sie haben recht, das ist
ärgerlich") and status updates ("We're aware some
orders are failing, our team is on it", "Known issue, fix is rolling out", "Die Störung ist
behoben") read negative to a sentiment model. Outside testers' outages were paged as a
backlash against the status update, with "apologise for the tone" as the first step."""
DISMISSIVE = re.compile(
    r"not (?:really |exactly )?our (?:problem|fault)|read the (?:terms|t&cs|conditions|faq)|(?<!not )(?<!n't )your (?:own )?fault|deal with it|"
    r"stop (?:whining|complaining|crying)|learn to read|nicht (?:wirklich |so ganz )?unser (?:problem|fehler)|selbst schuld|"
    r"(?:agb|bedingungen) (?:lesen|gelesen)|hören sie auf zu (?:jammern|meckern)|lernen sie lesen|"
    # Contempt for people who complain, whatever the sentence around it.
    r"\bwhin(?:ing|ers?|y)\b|\bcry ?bab(?:y|ies)\b|\bmoaners?\b|\bget over it\b|\bboo[ -]?hoo\b|"
    r"\b(?:rum)?jammer(?:n|t|st|ei)\b|\bgejammer\b|\brumheul(?:en|t|st)\b|\bheult doch\b|\bheulsusen?\b|\bmimosen?\b|"
    r"\bmeckerer\b|\bmeckerin(?:nen)?\b|\brummecker(?:n|t|st)\b|"
    # Showing the customer the door: "Dann kaufen Sie halt woanders", "Then order somewhere else."
    # (not "dann gehen Sie einfach woanders hin: unsere Filiale am Markt", "order elsewhere then:
    # try our Manchester store", "so we won't miss you next time").
    r"\b(?:kaufen|bestellen|essen|fliegen) sie (?:doch |halt |eben |dann )*woanders\b|"
    r"\bdann (?:kauf|bestell|iss|flieg)\w* (?:doch |halt |eben )*woanders\b|"
    r"(?:^|[.!?]\s+|@\w+\s+)then (?:shop|buy|order|eat|fly) (?:somewhere else|elsewhere)[.!]|"
    r"(?:^|[.!?]\s+)(?:we won['’]?t miss you|wir werden (?:sie|dich) nicht vermissen)[.!]",
    re.IGNORECASE,
)
"""A brushed-off customer, or contempt for complainers ("keep whining", "wer rumheult"):
hostile whatever the sentiment model says, which often reads sarcasm as neutral."""

TONE_COMPLAINT = re.compile(
    r"\brude\b|\bdisrespect(?:ful)?\b|\bunprofessional\b|\bcondescending\b|\bpatroni[sz]ing\b|\barrogan(?:t|ce)\b|"
    r"\binsulting\b|\b(?:body|fat)[- ]?sham|\bhow dare you\b|"
    r"\bwho (?:runs|manages|writes for|is running) (?:your|this|the) (?:account|socials?|social media|page)\b|"
    r"\b(?:talk|speak)(?:ing)? to (?:your |a )?customers? like\b|"
    r"\brespektlos\w*|\bunprofessionell\w*|\bherablassend\w*|\barrogant\w*|\bvon oben herab\b|"
    r"\bwer (?:betreut|macht|schreibt|managt) (?:euren|den|diesen|ihren|euer) (?:account|social|kanal|auftritt)|"
    r"\bso (?:redet|spricht|sprecht|reden) (?:man|ihr|sie) (?:nicht )?mit (?:euren |ihren |den )?(?:kunden|kundinnen|kund\*innen)\b",
    re.IGNORECASE,
)
"""People objecting to how the brand spoke ("rude", "who runs your account", "respektlos", "Wer
betreut euren Account"): the readers' verdict on a tone the sentiment model may have missed."""
_NEGATED_TONE: Final = re.compile(
    r"(?:\b(?:no|not|never|hardly|nicht|kein\w*|nie)|n['’]t)\s+(?:(?:really|so|very|at all|particularly|wirklich|gar|besonders)\s+)?$",
    re.IGNORECASE,
)
_TONE_WORDS: Final = ("rude", "disrespect", "unprofession", "condescend", "patroni", "arrogan", "insult", "respektlos",
                      "herablassend")


def objects_to_tone(text: str | None) -> bool:
    """Does a reaction object to how the brand spoke (:data:`TONE_COMPLAINT`), not deny it?

    A tone word right after a negation ("not rude", "no disrespect", "gar nicht respektlos") is
    a denial; "You don't talk to customers like that" and "Noch nie so eine respektlose Antwort"
    are objections.

    >>> objects_to_tone("Das ist so respektlos."), objects_to_tone("so redet ihr mit Kunden?")
    (True, True)
    >>> objects_to_tone("No disrespect, but the delay was fine"), objects_to_tone("That wasn't rude at all")
    (False, False)
    """
    for match in TONE_COMPLAINT.finditer(text or ""):
        if not match.group().lower().startswith(_TONE_WORDS):
            return True
        if _NEGATED_TONE.search((text or "")[max(0, match.start() - 30):match.start()]) is None:
            return True
    return False

CAUSE_OBJECTORS: Final = 3
"""People answering the brand's reply objecting to its tone that make it the thread's cause
however busy the thread was before it (the owned-post detector's ``min_objecting_authors``)."""

_Item = TypeVar("_Item")
_WORD = re.compile(r"[^\W\d_][\w'-]{2,}", re.UNICODE)
_STOPWORDS: Final = frozenset(
    """the and for you your our are was were this that with have has had not but they them
    their what why who how when just all can will would about from out get got been being its
    it's don't didn't can't won't i'm you're we're than then there here also very really only
    more most some any one again still even into over after before because while where which
    anyone anyway anymore anything around every everyone everything something nothing those
    these since other others ever yet much many such each both well now too though however
    should could must might shall let's isn't aren't wasn't doesn't i've i'll we've that's
    der die das und ist nicht mit für ein eine einen einem einer sie ich wir ihr euch uns auf
    den dem des von zu im in am an auch noch nur schon mal bei aus wie was wer warum wenn dass
    sich sind war hat habe haben wird werden kann können doch aber oder als man mein meine
    hier jetzt immer sehr denn did does doing alle allem allen aller alles dann erst etwas
    nach vor bis durch gegen ohne über unter zum zur dieser diese dieses diesem diesen kein
    keine keinen keiner keinem ihm ihn ihnen ihre ihren ihrem sein seine seinen seinem unser
    unsere unseren euer eure nun dort bin bist seid wurde wurden worden muss müssen soll
    sollen will wollen darf dürfen gibt geht mich mir dich dir""".split()  # noqa: SIM905 - a word list reads better as prose
)


def author_key(author_id: str) -> int:
    """A stable 32-bit hash of an author id: distinct counts without storing handles."""
    return zlib.crc32(author_id.encode("utf-8"))


def terms_of(text: str | None) -> list[str]:
    """Lower-cased content words (no stop words, no handles or links) for top-term evidence.

    >>> terms_of("Why did you DELETE my comment? @acme https://x.y #censorship")
    ['delete', 'comment', 'censorship']
    """
    if not text:
        return []
    cleaned = re.sub(r"https?://\S+|@\w+", " ", text)
    return [word for word in (match.lower() for match in _WORD.findall(cleaned)) if word not in _STOPWORDS]


def is_hostile_text(text: str | None, negative: bool, score: float, hostile_score: float) -> bool:
    """Is a brand account's post or reply hostile or dismissive?

    >>> is_hostile_text("Not our problem. Read the terms.", False, 0.0, -0.25)
    True
    >>> is_hostile_text("Sorry to hear that, please DM us your booking number", True, -0.6, -0.25)
    False
    """
    if text and DISMISSIVE.search(text):
        return True
    if text and APOLOGETIC.search(text):
        return False
    return negative and score <= hostile_score


def is_deletion_complaint(text: str | None) -> bool:
    """
    >>> is_deletion_complaint("Why did you delete my comment?"), is_deletion_complaint("Das ist Zensur!")
    (True, True)
    >>> is_deletion_complaint("Delayed again, great job"), is_deletion_complaint("I'm deleting your app")
    (False, False)
    """
    return bool(text) and DELETION_COMPLAINT.search(text or "") is not None


_SCREENSHOT: Final = re.compile(r"screenshot|screen-shot|screencap|screenie|bildschirmfoto", re.IGNORECASE)
_ABOUT_WORDS: Final = re.compile(
    r"\b(?:repl(?:y|ies|ied)|answer(?:s|ed)?|respon(?:se|ds|ded)|wr(?:ote|ites)|talks?|speaks?|tweet(?:s|ed)?|account"
    r"|antwort\w*|geantwortet|schreib\w*|geschrieben|redet|spricht|reden|sprechen|tweet)\b",
    re.IGNORECASE,
)
"""Words that say what a screenshot shows is something the brand said ("... how @zestoo talks to
customers", "So redet @zestoo_de mit Kunden"), not an order or an error message."""
_QUOTE_MARKS: Final = frozenset("\"“”„«»‚‘’'")
_QUOTE_MARK: Final = re.compile("[" + re.escape("".join(sorted(_QUOTE_MARKS))) + "]")
_MIN_QUOTE_CHARS: Final = 7
_RUN_TOKEN: Final = re.compile(r"[^\W_]+", re.UNICODE)


def quoted_runs(text: str | None) -> frozenset[tuple[str, ...]]:
    """Runs of three words with a content word among them: two texts sharing one quote each other.

    >>> sorted(quoted_runs("Then order somewhere else. We won't miss you."))[:2]
    [('else', 'we', 'won'), ('order', 'somewhere', 'else')]
    """
    words = [word.lower() for word in _RUN_TOKEN.findall(text or "")]
    return frozenset(
        run for run in zip(words, words[1:], words[2:], strict=False)
        if any(len(word) >= 4 and word not in _STOPWORDS for word in run)
    )


def quoted_spans(text: str | None) -> list[str]:
    """What the text puts in quotation marks: an opening mark with no letter or digit before it
    and a word after it, a closing one at least 7 characters later with no letter after it
    ("won't", "zestoo's", "90's", 27" and "'ne Frage" open nothing).

    >>> quoted_spans("Screenshot: 'Then order somewhere else.' Wow. „Wir vermissen dich nicht“")
    ['Then order somewhere else.', 'Wir vermissen dich nicht']
    >>> quoted_spans("rock 'n' roll, the 90's called, hab 'ne Frage, don't")
    []
    """
    if not text or _QUOTE_MARKS.isdisjoint(text):
        return []  # most posts: one set test
    marks = [match.start() for match in _QUOTE_MARK.finditer(text)]
    end = len(text)
    spans = []
    consumed = 0
    for position, index in enumerate(marks):
        if index < consumed or (index > 0 and text[index - 1].isalnum()) or not (
            index + 1 < end and text[index + 1].isalpha()
        ):
            continue
        close = next(
            (at for at in marks[position + 1 :]
             if at >= index + _MIN_QUOTE_CHARS and (at + 1 == end or not text[at + 1].isalpha())),
            None,
        )
        if close is not None:
            spans.append(text[index + 1 : close])
            consumed = close + 1
    return spans


def shows_a_brand_reply(text: str | None) -> bool:
    """Does the post say it shows a screenshot of something someone wrote?

    >>> shows_a_brand_reply("screenshot going round of zestoo being rude to a customer"), shows_a_brand_reply(
    ...     "Here's a screenshot of my refund status, still nothing")
    (True, False)
    """
    if not text:
        return False
    lowered = text.lower()
    return (
        ("screen" in lowered or "bildschirm" in lowered) and _SCREENSHOT.search(text) is not None
        and (_ABOUT_WORDS.search(text) is not None or TONE_COMPLAINT.search(text) is not None)
    )


@dataclass(frozen=True, slots=True)
class PostInfo:
    """What an incident needs to name a post as its trigger."""

    event_id: str
    created_at_ms: int
    author_role: AuthorRole
    kind: EventKind
    platform: str
    reach: float
    negative: bool
    sentiment_score: float
    hostile: bool = False
    """For brand accounts: the tone is hostile or dismissive (see :func:`is_hostile_text`)."""
    claim: ClaimKind | None = None
    url: str | None = None
    excerpt: str | None = None
    harm: bool = False
    """By an outside author: it reports that the product hurt someone or is unsafe
    (:func:`detectors.author_claims.reports_harm`, on the whole text, not the excerpt)."""

    @classmethod
    def of(cls, event: EnrichedEvent, hostile: bool = False, excerpt_chars: int = 200) -> PostInfo:
        raw = event.event
        text = (raw.text or "").strip()
        return cls(
            event_id=raw.id,
            created_at_ms=raw.created_at_ms,
            author_role=event.author_role,
            kind=raw.kind,
            platform=raw.platform,
            reach=event.reach,
            negative=event.is_negative,
            sentiment_score=event.sentiment.score,
            hostile=hostile,
            claim=None if event.author_claim is None else event.author_claim.kind,
            url=raw.url,
            excerpt=(text[: excerpt_chars - 1] + "…") if len(text) > excerpt_chars else (text or None),
            harm=event.author_role == "other" and reports_harm(text),
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PostInfo:
        """Rebuild from :func:`detectors.jsonable.to_jsonable` output.

        A state saved before posts carried ``harm`` has only the excerpt to read it from; a
        harm report in the first 200 characters is still recognised after an upgrade.
        """
        values = {spec.name: data[spec.name] for spec in fields(cls) if spec.name in data}
        values["reach"] = float(values["reach"])
        values["sentiment_score"] = float(values["sentiment_score"])
        if "harm" not in data:
            values["harm"] = data["author_role"] == "other" and reports_harm(data.get("excerpt"))
        return cls(**values)

    def trigger(self) -> Trigger:
        return Trigger(
            event_id=self.event_id, author_role=self.author_role, url=self.url,
            kind=self.kind, excerpt=self.excerpt,
        )

    def reads_as_an_answer(self) -> bool:
        """A status update or an apology by its words (:data:`APOLOGETIC`), not hostile: what
        people write under it is about what it answers."""
        return not self.hostile and APOLOGETIC.search(self.excerpt or "") is not None


@dataclass(frozen=True, slots=True)
class ActivityBucket:
    """Reactions to a thread in one event-time bucket."""

    start_ms: int
    reactions: int = 0
    negative: int = 0
    echoes: int = 0
    """Protests posted elsewhere about this thread's deletions (they count for attribution)."""


@dataclass(frozen=True, slots=True)
class ThreadState:
    thread_id: str
    first_seen_ms: int
    last_seen_ms: int
    root: PostInfo | None = None
    """The thread's root post, when it was seen."""
    brand_post: PostInfo | None = None
    """The brand's own post or reply in the thread: the first hostile one, else the first one;
    a hostile one posted after the incident about it resolved takes its place."""
    reactions: int = 0
    negative_reactions: int = 0
    negative_after_brand: int = 0
    """Negative reactions by others after ``brand_post``."""
    reactions_after_brand: int = 0
    answers_to_brand: int = 0
    """Of the reactions after ``brand_post``, those whose parent is that post."""
    reactors: tuple[int, ...] = ()
    negative_reactors: tuple[int, ...] = ()
    negative_reactors_after_brand: tuple[int, ...] = ()
    spreaders_after_brand: tuple[int, ...] = ()
    """Outside authors who reacted after a *hostile* ``brand_post`` in a tone that is not
    positive: the negative ones and those who shared or quoted it without taking a positive side
    (a hostile post spreads as quote-shares with no words of their own as much as in angry
    replies). Empty while the brand's post is not hostile."""
    leavers_after_brand: tuple[int, ...] = ()
    """Outside authors who, after ``brand_post``, said they are leaving the brand or called for a
    boycott of it ("Cancelled my membership", "Goodbye zestoo", "#BoycottZestoo"): whatever else
    the thread holds, they react to the brand itself."""
    objectors_after_brand: tuple[int, ...] = ()
    """Outside authors who answered ``brand_post`` itself negatively, objecting to its tone
    (:data:`TONE_COMPLAINT`), unless it apologised: "rude" under "Sorry, please DM us" is about
    the complaint, not the reply."""
    deletions: int = 0
    first_deletion_ms: int | None = None
    last_deletion_ms: int | None = None
    complaints: int = 0
    complainers: tuple[int, ...] = ()
    activity: tuple[ActivityBucket, ...] = ()
    peak_hourly_reactions: int = 0
    platforms: Mapping[str, int] | None = None
    terms: Mapping[str, int] | None = None
    term_errors: Mapping[str, int] | None = None
    """How much each term's count may overstate (see :func:`space_saving`)."""
    sample_event_ids: tuple[str, ...] = ()
    flagged: bool = False
    """Part of an incident: kept out of the comment-flood baseline."""
    incident_open: bool = False
    """Its incident is open now (``flagged`` stays once it has resolved)."""
    paged_brand_post: str | None = None
    """The event id of ``brand_post`` while the thread's incident was open (None: it had none).
    A hostile brand reply posted after that is news of its own, not a straggler of the old one."""
    complainers_paged: int = 0
    """How many people protested about deletions while the thread's incident was open. Protests
    that come after an incident about something else (a flood on a price post, then a moderator
    hides comments) are news, not a straggling second wave."""

    def root_role(self) -> AuthorRole:
        return self.root.author_role if self.root is not None else "other"

    def window(self, now_ms: int, span_ms: int) -> ActivityBucket:
        """Summed activity of the buckets that start in ``[now - span, now)``."""
        total = ActivityBucket(start_ms=now_ms - span_ms)
        for bucket in self.activity:
            if now_ms - span_ms <= bucket.start_ms < now_ms:
                total = ActivityBucket(
                    start_ms=total.start_ms,
                    reactions=total.reactions + bucket.reactions,
                    negative=total.negative + bucket.negative,
                    echoes=total.echoes + bucket.echoes,
                )
        return total

    def brand_post_is_the_cause(self) -> bool:
        """People react to the brand's post or reply: it is the thread's root, or hostile, or
        :data:`CAUSE_OBJECTORS` people answer it objecting to its tone, or a third of the
        reactions since it answer it directly and they outnumber the reactions the thread had
        before it. A polite reply to a customer's viral complaint is none of these: the crowd
        goes on reacting to the complaint, and the few who answer the reply ("DM is where
        complaints go to die") are fewer than the crowd that was there before it."""
        post = self.brand_post
        if post is None:
            return False
        if post.event_id == self.thread_id or post.hostile or len(self.objectors_after_brand) >= CAUSE_OBJECTORS:
            return True
        before = self.reactions - self.reactions_after_brand
        return self.answers_to_brand > before and 3 * self.answers_to_brand >= self.reactions_after_brand

    def trigger_post(self) -> PostInfo | None:
        return self.brand_post if self.brand_post_is_the_cause() else self.root

    def trigger(self) -> Trigger:
        post = self.trigger_post()
        if post is None:
            return Trigger(event_id=self.thread_id, author_role="other")
        return post.trigger()


_LINK: Final = re.compile(
    r"https?://|\bwww\.|\b[\w-]+\.(?:shop|store|com|net|org|info|biz|xyz|top|online|site|club|sale|de|co|io|ly)\b",
    re.IGNORECASE,
)


def could_remove_criticism(thread: ThreadState) -> bool:
    """Could a moderator's deletions in this thread have removed criticism? Not when the thread
    is an outside author's post with a link that read as anything but negative, with no
    negative reaction under it: a spam or scam post taken down ("dresses 90% off 👉
    outlet-sale.shop"). Protests posted elsewhere are not about such a removal: an outside
    tester's protests about the brand deleting its own rude reply were counted for a scam post
    a moderator had removed, and paged as a moderation backlash telling the team to stop
    deleting criticism. A complaint without a link stays one however the model read it (German
    anger often reads neutral).

    >>> spam = PostInfo("scam", 0, "other", "post", "facebook", 0.0, False, 0.2, excerpt="90% off 👉 outlet-sale.shop")
    >>> could_remove_criticism(ThreadState("scam", 0, 0, root=spam))
    False
    >>> could_remove_criticism(ThreadState("kritik", 0, 0, root=replace(spam, excerpt="Ihr habt mein Konto gesperrt")))
    True
    """
    root = thread.root
    return (root is None or root.author_role != "other" or root.negative or thread.negative_reactions > 0
            or _LINK.search(root.excerpt or "") is None)


@dataclass(frozen=True, slots=True)
class ThreadParams:
    bucket_width_ms: int = 300_000
    activity_span_ms: int = 3_600_000
    """How much per-bucket history a thread keeps (rates and acceleration use it)."""
    idle_ms: int = 6 * 3_600_000
    max_threads: int = 400
    max_aliases: int = 1000
    max_distinct_authors: int = 40
    """Distinct-author sets stop growing here; thresholds stay well below."""
    max_terms: int = 40
    max_samples: int = 5
    hostile_score: float = -0.25
    """A brand post or reply is hostile when classified negative with a score at or below this
    (unless it reads as an apology or a status update; always when it is dismissive). The brand's own root posts are hostile only by their words (:data:`DISMISSIVE`):
    announcements and status updates of bad news read negative to a sentiment model without
    being hostile, and a hostile-read post draws every brand-wide spike of the next hours."""
    notable_reach: float = 0.5
    """Roots by outside authors are tracked as threads from this reach up, or with a claim."""
    max_recent_roots: int = 256
    """Other outside roots are remembered (as a trigger, not a thread) this many at a time,
    most recent first, so a crowd on an ordinary person's post names that post and its origin."""
    recent_root_excerpt_chars: int = 120
    complaint_attribution_ms: int = 12 * 3_600_000
    """Deletion complaints outside a moderated thread count for the brand's last moderated thread this long."""
    quote_attribution_ms: int = 6 * 3_600_000
    """Posts of their own that show or quote a hostile brand post (a screenshot of how the brand
    replied, its words in quotation marks) count as reactions to it this long after it: a rude
    reply spreads as screenshots, with no link to its thread. No longer than ``idle_ms``: a
    thread idle that long is forgotten."""
    protest_takeover: int = 3
    """A moderated thread takes the protests posted elsewhere from an earlier protested one
    once this many people protest about it (one complaint under a routine spam removal must
    not pull an ongoing protest's posts away)."""

    def __post_init__(self) -> None:
        if self.bucket_width_ms <= 0 or self.activity_span_ms < self.bucket_width_ms:
            raise ValueError("bucket_width_ms must be positive and activity_span_ms at least one bucket")
        if self.max_threads < 1 or self.max_distinct_authors < 1:
            raise ValueError("max_threads and max_distinct_authors must be at least 1")
        if not 0 <= self.quote_attribution_ms <= self.idle_ms:
            raise ValueError("quote_attribution_ms must be between 0 and idle_ms")
        if self.protest_takeover < 1 or self.max_terms < 0:
            raise ValueError("protest_takeover must be at least 1 and max_terms not negative")


@dataclass(frozen=True, slots=True)
class ThreadBook:
    threads: Mapping[str, ThreadState]
    last_moderated_thread: str | None = None
    evicted: tuple[ThreadState, ...] = ()
    """Threads forgotten by the last :meth:`ThreadTracker.evict` (read once, then dropped)."""
    aliases: Mapping[str, str] | None = None
    """Event id -> thread id for recent non-root events of tracked threads, so a reply to a
    reply that names only its parent (no ``root_id``) still lands in the right thread.
    Ordered least recently used first (at most ``max_aliases``; checkpoints keep the order)."""
    recent_roots: Mapping[str, PostInfo] | None = None
    """Root posts by outside authors that no thread holds yet, oldest first (at most
    ``max_recent_roots``): when the first reaction comes, its thread knows what it reacts to.
    Without it a flood under a customer's post had origin ``unknown`` and a trigger without
    text or link."""


def _add_once(items: tuple[_Item, ...], item: _Item, limit: int) -> tuple[_Item, ...]:
    """``items`` with ``item`` added unless it is there already or ``limit`` is reached."""
    if item in items or len(items) >= limit:
        return items
    return (*items, item)


def bounded_count(counts: Mapping[str, int] | None, keys: list[str], limit: int) -> Mapping[str, int]:
    """``counts`` plus one for each key, keeping at most ``limit`` keys (see :func:`space_saving`).

    >>> counts = bounded_count(None, ["delay", "seat", "wifi"], 3)
    >>> dict(bounded_count(counts, ["censorship", "censorship"], 3))
    {'seat': 1, 'wifi': 1, 'censorship': 3}
    """
    return space_saving(counts, None, keys, limit)[0]


def space_saving(
    counts: Mapping[str, int] | None, errors: Mapping[str, int] | None, keys: list[str], limit: int
) -> tuple[Mapping[str, int], Mapping[str, int] | None]:
    """``counts`` plus one for each key, keeping at most ``limit`` keys (Metwally et al.'s
    space-saving: a new key takes the place of the least counted one, the oldest of those,
    with its count plus one), and each count's possible overestimate (``errors``: the count it
    inherited; keys counted from their first use have none and are left out).

    A key more frequent than 1 / ``limit`` of all counted is never lost, whatever came first:
    keeping only the first ``limit`` keys left a thread's early small talk as its top terms
    for ever and never counted the words of the outrage that came later. The least counted
    keys are found by one scan per call, not one per new key (a bucket's tally holds 200
    terms, and a post brings several new ones). Rank by :func:`top_keys`, not by the count:
    a word used once can inherit a count above real terms'.

    >>> counts, errors = space_saving(None, None, ["delay", "seat", "wifi", "delay"], 3)
    >>> counts, errors = space_saving(counts, errors, ["noise"], 3)
    >>> dict(counts), errors, top_keys(counts, errors, 3)
    ({'delay': 2, 'wifi': 1, 'noise': 2}, {'noise': 1}, ('delay',))
    """
    updated = dict(counts or {})
    overestimates = dict(errors or {})
    floor, least = 0, None  # the least count, and its keys oldest first
    for key in keys:
        if key in updated:
            updated[key] += 1
        elif len(updated) < limit:
            updated[key] = 1
        elif limit > 0:
            while True:  # keys counted up since the scan are no longer least counted
                if not least:
                    floor = min(updated.values())
                    least = deque(known for known, count in updated.items() if count == floor)
                evicted = least.popleft()
                if updated[evicted] == floor:
                    break
            del updated[evicted]
            overestimates.pop(evicted, None)
            updated[key] = floor + 1
            overestimates[key] = floor
    return updated, overestimates or None


def top_keys(counts: Mapping[str, int] | None, errors: Mapping[str, int] | None, n: int) -> tuple[str, ...]:
    """The ``n`` keys with the most counts guaranteed (count less its overestimate), then by
    count and key, of those certainly counted twice: a word used once is no evidence of what a
    crowd says (an incident named "anders, dritte, einfach", single uses in alphabetical
    order), and in a full table a key's count may be inherited."""
    known = errors or {}
    ordered = sorted(
        ((key, count - known.get(key, 0)) for key, count in (counts or {}).items()
         if count - known.get(key, 0) >= 2),
        key=lambda item: (-item[1], -(counts or {})[item[0]], item[0]),
    )
    return tuple(key for key, _ in ordered[:n])


class ThreadTracker:
    """Folds enriched events into a :class:`ThreadBook` (pure; never mutates its input)."""

    def __init__(self, params: ThreadParams = ThreadParams()) -> None:
        self.params = params

    def initial_state(self) -> ThreadBook:
        return ThreadBook(threads={})

    def is_moderator_deletion(self, event: EnrichedEvent) -> bool:
        raw = event.event
        if raw.kind != "deletion":
            return False
        if raw.deleted_by == "moderator":
            return True
        return raw.deleted_by is None and (event.author_role == "moderator" or event.author_role in BRAND_ROLES)

    def thread_of(self, book: ThreadBook, event: EnrichedEvent) -> str:
        """The event's thread: its root, else its parent's thread, else itself."""
        raw = event.event
        base = raw.root_id or raw.parent_id or raw.id
        return (book.aliases or {}).get(base, base)

    def observe(self, book: ThreadBook, event: EnrichedEvent) -> ThreadBook:
        raw = event.event
        params = self.params
        thread_id = self.thread_of(book, event)
        is_root = raw.id == thread_id
        speaks_for_brand = event.author_role in BRAND_ROLES or event.author_role == "moderator"
        complaint = not speaks_for_brand and raw.kind != "deletion" and is_deletion_complaint(raw.text)
        threads = dict(book.threads)
        last_moderated = book.last_moderated_thread
        shows_brand_post = False
        if is_root and raw.id not in threads and event.author_role == "other" and raw.kind != "deletion" and not complaint:
            quoted = self._quoted_brand_post(threads, raw.created_at_ms, quoted_spans(raw.text), shows_a_brand_reply(raw.text))
            if quoted is not None:
                # A post of its own that shows or quotes a hostile brand post reacts to it, and so
                # do the replies it draws: it joins that thread instead of starting one.
                thread_id, is_root, shows_brand_post = quoted, False, True

        thread = threads.get(thread_id)
        recent_roots = book.recent_roots
        if thread is None and (not is_root or event.author_role in BRAND_ROLES or self.is_moderator_deletion(event)
                               or event.author_claim is not None or event.reach >= params.notable_reach):
            root = (recent_roots or {}).get(thread_id)
            thread = ThreadState(thread_id=thread_id, first_seen_ms=raw.created_at_ms, last_seen_ms=raw.created_at_ms,
                                 root=root)
            if root is not None:
                recent_roots = {key: post for key, post in (recent_roots or {}).items() if key != thread_id}
        elif thread is None and raw.kind != "deletion" and params.max_recent_roots > 0:
            remembered = dict(recent_roots or {})
            remembered.pop(thread_id, None)
            remembered[thread_id] = PostInfo.of(event, excerpt_chars=params.recent_root_excerpt_chars)
            if len(remembered) > params.max_recent_roots:
                del remembered[next(iter(remembered))]
            recent_roots = remembered
        if thread is not None:
            thread = self._update(thread, event, is_root, speaks_for_brand, complaint)
            if shows_brand_post:
                thread = self._react(thread, event, complaint=False)
            if self.is_moderator_deletion(event) and could_remove_criticism(thread):
                last_moderated = thread_id
            threads[thread_id] = thread
        # A complaint about deleting posted outside the moderated thread counts for that thread.
        target = self._protested_thread(threads, raw.created_at_ms) or last_moderated if complaint else None
        if complaint and (thread is None or thread.deletions == 0) and target not in (None, thread_id):
            moderated = threads.get(target or "")
            if moderated is not None and moderated.last_deletion_ms is not None and (
                raw.created_at_ms - moderated.last_deletion_ms <= params.complaint_attribution_ms
            ):
                threads[moderated.thread_id] = self._add_activity(
                    self._complain(moderated, event), raw.created_at_ms, echoes=1
                )
        aliases = book.aliases or {}
        parent = raw.root_id or raw.parent_id
        # Least recently used goes first: a reply everybody answers (the brand's rude reply
        # on a busy brand) must not be pushed out by a thousand later replies.
        refresh = parent is not None and parent in aliases
        add = thread is not None and not is_root and raw.id not in aliases
        if refresh or add:
            updated = dict(aliases)
            if parent is not None and refresh:
                updated[parent] = updated.pop(parent)
            if add:
                updated[raw.id] = thread_id
                if len(updated) > params.max_aliases:
                    del updated[next(iter(updated))]
            aliases = updated
        evicted = book.evicted
        if len(threads) > params.max_threads:
            # A busy brand fills the book long before threads go idle: the thread pushed out is
            # finished as far as the comment-flood baseline is concerned, so it is learnt too.
            oldest = min(threads.values(), key=lambda item: (item.last_seen_ms, item.thread_id))
            del threads[oldest.thread_id]
            evicted = (*evicted, oldest)
        return ThreadBook(threads=threads, last_moderated_thread=last_moderated, evicted=evicted, aliases=aliases,
                          recent_roots=recent_roots)

    def _protested_thread(self, threads: Mapping[str, ThreadState], time_ms: int) -> str | None:
        """The moderated thread people already protest about, if any.

        A complaint posted elsewhere goes there rather than to the last moderated thread: a
        routine spam removal elsewhere an hour later is not what an ongoing protest is about.
        Of several protested by ``protest_takeover`` people or more, the one moderated last is
        what new protests are about: a second wave of removals hours later drew its protests
        back to the first thread (most protesters), which opened its incident again while the
        second one was open. Below that, the thread with most protesters keeps them.
        """
        protested = [
            thread for thread in threads.values()
            if thread.complainers and thread.last_deletion_ms is not None
            and time_ms - thread.last_deletion_ms <= self.params.complaint_attribution_ms
        ]
        if not protested:
            return None
        takeover = self.params.protest_takeover
        return max(protested, key=lambda item: (
            len(item.complainers) >= takeover,
            item.last_deletion_ms or 0 if len(item.complainers) >= takeover else len(item.complainers),
            len(item.complainers), item.thread_id,
        )).thread_id

    def _quoted_brand_post(
        self, threads: Mapping[str, ThreadState], time_ms: int, spans: list[str], screenshot: bool
    ) -> str | None:
        """The thread of the recent hostile brand post a post of its own shows or quotes: the one
        whose words it puts in quotation marks (``spans``), else (``screenshot`` of a reply) the
        latest one. Most posts have neither and cost no look at the thread book."""
        if not spans and not screenshot:
            return None
        runs = quoted_runs(" … ".join(spans))
        best: tuple[tuple[bool, int, str], str] | None = None
        for thread in threads.values():
            post = thread.brand_post
            if post is None or not post.hostile or not 0 <= time_ms - post.created_at_ms <= self.params.quote_attribution_ms:
                continue
            quotes = not runs.isdisjoint(quoted_runs(post.excerpt))
            if not quotes and not screenshot:
                continue
            key = (quotes, post.created_at_ms, thread.thread_id)
            if best is None or key > best[0]:
                best = (key, thread.thread_id)
        return None if best is None else best[1]

    def _update(
        self, thread: ThreadState, event: EnrichedEvent, is_root: bool, speaks_for_brand: bool, complaint: bool
    ) -> ThreadState:
        raw = event.event
        thread = replace(thread, last_seen_ms=max(thread.last_seen_ms, raw.created_at_ms))
        if is_root and thread.root is None and raw.kind != "deletion":
            thread = replace(thread, root=PostInfo.of(event, self.is_hostile_post(event, root=True)))
            if event.author_role in BRAND_ROLES and thread.brand_post is None:
                thread = replace(thread, brand_post=thread.root)
        if self.is_moderator_deletion(event):
            return replace(
                thread,
                deletions=thread.deletions + 1,
                first_deletion_ms=raw.created_at_ms if thread.first_deletion_ms is None else thread.first_deletion_ms,
                last_deletion_ms=max(thread.last_deletion_ms or raw.created_at_ms, raw.created_at_ms),
            )
        if event.author_role in BRAND_ROLES and not is_root and raw.kind != "deletion":
            current = thread.brand_post
            hostile = self.is_hostile_post(event)
            # A hostile post replaces a friendly one, or a hostile one whose incident has resolved:
            # the new remark is what people react to now.
            resolved = current is not None and current.event_id == thread.paged_brand_post and not thread.incident_open
            if current is None or (hostile and (not current.hostile or resolved)):
                thread = replace(thread, brand_post=PostInfo.of(event, hostile), negative_after_brand=0,
                                 reactions_after_brand=0, answers_to_brand=0,
                                 negative_reactors_after_brand=(), spreaders_after_brand=(), leavers_after_brand=(),
                                 objectors_after_brand=())
            return thread
        if raw.kind in REACTION_KINDS and not speaks_for_brand and not is_root:
            return self._react(thread, event, complaint)
        return thread

    def is_hostile_post(self, event: EnrichedEvent, root: bool = False) -> bool:
        if event.author_role not in BRAND_ROLES:
            return False
        if root:
            return DISMISSIVE.search(event.event.text or "") is not None
        return is_hostile_text(event.event.text, event.is_negative, event.sentiment.score, self.params.hostile_score)

    def _bucket_of(self, time_ms: int) -> int:
        return time_ms - time_ms % self.params.bucket_width_ms

    def _add_activity(self, thread: ThreadState, time_ms: int, **counts: int) -> ThreadState:
        start = self._bucket_of(time_ms)
        horizon = self._bucket_of(thread.last_seen_ms) - self.params.activity_span_ms
        buckets = [bucket for bucket in thread.activity if bucket.start_ms > horizon]
        start = max(start, horizon + self.params.bucket_width_ms)
        for index, bucket in enumerate(buckets):
            if bucket.start_ms == start:
                buckets[index] = replace(bucket, **{key: getattr(bucket, key) + value for key, value in counts.items()})
                break
        else:
            buckets.append(ActivityBucket(start_ms=start, **counts))
            buckets.sort(key=lambda bucket: bucket.start_ms)
        activity = tuple(buckets)
        hourly = sum(bucket.reactions for bucket in activity)
        return replace(thread, activity=activity, peak_hourly_reactions=max(thread.peak_hourly_reactions, hourly))

    def _complain(self, thread: ThreadState, event: EnrichedEvent) -> ThreadState:
        """A protest about deleting: its words and its id are the moderated thread's evidence
        whatever its tone ("shadowbanned for asking a question" reads neutral), wherever it was
        posted (an incident listed one sample id for 55 protests: samples were negative replies only)."""
        return replace(
            thread,
            complaints=thread.complaints + 1,
            complainers=_add_once(thread.complainers, author_key(event.event.author.id), self.params.max_distinct_authors),
            last_seen_ms=max(thread.last_seen_ms, event.event.created_at_ms),
            **self._count_terms(thread, event.event.text),
            sample_event_ids=_add_once(thread.sample_event_ids, event.event.id, self.params.max_samples),
        )

    def _count_terms(self, thread: ThreadState, text: str | None) -> dict[str, Any]:
        terms, errors = space_saving(thread.terms, thread.term_errors, terms_of(text), self.params.max_terms)
        return {"terms": terms, "term_errors": errors}

    def _react(self, thread: ThreadState, event: EnrichedEvent, complaint: bool) -> ThreadState:
        raw = event.event
        params = self.params
        key = author_key(raw.author.id)
        after_brand = thread.brand_post is not None and raw.created_at_ms >= thread.brand_post.created_at_ms
        protest = complaint and thread.deletions > 0
        objects = (
            after_brand and not protest and thread.brand_post is not None
            and raw.parent_id == thread.brand_post.event_id and objects_to_tone(raw.text)
            and not APOLOGETIC.search(thread.brand_post.excerpt or "")
        )
        # Objecting to how the brand spoke is negative about it, whatever the model read: "Das ist
        # so respektlos." and "so redet ihr mit Kunden?" read positive to it.
        negative = event.is_negative or objects
        thread = replace(
            thread,
            reactions=thread.reactions + 1,
            negative_reactions=thread.negative_reactions + int(negative),
            reactors=_add_once(thread.reactors, key, params.max_distinct_authors),
            platforms=bounded_count(thread.platforms, [raw.platform], 16),
        )
        if after_brand and thread.brand_post is not None:
            thread = replace(thread, reactions_after_brand=thread.reactions_after_brand + 1,
                             answers_to_brand=thread.answers_to_brand + int(raw.parent_id == thread.brand_post.event_id))
        hostile_post = thread.brand_post is not None and thread.brand_post.hostile
        if after_brand and hostile_post and not protest and event.sentiment.label != "positive":
            thread = replace(
                thread, spreaders_after_brand=_add_once(thread.spreaders_after_brand, key, params.max_distinct_authors)
            )
        if objects:
            thread = replace(thread, objectors_after_brand=_add_once(
                thread.objectors_after_brand, key, params.max_distinct_authors))
        post = thread.brand_post
        # The apology check last: most reactions do not leave.
        if (after_brand and not protest and raw.text and post is not None
                and leaves_brand(raw.text, registry_names(raw.brand)) and not APOLOGETIC.search(post.excerpt or "")):
            thread = replace(thread, leavers_after_brand=_add_once(
                thread.leavers_after_brand, key, params.max_distinct_authors))
        if negative:
            thread = replace(
                thread,
                negative_reactors=_add_once(thread.negative_reactors, key, params.max_distinct_authors),
                **({} if protest else self._count_terms(thread, raw.text)),
                sample_event_ids=_add_once(thread.sample_event_ids, raw.id, params.max_samples),
            )
            # Protests about deleted comments are the moderation detector's evidence, not a
            # reaction to the brand's post itself.
            if after_brand and not protest:
                thread = replace(
                    thread,
                    negative_after_brand=thread.negative_after_brand + 1,
                    negative_reactors_after_brand=_add_once(
                        thread.negative_reactors_after_brand, key, params.max_distinct_authors
                    ),
                )
        thread = self._add_activity(
            thread, raw.created_at_ms, reactions=1, negative=int(negative)
        )
        if complaint and thread.deletions > 0:
            thread = self._complain(thread, event)
        return thread

    def evict(self, book: ThreadBook, now_ms: int) -> ThreadBook:
        """Forget threads idle for ``idle_ms``; they are handed out once in ``evicted`` (after
        those pushed out by :meth:`observe` when the book was full)."""
        keep: dict[str, ThreadState] = {}
        gone: list[ThreadState] = []
        for thread_id, thread in book.threads.items():
            if now_ms - thread.last_seen_ms > self.params.idle_ms:
                gone.append(thread)
            else:
                keep[thread_id] = thread
        last_moderated = book.last_moderated_thread if book.last_moderated_thread in keep else None
        aliases = book.aliases or {}
        if gone:
            aliases = {event_id: thread_id for event_id, thread_id in aliases.items() if thread_id in keep}
        recent_roots = book.recent_roots
        if recent_roots and any(now_ms - post.created_at_ms >= self.params.idle_ms for post in recent_roots.values()):
            recent_roots = {key: post for key, post in recent_roots.items()
                            if now_ms - post.created_at_ms < self.params.idle_ms}
        return ThreadBook(threads=keep, last_moderated_thread=last_moderated, evicted=(*book.evicted, *gone), aliases=aliases,
                          recent_roots=recent_roots)

    def flag(self, book: ThreadBook, thread_id: str) -> ThreadBook:
        """The book as if the thread had been in an incident that has resolved since."""
        return self.mark_incidents(self.mark_incidents(book, [thread_id]), [])

    def mark_incidents(self, book: ThreadBook, open_causes: Iterable[str]) -> ThreadBook:
        """Threads with an open incident are flagged and ``incident_open``, and remember their
        brand post as paged; the others are not open."""
        open_now = set(open_causes)
        changed: dict[str, ThreadState] = {}
        for thread_id, thread in book.threads.items():
            is_open = thread_id in open_now
            flagged = thread.flagged or is_open
            paged = (thread.brand_post.event_id if thread.brand_post else None) if is_open else thread.paged_brand_post
            complainers = len(thread.complainers) if is_open else thread.complainers_paged
            if (flagged, is_open, paged, complainers) != (
                thread.flagged, thread.incident_open, thread.paged_brand_post, thread.complainers_paged
            ):
                changed[thread_id] = replace(thread, flagged=flagged, incident_open=is_open, paged_brand_post=paged,
                                             complainers_paged=complainers)
        return replace(book, threads={**book.threads, **changed}) if changed else book
