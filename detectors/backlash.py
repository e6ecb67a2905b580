"""Thread-level crisis detectors 3–6: who started it and which post it hangs on.

Each detector reads one :class:`~detectors.threads.ThreadState` at the close of
an event-time bucket (``now_ms`` = the bucket's end) and returns a named
:class:`ThreadVerdict`. They fire only on evidence from *distinct* outside
authors, so one customer posting many times never looks like a crowd.

* :class:`CommentFloodDetector` — reactions on one thread far above what the
  brand's threads by the same root-author role normally get, with a real share
  of them negative (a lively friendly thread stays quiet). Its state is the
  baseline of hourly peaks per role, learnt from threads as they are forgotten,
  never from a thread that was part of an incident.
* :class:`OwnedPostBacklashDetector` — a brand account (owned, agency,
  executive) posts or replies in a hostile or dismissive tone and outside
  authors react negatively, or an owned/agency post or any brand reply draws a
  negative pile-on (``self_inflicted``). An executive's own post drawing a crowd
  is left to the comment-flood detector.
* :class:`ModerationBacklashDetector` — moderators deleted comments and users
  react to the deleting itself (``self_inflicted``, trigger = moderated thread).
* :class:`ExternalPostBacklashDetector` — a post by an outside author with high
  reach or a self-declared claim (former employee, angry customer) whose
  reactions accelerate (``external``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from detectors.threads import CAUSE_OBJECTORS, ActivityBucket, ThreadState
from schemas.records import AUTHOR_ROLES, BRAND_ROLES, IncidentType, Origin

HOUR_MS: Final = 3_600_000


@dataclass(frozen=True, slots=True)
class ThreadVerdict:
    detector: IncidentType
    thread_id: str
    score: float
    """In [0, 1]; 1 when every condition holds."""
    fired: bool
    severity: int
    origin: Origin
    onset_ms: int
    observed: float
    expected: float
    window_seconds: int
    negative_events: int
    total_events: int


def severity_for(base: float, ratio: float) -> int:
    """Severity grows by 1.5 for every doubling of the evidence over its threshold.

    >>> severity_for(5, 1.0), severity_for(5, 2.0), severity_for(5, 4.0), severity_for(5, 16.0)
    (5, 7, 8, 10)
    """
    return max(1, min(10, math.floor(base + 1.5 * math.log2(max(ratio, 1.0)) + 0.5)))


def _origin_of(thread: ThreadState) -> Origin:
    post = thread.trigger_post()
    if post is None:
        return "unknown"
    return "self_inflicted" if post.author_role in BRAND_ROLES else "external"


def _quiet(thread: ThreadState, detector: IncidentType, expected: float = 0.0) -> ThreadVerdict:
    return ThreadVerdict(
        detector=detector, thread_id=thread.thread_id, score=0.0, fired=False, severity=0,
        origin=_origin_of(thread), onset_ms=thread.first_seen_ms, observed=0.0, expected=expected,
        window_seconds=0, negative_events=0, total_events=0,
    )


# ------------------------------------------------------------------ comment flood

@dataclass(frozen=True, slots=True)
class FloodParams:
    window_ms: int = HOUR_MS
    factor: float = 3.0
    """Fires when the thread's hourly rate (the last hour, or twice the last half hour)
    reaches ``factor`` times the usual busiest hour of threads of its root's role
    (90th percentile; brand roles pooled when one role has too few threads)."""
    min_reactions: int = 18
    cold_min_reactions: int = 40
    """The floor while a role has fewer than ``min_samples`` learnt threads."""
    cold_brand_share: float = 0.4
    """... or this share of the brand's busiest hour of all events (last 24 hours), if higher.
    A thread is learnt only when it is forgotten, 6 hours after its last reaction, so a busy
    brand stays cold for its first day: an outside tester's delivery app (250 events in its
    busiest hour, 50-90 comments on an ordinary post) paged its first two busy posts."""
    min_samples: int = 4
    max_samples: int = 64
    min_negative_share: float = 0.35
    min_negative_authors: int = 6
    min_negative_z: float = 3.0
    """The last hour's negative reactions must also exceed the brand's usual negative share
    by this many binomial standard deviations: with 20 reactions, 7 negative (35 %) is an
    ordinary draw at a usual share of 27 %, and a busy brand's posts draw 20 reactions often."""

    def __post_init__(self) -> None:
        if self.factor <= 1 or self.min_reactions < 1 or not 0 < self.min_negative_share <= 1:
            raise ValueError("factor must exceed 1, min_reactions be positive, min_negative_share in (0, 1]")
        if self.cold_brand_share < 0:
            raise ValueError("cold_brand_share must not be negative")


@dataclass(frozen=True, slots=True)
class FloodState:
    peaks: Mapping[str, tuple[int, ...]]
    """Author role of the thread root -> recent hourly reaction peaks of finished threads."""


class CommentFloodDetector:
    """Far more reactions on one thread than the brand's threads of that role usually get.

    >>> from detectors.threads import ThreadTracker
    >>> from detectors.testing import T0_MS, enriched
    >>> tracker, flood = ThreadTracker(), CommentFloodDetector()
    >>> book = tracker.observe(tracker.initial_state(), enriched("ceo", 0, role="executive", text="Big changes"))
    >>> for i in range(45):
    ...     book = tracker.observe(book, enriched(f"c{i}", 60_000 * i // 2, parent="ceo", negative=i % 2 == 0))
    >>> verdict = flood.assess(flood.initial_state(), book.threads["ceo"], T0_MS + 1_500_000)
    >>> verdict.fired, verdict.origin, verdict.observed  # 45 comments in 25 minutes: 90 an hour
    (True, 'self_inflicted', 90.0)
    """

    name: Final = "comment_flood"

    def __init__(self, params: FloodParams = FloodParams()) -> None:
        self.params = params

    def initial_state(self) -> FloodState:
        return FloodState(peaks={})

    def learn(self, state: FloodState, finished: Iterable[ThreadState]) -> FloodState:
        peaks = dict(state.peaks)
        for thread in finished:
            if thread.flagged or thread.reactions == 0:
                continue
            role = thread.root_role()
            peaks[role] = (*peaks.get(role, ()), thread.peak_hourly_reactions)[-self.params.max_samples :]
        return FloodState(peaks=peaks)

    def usual_peak(self, state: FloodState, role: str) -> float | None:
        """90th percentile of the role's learnt peaks; all roles pooled if the role is new."""
        samples = state.peaks.get(role, ())
        if len(samples) < self.params.min_samples:
            pool = BRAND_ROLES if role in BRAND_ROLES else AUTHOR_ROLES
            samples = tuple(peak for role_name in AUTHOR_ROLES if role_name in pool for peak in state.peaks.get(role_name, ()))
        if len(samples) < self.params.min_samples:
            return None
        ordered = sorted(samples)
        return float(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))])

    def threshold(self, state: FloodState, role: str, brand_busiest_hour: float = 0.0) -> float:
        usual = self.usual_peak(state, role)
        if usual is None:
            return max(float(self.params.cold_min_reactions), self.params.cold_brand_share * brand_busiest_hour)
        return max(float(self.params.min_reactions), self.params.factor * usual)

    def assess(
        self, state: FloodState, thread: ThreadState, now_ms: int, baseline_share: float | None = None,
        brand_busiest_hour: float = 0.0,
    ) -> ThreadVerdict:
        """``baseline_share``: the brand's usual share of negative events (the share detector's
        baseline); without it only the fixed ``min_negative_share`` gate applies.
        ``brand_busiest_hour``: the brand's busiest hour of all events in the last 24 hours,
        for the floor while the role's usual peak is not learnt (``cold_brand_share``).

        Once the role's usual peak is learnt, a thread more negative than usual needs
        proportionally fewer reactions (``threshold x usual share / its share``, not below
        ``min_reactions``): the negative reactions are judged against the usual negative rate.
        A busy brand's posts draw many comments, so its total-rate threshold is high, and an
        angry crowd on the CEO's post would otherwise have to outnumber a whole busy hour.

        The crowd must count ``2 x min_negative_authors`` distinct people, or fewer whose
        voices are themselves far more negative than usual (``min_negative_z`` binomial SDs,
        counted over distinct authors: 6 of 6 at a usual 27 %, not 6 of 10): the first few
        people on an outrageous post are all angry, and waiting for a dozen made a small crowd
        late by ten minutes or more.
        """
        params = self.params
        threshold = self.threshold(state, thread.root_role(), brand_busiest_hour)
        window = thread.window(now_ms, params.window_ms)
        if window.reactions == 0:
            return _quiet(thread, "comment_flood", threshold)
        negative_share = window.negative / window.reactions
        if baseline_share is not None and negative_share > baseline_share and (
            self.usual_peak(state, thread.root_role()) is not None
        ):
            threshold = max(float(params.min_reactions), threshold * baseline_share / negative_share)
        # The last half window, extrapolated, sees a fast-rising flood before the full window fills.
        half = thread.window(now_ms, params.window_ms // 2)
        rate = max(window.reactions, 2 * half.reactions) if 2 * window.reactions >= threshold else window.reactions
        ratio = rate / threshold
        gates = (
            negative_share >= params.min_negative_share
            and _above_usual(window.negative, window.reactions, baseline_share, params.min_negative_z)
            and len(thread.negative_reactors) >= params.min_negative_authors
            and (len(thread.reactors) >= params.min_negative_authors * 2 or self._few_but_angry(thread, baseline_share))
        )
        fired = ratio >= 1 and gates
        root = thread.root
        onset = root.created_at_ms if root is not None and now_ms - root.created_at_ms <= 6 * HOUR_MS else (
            thread.activity[0].start_ms if thread.activity else thread.first_seen_ms
        )
        base = 5 if thread.root_role() in BRAND_ROLES else 4
        return ThreadVerdict(
            detector="comment_flood", thread_id=thread.thread_id,
            score=min(1.0, ratio) * (1.0 if gates else 0.5), fired=fired,
            severity=severity_for(base + 2 * negative_share, ratio) if fired else 0,
            origin=_origin_of(thread), onset_ms=onset,
            observed=float(rate), expected=threshold,
            window_seconds=params.window_ms // 1000,
            negative_events=window.negative, total_events=window.reactions,
        )

    def _few_but_angry(self, thread: ThreadState, baseline_share: float | None) -> bool:
        """Fewer than ``2 x min_negative_authors`` people, but their voices, counted once each, far
        more negative than the brand's usual share (6 of 6 at a usual 27 %, not 6 of 10)."""
        return baseline_share is not None and _above_usual(
            len(thread.negative_reactors), len(thread.reactors), baseline_share, self.params.min_negative_z
        )


def _second_wave(thread: ThreadState, reactions: int, span_ms: int, share: float) -> bool:
    """``reactions`` in the last ``span_ms``, as an hourly rate, reach ``share`` of the thread's
    busiest hour: a thread already in an incident is news again only then (its people are
    counted for good, so a straggler would otherwise re-open it)."""
    return reactions * HOUR_MS / span_ms >= share * thread.peak_hourly_reactions


def _above_usual(negative: int, total: int, usual_share: float | None, z: float) -> bool:
    """``negative`` of ``total`` is more than ``z`` binomial standard deviations above the usual share.

    >>> _above_usual(7, 20, 0.27, 3.0), _above_usual(26, 40, 0.27, 3.0), _above_usual(7, 20, None, 3.0)
    (False, True, True)
    """
    if usual_share is None or total == 0:
        return True
    p = min(max(usual_share, 0.01), 0.99)
    return negative - p * total >= z * math.sqrt(total * p * (1.0 - p))


# ----------------------------------------------------------- owned post backlash

@dataclass(frozen=True, slots=True)
class OwnedBacklashParams:
    min_negative_authors_hostile: int = 5
    """Distinct outside authors reacting negatively after a hostile brand post or reply."""
    min_negative_authors_spread: int = 3
    """A hostile post or reply also counts the outside authors who spread it without taking a
    positive side (quote-shares with no words of their own, neutral replies) once at least this
    many of them react negatively: its hostility is already the bad news, and the outrage at a
    hostile remark often travels as bare quote-shares."""
    min_negative_authors_post: int = 12
    """... after a brand post or reply whose own tone was not hostile."""
    min_negative_share: float = 0.5
    min_leaving_authors: int = 3
    """A post that makes this many outside people say they are leaving the brand or call for a
    boycott of it (:attr:`~detectors.threads.ThreadState.leavers_after_brand`) is judged like a
    hostile one: ``min_negative_authors_hostile`` negative people, however many others reacted
    mildly. An outside tester's CEO price post drew 13 negative people of 35 reactions in 28
    minutes, the rest mostly sarcasm ("So you're doubling the price and calling it exciting.
    Wow.") that reads positive, and waited 88 minutes for half of all reactions to be negative.
    No thread outside a crisis has two such people in the scenario suites, or three in the
    outside testers' streams."""
    min_objecting_authors: int = CAUSE_OBJECTORS
    """... so is a post or reply that this many outside people answer objecting to its tone
    (:attr:`~detectors.threads.ThreadState.objectors_after_brand`: "rude", "who runs your
    account", "respektlos"): its readers find it hostile though the model did not (an outside
    tester's German agency reply, a joke at the customer's expense with a 😂, read neutral and
    needed 12 negative people; it never drew more than 7)."""
    min_recent_negative: int = 5
    """... of which this many in the last ``recent_ms`` (a pile-on, not a slow trickle)."""
    horizon_ms: int = 12 * HOUR_MS
    """A brand post older than this no longer starts an incident."""
    recent_ms: int = HOUR_MS
    """Some negative reaction must have arrived this recently."""
    min_recent_negative_open: int = 2
    """While its incident is open, this many negative reactions in the last ``recent_ms`` keep
    the pile-on going. At night a pile-on slows to a few an hour: at ``min_recent_negative``
    an outside tester's 23:05 incident resolved at 02:11 and 04:44 and paged twice more."""
    second_wave: float = 0.5
    """While its incident is open a thread keeps firing as long as the pile-on goes on
    (``min_recent_negative_open`` in the last ``recent_ms``), so the incident resolves after a
    quiet period. Once it has resolved, the thread fires again only on a second wave: its last
    ``recent_ms`` of reactions, as an hourly rate, at least this share of the thread's busiest
    hour, with ``min_recent_negative`` of them negative. Its people are counted for ever, so
    without this a straggler hours after the incident resolved re-opened it as critical."""

    def __post_init__(self) -> None:
        if min(self.min_negative_authors_hostile, self.min_negative_authors_post, self.min_negative_authors_spread,
               self.min_leaving_authors, self.min_objecting_authors) < 1:
            raise ValueError("the author minimums must be at least 1")
        if self.second_wave < 0:
            raise ValueError("second_wave must not be negative")


class OwnedPostBacklashDetector:
    """A brand account's hostile post or reply, or a brand post drawing a negative pile-on.

    >>> from detectors.threads import ThreadTracker
    >>> from detectors.testing import T0_MS, enriched
    >>> tracker, owned = ThreadTracker(), OwnedPostBacklashDetector()
    >>> book = tracker.initial_state()
    >>> book = tracker.observe(book, enriched("q", 0, text="My train was cancelled again"))
    >>> book = tracker.observe(book, enriched("rude", 60_000, parent="q", role="owned",
    ...                                        negative=True, text="Not our problem. Read the terms."))
    >>> for i in range(4):
    ...     book = tracker.observe(book, enriched(f"r{i}", 120_000 + i, parent="rude", root="q", negative=True))
    >>> owned.assess(book.threads["q"], T0_MS + 300_000).fired
    False
    >>> book = tracker.observe(book, enriched("r4", 200_000, parent="rude", root="q", negative=True))
    >>> verdict = owned.assess(book.threads["q"], T0_MS + 300_000)
    >>> verdict.fired, verdict.origin, verdict.onset_ms - T0_MS
    (True, 'self_inflicted', 60000)
    """

    name: Final = "owned_post_backlash"

    def __init__(self, params: OwnedBacklashParams = OwnedBacklashParams()) -> None:
        self.params = params

    def assess(self, thread: ThreadState, now_ms: int) -> ThreadVerdict:
        params = self.params
        post = thread.brand_post
        if post is None or now_ms - post.created_at_ms > params.horizon_ms:
            return _quiet(thread, "owned_post_backlash")
        hostile = post.hostile
        if not thread.brand_post_is_the_cause():
            return _quiet(thread, "owned_post_backlash")
        leaving = len(thread.leavers_after_brand) >= params.min_leaving_authors or (
            len(thread.objectors_after_brand) >= params.min_objecting_authors
        )
        needed = params.min_negative_authors_hostile if hostile or leaving else params.min_negative_authors_post
        authors = len(thread.negative_reactors_after_brand)
        if hostile and authors >= params.min_negative_authors_spread:
            authors = max(authors, len(thread.spreaders_after_brand))
        recent = thread.window(now_ms, params.recent_ms)
        ratio = authors / needed
        still_open = thread.incident_open and thread.brand_post is not None and (
            thread.brand_post.event_id == thread.paged_brand_post
        )
        min_recent = params.min_recent_negative_open if still_open else params.min_recent_negative
        pile_on = hostile or (
            (leaving or thread.negative_reactions >= params.min_negative_share * thread.reactions)
            and recent.negative >= min_recent
        )
        gates = pile_on and recent.negative > 0 and self._news(thread, recent)
        fired = ratio >= 1 and gates
        base = 4.5 + (1 if post.author_role == "executive" else 0)
        return ThreadVerdict(
            detector="owned_post_backlash", thread_id=thread.thread_id,
            score=min(1.0, ratio) * (1.0 if gates else 0.5), fired=fired,
            severity=severity_for(base, ratio) if fired else 0,
            origin="self_inflicted", onset_ms=post.created_at_ms,
            # People are counted up to a bound; negative events are not: the larger is a lower bound
            # of the reactions against it, and never below what the gate counted.
            observed=float(max(authors, thread.negative_after_brand)), expected=float(needed),
            window_seconds=max(0, (now_ms - post.created_at_ms) // 1000),
            negative_events=thread.negative_after_brand, total_events=thread.reactions,
        )

    def _news(self, thread: ThreadState, recent: ActivityBucket) -> bool:
        """A thread never in an incident, or a brand post newer than its incident's: yes. Its
        incident open: while the pile-on goes on. Its incident resolved: only a second wave."""
        params = self.params
        if not thread.flagged or thread.brand_post is None or thread.brand_post.event_id != thread.paged_brand_post:
            return True
        if thread.incident_open:
            return recent.negative >= params.min_recent_negative_open
        return recent.negative >= params.min_recent_negative and _second_wave(
            thread, recent.reactions, params.recent_ms, params.second_wave
        )


# ----------------------------------------------------------- moderation backlash

@dataclass(frozen=True, slots=True)
class ModerationParams:
    min_deletions: int = 1
    min_complainers: int = 3
    """Distinct outside authors complaining about the deleting."""
    horizon_ms: int = 12 * HOUR_MS
    window_ms: int = 30 * 60_000
    second_wave: float = 0.5
    """A thread that was already part of an incident fires again only while it is protested
    again: a deletion in the last ``window_ms``, or reactions and protests elsewhere in that
    window, as an hourly rate, at least this share of the thread's busiest hour (its
    complainers are counted for ever, so without this a thread whose incident resolved would
    reopen at its next event)."""

    def __post_init__(self) -> None:
        if self.min_deletions < 1 or self.min_complainers < 1:
            raise ValueError("min_deletions and min_complainers must be at least 1")
        if self.window_ms <= 0 or self.second_wave < 0:
            raise ValueError("window_ms must be positive and second_wave non-negative")


class ModerationBacklashDetector:
    """Deleted comments, then users protesting the deleting ("censorship", "gelöscht").

    >>> from detectors.threads import ThreadTracker
    >>> from detectors.testing import T0_MS, enriched
    >>> tracker, moderation = ThreadTracker(), ModerationBacklashDetector()
    >>> book = tracker.observe(tracker.initial_state(), enriched("p", 0, role="owned", text="New fares"))
    >>> book = tracker.observe(book, enriched("d1", 60_000, parent="p", kind="deletion",
    ...                                       role="moderator", deleted_by="moderator"))
    >>> for i in range(4):
    ...     book = tracker.observe(book, enriched(f"w{i}", 120_000 + i, parent="p", negative=True,
    ...                                           text="Why did you delete my comment?"))
    >>> verdict = moderation.assess(book.threads["p"], T0_MS + 300_000)
    >>> verdict.fired, verdict.origin, verdict.onset_ms - T0_MS
    (True, 'self_inflicted', 60000)
    """

    name: Final = "moderation_backlash"

    def __init__(self, params: ModerationParams = ModerationParams()) -> None:
        self.params = params

    def assess(self, thread: ThreadState, now_ms: int) -> ThreadVerdict:
        params = self.params
        if thread.deletions < params.min_deletions or thread.first_deletion_ms is None or (
            thread.last_deletion_ms is not None and now_ms - thread.last_deletion_ms > params.horizon_ms
        ):
            return _quiet(thread, "moderation_backlash")
        ratio = len(thread.complainers) / params.min_complainers
        # Only protests that were part of an incident need a second wave to fire again.
        paged = thread.flagged and thread.complainers_paged >= params.min_complainers
        fired = ratio >= 1 and (not paged or self._protested_again(thread, now_ms))
        return ThreadVerdict(
            detector="moderation_backlash", thread_id=thread.thread_id,
            score=min(1.0, ratio), fired=fired,
            severity=severity_for(5.0 + min(2, thread.deletions // 5), ratio) if fired else 0,
            origin="self_inflicted", onset_ms=thread.first_deletion_ms,
            observed=float(thread.complaints), expected=float(params.min_complainers),
            window_seconds=max(0, (now_ms - thread.first_deletion_ms) // 1000),
            negative_events=thread.negative_reactions, total_events=thread.reactions,
        )

    def _protested_again(self, thread: ThreadState, now_ms: int) -> bool:
        params = self.params
        if thread.last_deletion_ms is not None and now_ms - thread.last_deletion_ms <= params.window_ms:
            return True
        recent = thread.window(now_ms, params.window_ms)
        activity = recent.reactions + recent.echoes
        return activity >= params.min_complainers and _second_wave(thread, activity, params.window_ms, params.second_wave)


# -------------------------------------------------------- external post backlash

@dataclass(frozen=True, slots=True)
class ExternalParams:
    min_reach: float = 0.55
    """Outside roots from this reach up (about 7,000 followers) count, or any with a claim."""
    min_engaged_authors: int = 5
    window_ms: int = 30 * 60_000
    min_recent: int = 5
    complaint_factor: float = 2.0
    """Customer complaints and high-reach posts without an insider claim are common: they need
    this many times the engagement an insider's (former employee's) claim needs."""
    acceleration: float = 1.5
    """Reactions in the last window at least this times the window before."""
    second_wave: float = 0.5
    """A thread that was already part of an incident fires again only on a second wave: its
    last window's reactions, as an hourly rate, at least this share of the thread's busiest hour
    (the tail of the first wave accelerates by chance: 5 reactions after 3 is not news)."""
    horizon_ms: int = 24 * HOUR_MS
    calm_spread_max_severity: int = 6
    """A post without an insider claim whose recent reactions are less than a third negative
    stays at a warning (severity 4-6) however fast it spreads."""

    def __post_init__(self) -> None:
        if self.acceleration < 1 or self.min_recent < 1 or self.min_engaged_authors < 1:
            raise ValueError("acceleration must be at least 1 and the minimums positive")


class ExternalPostBacklashDetector:
    """A damaging outside post (high reach or a claim such as "former employee") spreading fast.

    >>> from detectors.threads import ThreadTracker
    >>> from detectors.testing import T0_MS, enriched
    >>> tracker, external = ThreadTracker(), ExternalPostBacklashDetector()
    >>> book = tracker.observe(tracker.initial_state(), enriched(
    ...     "leak", 0, negative=True, claim="former_employee", text="As a former employee: they fake safety checks"))
    >>> for i in range(14):
    ...     book = tracker.observe(book, enriched(f"s{i}", 60_000 * i, parent="leak", kind="share"))
    >>> verdict = external.assess(book.threads["leak"], T0_MS + 900_000)
    >>> verdict.fired, verdict.origin, verdict.observed
    (True, 'external', 14.0)
    """

    name: Final = "external_post_backlash"

    def __init__(self, params: ExternalParams = ExternalParams()) -> None:
        self.params = params

    def assess(self, thread: ThreadState, now_ms: int) -> ThreadVerdict:
        params = self.params
        root = thread.root
        harm = root is not None and root.harm
        if (
            root is None
            or root.author_role != "other"
            or now_ms - root.created_at_ms > params.horizon_ms
            or not (root.claim is not None or harm or (root.reach >= params.min_reach and root.negative))
            or (thread.brand_post is not None and thread.brand_post.hostile)
        ):
            # Once the brand has answered in a hostile tone, the thread's crisis is that answer's.
            return _quiet(thread, "external_post_backlash")
        recent = thread.window(now_ms, params.window_ms)
        before = thread.window(now_ms - params.window_ms, params.window_ms)
        insider = root.claim in ("former_employee", "employee") or harm
        factor = 1.0 if insider else params.complaint_factor
        ratio = min(
            recent.reactions / (factor * params.min_recent),
            len(thread.reactors) / (factor * params.min_engaged_authors),
        )
        accelerating = recent.reactions >= params.acceleration * before.reactions and (
            not thread.flagged or _second_wave(thread, recent.reactions, params.window_ms, params.second_wave)
        )
        # While its incident is open an insider's or a harm report goes on spreading at a steady
        # pace too: an outside tester's former employee's post drew 20-30 reactions an hour all
        # evening; it stopped accelerating, resolved two hours later and paged again as a second
        # incident. (Not a customer's complaint: a flood under it would keep its incident open on
        # neutral chatter and gain this type.)
        fired = ratio >= 1 and (accelerating or (thread.incident_open and insider))
        base = 4.0 + 2 * root.reach + (1 if root.claim == "former_employee" or harm else 0)
        severity = severity_for(base, ratio) if fired else 0
        if root.claim is None and not harm and 3 * recent.negative < recent.reactions:
            # A negative post spreading without anger in its reactions (a news report that
            # names the brand) is a heads-up, not a page: an outside tester's competitor story
            # rose to 9 with 3 of 42 reactions negative.
            severity = min(severity, params.calm_spread_max_severity)
        return ThreadVerdict(
            detector="external_post_backlash", thread_id=thread.thread_id,
            score=min(1.0, ratio) * (1.0 if accelerating else 0.5), fired=fired,
            severity=severity,
            origin="external", onset_ms=root.created_at_ms,
            observed=float(recent.reactions), expected=float(max(factor * params.min_recent, before.reactions)),
            window_seconds=params.window_ms // 1000,
            negative_events=recent.negative, total_events=recent.reactions,
        )
